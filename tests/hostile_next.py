"""The `next` values every sign-in method must refuse (issue 16 item 2), shared by their tests."""

from urllib.parse import quote

HOSTILE_NEXT = [
    "/\t/evil.example",
    "//evil.example",
    "/\\evil.example",
    "/\r\nLocation: https://evil.example",
    "/me\nX: y",
    "https://evil.example",
    "javascript:alert(1)",
    "/\u202e/evil.example",
    " //evil.example",
]


def query(next_path: str) -> str:
    """`next_path` as a query-string value, every character escaped."""
    return quote(next_path, safe="")
