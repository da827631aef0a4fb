"""The one place request bodies are read and parsed, so that no body makes a 500.

Every route that reads JSON (the registrar API, credential verification, the experience
import) goes through here. An unreadable body — empty, truncated, not UTF-8, nested deeper than
any document of ours, too large, of the wrong type — becomes `UnreadableBody`, which the error
handlers turn into problem+json on the API and a page in the browser (careercenter/errors.py).
"""

from __future__ import annotations

import json
from typing import Any

from flask import request

from careercenter.errors import CareerCenterError

#: No document this service reads nests deeper than a dozen levels; 64 leaves room and keeps
#: every later recursive walk (JSON-LD, schema checks) far from Python's recursion limit.
MAX_DEPTH = 64


class UnreadableBody(CareerCenterError):
    """The body cannot be read as what the route expects; the message says why."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status
        self.title = {413: "Too large", 415: "Unsupported media type", 422: "Invalid input"}.get(status, "Bad request")


def decode_utf8(raw: bytes, what: str = "The body") -> str:
    """`raw` as text; a byte-order mark is dropped. Refuse anything that is not UTF-8."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableBody(f"{what} is not UTF-8 text (bad byte at position {exc.start}).") from None


def _depth(value: Any) -> int:
    """How deeply `value` nests, without recursion (so no input can exhaust the stack)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if deepest > MAX_DEPTH:
                return deepest
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def parse_json_text(text: str, what: str = "The body") -> Any:
    """Parse JSON text; refuse empty, malformed, truncated or too deeply nested input."""
    if not text.strip():
        raise UnreadableBody(f"{what} is empty: expected JSON.")
    try:
        value = json.loads(text)
    except RecursionError:
        raise UnreadableBody(f"{what} nests too deeply (at most {MAX_DEPTH} levels).") from None
    except ValueError as exc:
        detail = getattr(exc, "msg", "malformed")
        where = f" at line {exc.lineno}, column {exc.colno}" if hasattr(exc, "lineno") else ""
        raise UnreadableBody(f"{what} is not valid JSON ({detail}{where}).") from None
    if _depth(value) > MAX_DEPTH:
        raise UnreadableBody(f"{what} nests too deeply (at most {MAX_DEPTH} levels).")
    return value


def request_bytes(max_bytes: int) -> bytes:
    """The raw request body, refusing (413) one larger than `max_bytes`."""
    if request.content_length is not None and request.content_length > max_bytes:
        raise UnreadableBody(f"The body is larger than {max_bytes} bytes.", 413)
    raw = request.get_data(cache=False, as_text=False)
    if len(raw) > max_bytes:
        raise UnreadableBody(f"The body is larger than {max_bytes} bytes.", 413)
    return raw


def json_body(max_bytes: int, mimetypes: frozenset[str] = frozenset({"application/json"})) -> Any:
    """The request's JSON body: 415 for another media type, 413 too large, 400 unreadable."""
    if request.mimetype not in mimetypes:
        allowed = " or ".join(sorted(mimetypes))
        raise UnreadableBody(f"The body must be {allowed} (Content-Type).", 415)
    return parse_json_text(decode_utf8(request_bytes(max_bytes)))
