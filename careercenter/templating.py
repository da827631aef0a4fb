"""What every template may use: dates written one way, plurals, the error summary's errors,
and the number of things waiting for the signed-in person (the top navigation's count)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask

from careercenter.auth import current_person, home_url
from careercenter.dates import format_age, format_date, format_datetime
from careercenter.extensions import db
from careercenter.formatting import plural
from careercenter.formerrors import collect_errors, field_errors
from careercenter.todo import todo_count


def todo_total() -> int | None:
    """How many things wait for the signed-in person (None when no one is, or it cannot be counted).

    A fixed number of COUNT queries (careercenter.todo); base.html asks once per page."""
    person = current_person()
    total: int | None = None
    if person is not None:
        try:
            total = todo_count(db.session, person)
        except sa.exc.SQLAlchemyError:  # an error page while the database is away: no count
            total = None
    return total


def _plural(count: Any, singular: str, plural_form: str | None = None) -> str:
    return plural(int(count), singular, plural_form)


def init_app(app: Flask) -> None:
    """Register the filters ``date``, ``datetime``, ``age``, ``plural`` and the globals
    ``collect_errors`` and ``todo_total``."""
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["age"] = format_age
    app.jinja_env.filters["plural"] = _plural
    app.jinja_env.globals["collect_errors"] = collect_errors
    app.jinja_env.globals["field_errors"] = field_errors
    app.jinja_env.globals["todo_total"] = todo_total
    app.jinja_env.globals["home_url"] = home_url
