"""What the bench's simulated users read off the service's pages: the CSRF token of a form, the
decision form's version and the first request a queue links to. Shared by the locust load
(bench/locustfile.py) and its in-process twin (bench/profile_requests.py)."""

from __future__ import annotations

import re

_CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
_VALUE = re.compile(r'value="([^"]*)"')
VERSION = re.compile(r'<input[^>]*name="version"[^>]*value="([^"]*)"')
REQUEST_LINK = re.compile(r'href="/credits/requests/(\d+)"')


def csrf_token(html: str) -> str:
    """The value of the page's `csrf_token` input, whatever the order of its attributes."""
    tag = _CSRF.search(html)
    if not tag or not (value := _VALUE.search(tag.group(0))):
        raise ValueError("no CSRF token on the page")
    return value.group(1)
