"""Rows that several parts of one page show: a student's home is panels and a to-do list, and
three of them list the student's experiences or credit requests. Read once per request, and
only in a request that reads (GET or HEAD): a request that writes reads them fresh each time.

Each list is what the one query gives; callers filter and slice it, never change it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import has_request_context, request
from sqlalchemy.orm import Session

from careercenter.credits.models import CreditRequest
from careercenter.credits.requests import requests_of
from careercenter.internships.experiences import experiences_of
from careercenter.internships.models import Experience
from careercenter.sso.models import Person

T = TypeVar("T")


def request_memo(name: str) -> dict[Any, Any]:
    """A dict kept for this request only, in its WSGI environ (an app context, and so `g`, may
    outlive one request in tests); outside a request, a new one at each call."""
    return request.environ.setdefault(f"careercenter.{name}", {}) if has_request_context() else {}


def _once(key: tuple[str, int], load: Callable[[], T]) -> T:
    if not has_request_context() or request.method not in ("GET", "HEAD"):
        return load()
    memo = request_memo("pagedata")
    if key not in memo:
        memo[key] = load()
    return memo[key]


def student_experiences(session: Session, student: Person) -> list[Experience]:
    """The student's experiences, the most recently finished first (`experiences_of`)."""
    return _once(("experiences", student.id), lambda: experiences_of(session, student))


def student_requests(session: Session, student: Person) -> list[CreditRequest]:
    """The student's credit requests with their rules, the newest first (`requests_of`)."""
    return _once(("requests", student.id), lambda: requests_of(session, student))
