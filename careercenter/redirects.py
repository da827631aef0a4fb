"""The one check every sign-in method's return path goes through: `next` never leaves the site.

A browser is forgiving in ways that turn a harmless-looking path into another site: it drops
TAB, CR and LF from URLs (`/\t/evil.example` becomes `//evil.example`), reads a backslash as a
slash (`/\\evil.example`), and takes `//host` as "same scheme, other host". So a destination is
accepted only when it is a plain path on this site: starts with one `/`, has no scheme or host,
no backslash, no control character and no whitespace, and is short enough to keep in a session.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

#: Longer than any page of ours with a query string; the SAML request row keeps 1000 characters.
MAX_LENGTH = 1000


def _has_unsafe_character(target: str) -> bool:
    for ch in target:
        if ch.isspace() or ch == "\\" or unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"}:
            return True
    return False


def is_same_site_path(target: str | None) -> bool:
    """True when `target` is a path on this site that no browser can read as another site."""
    if not target or len(target) > MAX_LENGTH or not target.startswith("/") or target.startswith("//"):
        return False
    if _has_unsafe_character(target):
        return False
    try:
        parts = urlsplit(target)
    except ValueError:
        return False
    return not parts.scheme and not parts.netloc and parts.path.startswith("/") and not parts.path.startswith("//")


def safe_next(target: str | None) -> str | None:
    """`target` when it is a same-site path, else None (the caller falls back to the person's home)."""
    return target if is_same_site_path(target) else None
