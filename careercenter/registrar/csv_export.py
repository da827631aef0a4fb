"""The registrar API's CSV export (columns and rows from `schemas.AwardCsvRow`), streamed by batch.

The stream runs after the request's transaction boundary has committed (the response body is
sent after `after_request`), so it commits each batch's disclosure row itself: a registrar
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
from careercenter.registrar import feed, service
from careercenter.registrar.models import ApiClient
from careercenter.registrar.schemas import CSV_COLUMNS, Award, AwardCsvRow

CSV_BATCH = 1000  # awards per batch (and per disclosure batch), as many as the largest API page


def csv_row(award: CreditAward) -> list[Any]:
    """One award as a CSV row, in `CSV_COLUMNS` order."""
    return AwardCsvRow.of(award, Award.of(award)).cells()


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
