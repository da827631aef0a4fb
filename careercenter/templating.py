"""What every template may use: dates written one way, plurals, the error summary's errors."""

from __future__ import annotations

from flask import Flask

from careercenter.dates import format_age, format_date, format_datetime, plural
from careercenter.formerrors import collect_errors


def init_app(app: Flask) -> None:
    """Register the filters ``date``, ``datetime``, ``age``, ``plural`` and the global ``collect_errors``."""
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["age"] = format_age
    app.jinja_env.filters["plural"] = lambda count, singular, plural_form=None: plural(
        int(count), singular, plural_form
    )
    app.jinja_env.globals["collect_errors"] = collect_errors
