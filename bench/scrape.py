"""What the bench's simulated users read off the service's pages: the CSRF token of a form, the
decision form's version and the first request a queue links to. Shared by the locust load
(bench/locustfile.py), its driver (bench/load.py) and its in-process twin (bench/profile_requests.py)."""

from __future__ import annotations

import re
from typing import Any

import requests

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


def sign_in(base: str, person_id: int) -> dict[str, Any]:
    """Sign in through the development login; the session's cookies and its CSRF token.

    bench/load.py signs its users in before any measured run: a campus signs in through its SSO
    provider (round trips this machine cannot stand in for), and 80 sign-ins at once as locust
    spawns its users would load the server while the first measured requests wait.
    """
    http = requests.Session()
    page = http.get(base + "/dev/login", timeout=60)
    page.raise_for_status()
    http.post(
        base + "/dev/login", data={"person_id": person_id, "csrf_token": csrf_token(page.text)}, timeout=60
    ).raise_for_status()
    me = http.get(base + "/me", timeout=60)
    me.raise_for_status()
    cookies = [{"name": c.name, "value": c.value, "domain": c.domain, "path": c.path} for c in http.cookies]
    return {"cookies": cookies, "csrf": csrf_token(me.text)}
