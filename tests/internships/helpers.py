"""Small helpers shared by the internships tests."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from careercenter.audit.models import AuditEvent
from careercenter.notify.models import OutboxMessage

LINK = re.compile(r"http://careers\.test/signoff/([A-Za-z0-9_-]{43})")


def mails(session: Any, kind: str | None = None, to: str | None = None) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    if to:
        query = query.where(OutboxMessage.to_address == to)
    return list(session.execute(query).scalars())


def token_in(message: OutboxMessage) -> str:
    found = LINK.findall(message.body_text)
    assert len(found) == 1, message.body_text
    assert found[0] in (message.body_html or "")
    return found[0]


def events(session: Any, action: str | None = None) -> list[AuditEvent]:
    query = sa.select(AuditEvent).order_by(AuditEvent.seq)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(session.execute(query).scalars())


def error_beside(html: str, field: str) -> str:
    """The error message rendered beside `field` (by the `field()` macro's id)."""
    prefix = '(?:<span class="visually-hidden">Error:</span> )?'
    match = re.search(rf'<p class="error" id="{re.escape(field)}-error">{prefix}([^<]*)</p>', html)
    assert match, f"no error beside {field}"
    return match.group(1).replace("&#39;", "'")
