"""The registrar API's CSV export: its columns, one row per award, and the batch stream.

The stream runs after the request's transaction boundary has committed (the response body is
sent after `after_request`), so it commits each batch's disclosure rows itself: a registrar
system that received a batch of rows has had them disclosed, even if the download breaks off
later. This is the one commit outside `careercenter.transaction`, and why.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from careercenter.credits.models import CreditAward
from careercenter.formatting import format_decimal
from careercenter.registrar import feed, service
from careercenter.registrar.models import ApiClient

CSV_BATCH = 500

CSV_COLUMNS = [
    "id",
    "student_campus_id",
    "student_name",
    "student_email",
    "course_subject",
    "course_number",
    "course_title",
    "credits",
    "grading_basis",
    "term",
    "rule_code",
    "rule_version",
    "experience_ids",
    "experience_hours",
    "approved_by",
    "approved_at",
    "status",
    "sis_reference",
    "posted_at",
    "updated_at",
]


def _csv_safe(value: Any) -> Any:
    """Keep spreadsheet programs from running a cell as a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_row(award: CreditAward) -> list[Any]:
    """One award as a CSV row, in `CSV_COLUMNS` order."""
    data = service.award_json(award)
    return [
        data["id"],
        data["student"]["campus_id"],
        _csv_safe(data["student"]["name"]),
        data["student"]["email"],
        data["course"]["subject"],
        data["course"]["number"],
        _csv_safe(data["course"]["title"]),
        data["credits"],
        data["grading_basis"],
        data["term"],
        data["rule"]["code"],
        data["rule"]["version"],
        " ".join(str(e["id"]) for e in data["experiences"]),
        format_decimal(sum((e.verified_hours or e.hours for e in award.request.experiences), start=0), places=2),
        _csv_safe(data["approved_by"] or ""),
        data["approved_at"],
        data["status"],
        _csv_safe(data["sis_reference"] or ""),
        data["posted_at"] or "",
        data["updated_at"],
    ]


def stream_csv(session: Session, query: feed.FeedQuery, horizon: datetime, client_pk: int) -> Iterator[str]:
    """The header, then each batch of matching awards as CSV text, in constant memory.

    Each batch's awards are disclosed to the client and committed before the text is yielded.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    batch_query = replace(query, limit=CSV_BATCH)
    while True:
        awards, has_more = feed.fetch_page(session, batch_query, horizon)
        for award in awards:
            writer.writerow(csv_row(award))
        if awards:
            reader = session.get(ApiClient, client_pk)
            service.disclose_awards(session, reader, awards, how="exported")
            batch_query = replace(batch_query, after=(awards[-1].updated_at, awards[-1].id))
        session.commit()  # outside the request's boundary: see the module's docstring
        session.expunge_all()  # constant memory: forget the batch just written
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if not has_more:
            return
