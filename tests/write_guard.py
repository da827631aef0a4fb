"""Every GET request that writes must say so (`careercenter.transaction.writes_on_read`).

On SQLite an unmarked GET request's transaction begins as a reader, and a reader that writes
after another connection committed fails with "database is locked": a 500 that only shows under
concurrent load. The guard turns the omission into an error in whichever test first sends such a
request, on either database.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask, has_request_context, request, request_started

from careercenter.db import intends_to_write
from careercenter.extensions import db

_WRITES = ("INSERT", "UPDATE", "DELETE")
#: Set on a request Flask dispatches (not on a test's `test_request_context`, where a test's own
#: set-up writes).
_DISPATCHED = "careercenter.tests.dispatched"
#: The session check notes a session's use in a write transaction of its own on SQLite
#: (`sso.sessions.touch`); the tests' connection-bound sessions keep it in the request's.
_ALLOWED = ("UPDATE web_sessions SET last_seen_at",)


class UnmarkedWrite(AssertionError):
    """A GET request wrote without its view being marked `writes_on_read`."""


def _check(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
    text = statement.lstrip()
    if not text.upper().startswith(_WRITES) or text.startswith(_ALLOWED):
        return
    if not has_request_context() or not request.environ.get(_DISPATCHED):
        return
    if request.method in ("GET", "HEAD") and not intends_to_write():
        raise UnmarkedWrite(
            f"{request.method} {request.path} ({request.endpoint}) wrote {text[:60]!r}: mark its view "
            "@writes_on_read (careercenter.transaction)"
        )


def _dispatched(sender: Flask, **extra: Any) -> None:
    request.environ[_DISPATCHED] = True


def install(app: Flask) -> None:
    """Check every statement `app`'s engine runs while it answers a request."""
    request_started.connect(_dispatched, app, weak=False)
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", _check)
