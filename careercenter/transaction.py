"""The one transaction boundary: a request, a CLI command or a unit of worker/job work commits
once when it succeeds and rolls back on any error. Services only `flush()`.

- A request commits after the view answers with a status below 400 and rolls back on an
  exception or any 4xx/5xx answer (a form re-shown with errors changes nothing). A view that
  answers a success page but must not keep its changes (a conflict shown as a flash and a
  redirect) calls `doom()`. A view whose error answer must still keep what it wrote (an audit
  event for a refused attempt) calls `keep_on_error()`.
- A CLI command is wrapped in `@atomic_command`: commit when it returns, rollback when it
  raises or exits non-zero (unless it called `keep_on_error()`: an import that kept its good
  rows still exits 1 for the rows it rejected).
- A worker or job wraps each unit of work in `with unit_of_work(session):`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import Flask, Response, g, has_request_context
from sqlalchemy.orm import Session

from careercenter.db import WRITES_ON_READ, reset_write_intent, set_write_intent
from careercenter.extensions import db

F = TypeVar("F", bound=Callable[..., Any])


def init_app(app: Flask) -> None:
    """Install the request boundary: one commit or one rollback per request."""

    @app.after_request
    def _end_transaction(response: Response) -> Response:
        # Popped, not read: the flags belong to this request only (an app context, and with
        # it `g`, can outlive a request, e.g. in tests).
        doomed = g.pop("_tx_doomed", False)
        keep_on_error = g.pop("_tx_keep_on_error", False)
        if (response.status_code < 400 or keep_on_error) and not doomed:
            db.session.commit()
        else:
            db.session.rollback()
        return response

    @app.teardown_request
    def _rollback_on_exception(exc: BaseException | None) -> None:
        if exc is not None:
            db.session.rollback()


def doom() -> None:
    """Roll this request's transaction back whatever the answer's status."""
    if has_request_context():
        g._tx_doomed = True
    else:
        db.session.rollback()


def keep_on_error() -> None:
    """Commit this request's (or CLI command's) writes even though it ends with an error status."""
    g._tx_keep_on_error = True


@contextmanager
def write_intent() -> Iterator[None]:
    """Transactions begun inside the block will write: on SQLite they take the write lock up front
    (`BEGIN IMMEDIATE`, see `careercenter.db`), so concurrent writers wait their turn instead of
    failing with "database is locked". Write requests (POST, PUT, PATCH, DELETE) have it anyway."""
    token = set_write_intent(True)
    try:
        yield
    finally:
        reset_write_intent(token)


def writes_on_read(view: F) -> F:
    """Mark a view that writes in a GET request (a disclosure-log row, a sign-in callback's
    session): its transaction takes SQLite's write lock up front, as a form post's does.

    Without it, the request's transaction begins as a reader, and on SQLite a reader that writes
    after another connection committed fails at once with "database is locked". Put it below the
    route decorator; wrappers made with `functools.wraps` keep it. The test suite fails any GET
    request that writes without it (`tests/write_guard.py`).
    """
    setattr(view, WRITES_ON_READ, True)
    return view


@contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    """Commit `session` when the block ends normally; roll back and re-raise when it raises.

    A unit writes, so a transaction it begins takes SQLite's write lock up front (`write_intent`).
    """
    with write_intent():
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        session.commit()


def atomic_command(func: F) -> F:
    """Run a click command in one transaction: commit on return, roll back on any exit or error."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with write_intent():
                result = func(*args, **kwargs)
        except SystemExit as exc:
            if exc.code in (0, None) or g.pop("_tx_keep_on_error", False):
                db.session.commit()
            else:
                db.session.rollback()
            raise
        except BaseException:
            db.session.rollback()
            raise
        db.session.commit()
        return result

    return wrapper  # type: ignore[return-value]
