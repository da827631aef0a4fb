"""Text that can go anywhere: the one check for single-line fields.

An employer, a project title, a supervisor's name or address, an SIS reference, a rule name: each
is shown on pages, written into mail headers and CSV cells, and sent to the registrar. None may
hold a control character (CR/LF end a mail header and start another; TAB and NUL break CSV and
PostgreSQL text), nor a bidirectional override or isolate (U+202A–U+202E, U+2066–U+2069), which
makes text display differently from what it is ("Trojan Source").

`single_line_problem` says what is wrong (or None); forms, the import, the API and the rule
files all use it, so one rule holds everywhere. `UNSAFE_CHARACTER_CLASS` is the same set as a
regular-expression class, for the OpenAPI document.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from wtforms import Field, ValidationError

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

#: C0 and C1 controls, DEL, the bidi overrides and isolates — as a JSON-Schema-compatible class.
UNSAFE_CHARACTER_CLASS = r"\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069"
#: What ECMA-262 (and so JSON Schema's `pattern`) calls whitespace, besides the controls above.
_ECMA_SPACE = " \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff" + "".join(map(chr, range(0x2000, 0x200B)))
#: The same for multi-line free text: TAB, LF and CR are allowed there.
UNSAFE_FREE_TEXT_CLASS = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069"


def schema_pattern(*, multi_line: bool = False, required: bool = False) -> str:
    """The OpenAPI `pattern` of a text field: no unsafe character and, if `required`, not blank."""
    bad = UNSAFE_FREE_TEXT_CLASS if multi_line else UNSAFE_CHARACTER_CLASS
    if not required:
        return rf"^[^{bad}]*$"
    return rf"^[^{bad}]*[^{bad}\s\ufeff][^{bad}]*$"


_NAMES = {"\t": "a tab", "\r": "a line break (CR)", "\n": "a line break (LF)", "\x00": "a NUL character"}


def _describe(ch: str) -> str:
    if ch in _NAMES:
        return _NAMES[ch]
    if ch in BIDI_CONTROLS:
        return f"a text-direction override (U+{ord(ch):04X})"
    return f"a control character (U+{ord(ch):04X})"


def unsafe_character(value: str) -> str | None:
    """The first character of `value` that no single-line field may hold, or None."""
    for ch in value:
        if ch in BIDI_CONTROLS or unicodedata.category(ch) == "Cc":
            return ch
    return None


def single_line_problem(value: Any) -> str | None:
    """Why `value` cannot be a single-line field (a sentence for the person), or None."""
    if not isinstance(value, str):
        return None
    ch = unsafe_character(value)
    if ch is None:
        return None
    return f"must be one line of plain text: it contains {_describe(ch)}."


def single_line_errors(values: Mapping[str, Any], already: Mapping[str, str], lead: str = "This") -> dict[str, str]:
    """{field: message} for each of `values` that is not one line of plain text, skipping fields
    that `already` has a message for (for a service's `errors` dict)."""
    out = {}
    for name, value in values.items():
        problem = single_line_problem(value)
        if problem and name not in already:
            out[name] = f"{lead} {problem}"
    return out


def is_blank(value: str) -> bool:
    """True when `value` has nothing but whitespace — in the sense JSON Schema's `\\S` uses too."""
    return not value.strip(_ECMA_SPACE + "\t\n\x0b\x0c\r")


def free_text_problem(value: Any) -> str | None:
    """Why `value` cannot be multi-line free text (a note, a description), or None: line breaks
    and tabs are fine there; NUL and the other controls and bidi overrides are not."""
    if not isinstance(value, str):
        return None
    for ch in value:
        if ch in "\t\n\r":
            continue
        if ch in BIDI_CONTROLS or unicodedata.category(ch) == "Cc":
            return f"must be plain text: it contains {_describe(ch)}."
    return None


class SingleLine:
    """WTForms validator: the field is one line of plain text (message beside the field)."""

    def __call__(self, form: Any, field: Field) -> None:
        problem = single_line_problem(field.data)
        if problem:
            raise ValidationError(f"{field.label.text} {problem}")


class FreeText:
    """WTForms validator for multi-line text: no NUL, other controls or bidi overrides."""

    def __call__(self, form: Any, field: Field) -> None:
        problem = free_text_problem(field.data)
        if problem:
            raise ValidationError(f"{field.label.text} {problem}")


_UNSAFE_RE = re.compile(f"[{UNSAFE_CHARACTER_CLASS.encode().decode('unicode_escape')}]")


def strip_unsafe(value: str) -> str:
    """`value` with every unsafe character replaced by a space (for text already stored)."""
    return _UNSAFE_RE.sub(" ", value)
