"""The one way dates and times are written on pages: "10 Nov 2026", "10 Nov 2026, 14:05 UTC"."""

from __future__ import annotations

from datetime import UTC, date, datetime

from careercenter.formatting import plural


def format_date(value: date | datetime | str | None, *, empty: str = "") -> str:
    """``10 Nov 2026`` (day without a leading zero, abbreviated English month, year).

    An ISO string (a transcript's frozen snapshot keeps dates so) is read first.
    """
    if value is None or value == "":
        return empty
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(UTC)
    return f"{value.day} {value:%b %Y}"


def format_datetime(value: datetime | None, *, empty: str = "") -> str:
    """``10 Nov 2026, 14:05 UTC``: the date as :func:`format_date` writes it, then the time in UTC.

    Naive datetimes are the database's UTC times (every timestamp here is stored in UTC).
    """
    if value is None:
        return empty
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return f"{format_date(value)}, {value:%H:%M} UTC"


def format_age(since: datetime | None, now: datetime | None = None) -> str:
    """How long something has waited, in words: ``3 days``, ``5 hours``, ``under an hour``."""
    if since is None:
        return ""
    now = now or datetime.now(UTC)
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    seconds = max(0, int((now - since).total_seconds()))
    days, hours = seconds // 86400, seconds // 3600
    if days:
        return plural(days, "day")
    if hours:
        return plural(hours, "hour")
    return "under an hour"
