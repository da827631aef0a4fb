"""`/admin/audit`: the audit log for admins, filtered by actor, record, action and time, newest
first, each event with what it changed (before → after); the chain's state at the top.

Reading the log is not a disclosure of one student's records (it names record ids, not their
content), so it writes none; verifying the whole chain walks every event, so it runs only when
the admin asks for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from sqlalchemy.orm import Session

from careercenter.audit.models import AuditEvent
from careercenter.audit.service import ChainReport, verify_chain
from careercenter.auth import roles_required
from careercenter.extensions import db
from careercenter.sso.models import Person, Role

bp = Blueprint("audit_log", __name__)

PAGE_SIZE = 50


@dataclass
class LogFilters:
    actor: str = ""
    record: str = ""
    action: str = ""
    since: str = ""
    until: str = ""
    before: int | None = None

    def args(self, **changes: Any) -> dict[str, Any]:
        values = {k: v for k, v in vars(self).items() if v not in ("", None)} | changes
        return {k: v for k, v in values.items() if v not in ("", None)}


@dataclass(frozen=True)
class Change:
    field: str
    before: Any
    after: Any


def _date(raw: str, name: str, errors: dict[str, str]) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = f"Enter the {'first' if name == 'since' else 'last'} day as a date, for example 2026-11-10."
        return None


def read_filters() -> tuple[LogFilters, dict[str, str]]:
    """The filters from the query string, and an error per field that cannot be read."""
    args = request.args
    filters = LogFilters(
        actor=args.get("actor", "").strip(),
        record=args.get("record", "").strip(),
        action=args.get("action", "").strip(),
        since=args.get("since", "").strip(),
        until=args.get("until", "").strip(),
    )
    errors: dict[str, str] = {}
    before = args.get("before", "").strip()
    if before.isdigit() and len(before) < 19:  # our own paging marker; anything else starts at the top
        filters.before = int(before)
    if len(filters.record) > 120 or len(filters.actor) > 120 or len(filters.action) > 80:
        errors["record"] = "A filter is at most 120 characters long."
    return filters, errors


def _conditions(filters: LogFilters, errors: dict[str, str]) -> list[Any]:
    where: list[Any] = []
    if filters.actor:
        kind, _, ident = filters.actor.partition(":")
        if ident:
            where += [AuditEvent.actor_type == kind, AuditEvent.actor_id == ident]
        else:
            named = sa.select(sa.cast(Person.id, sa.String)).where(Person.display_name.ilike(f"%{filters.actor}%"))
            where.append(sa.or_(AuditEvent.actor_type == filters.actor, AuditEvent.actor_id.in_(named)))
    if filters.record:
        kind, _, ident = filters.record.partition(":")
        where.append(AuditEvent.subject_type == kind.strip())
        if ident:
            where.append(AuditEvent.subject_id == ident.strip())
    if filters.action:
        where.append(AuditEvent.action.startswith(filters.action, autoescape=True))
    since = _date(filters.since, "since", errors)
    until = _date(filters.until, "until", errors)
    if since:
        where.append(AuditEvent.at >= datetime.combine(since, time(), UTC))
    if until:
        where.append(AuditEvent.at < datetime.combine(until + timedelta(days=1), time(), UTC))
    if since and until and since > until:
        errors["until"] = "The last day is before the first day."
    if filters.before:
        where.append(AuditEvent.seq < filters.before)
    return where


def changes_of(event: AuditEvent) -> list[Change]:
    """What an event changed: its from/to state, its before/after values, or its details."""
    data = dict(event.data or {})
    out: list[Change] = []
    if "from" in data or "to" in data:
        out.append(Change("state", data.pop("from", None), data.pop("to", None)))
    before, after = data.pop("before", None), data.pop("after", None)
    if isinstance(before, dict) or isinstance(after, dict):
        before, after = before or {}, after or {}
        out += [Change(k, before.get(k), after.get(k)) for k in sorted(set(before) | set(after))]
    out += [Change(k, None, v) for k, v in sorted(data.items())]
    return out


def search(session: Session, filters: LogFilters, errors: dict[str, str]) -> tuple[list[AuditEvent], dict[str, str]]:
    """One page of events, newest first, and the names of the people who acted in them."""
    where = _conditions(filters, errors)
    if errors:
        return [], {}
    events = list(
        session.scalars(sa.select(AuditEvent).where(*where).order_by(AuditEvent.seq.desc()).limit(PAGE_SIZE + 1))
    )
    ids = {int(e.actor_id) for e in events if e.actor_type == "person" and (e.actor_id or "").isdigit()}
    names = {}
    if ids:
        names = {
            str(i): n for i, n in session.execute(sa.select(Person.id, Person.display_name).where(Person.id.in_(ids)))
        }
    return events, names


def chain_head(session: Session) -> tuple[int, str | None]:
    last = session.execute(sa.select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    return (int(last.seq), last.hash) if last else (0, None)


@bp.get("/admin/audit")
@roles_required(Role.ADMIN)
def audit_log() -> tuple[str, int] | str:
    filters, errors = read_filters()
    events, names = search(db.session, filters, errors)
    report: ChainReport | None = verify_chain(db.session) if request.args.get("verify") == "1" else None
    count, head = chain_head(db.session)
    more = len(events) > PAGE_SIZE
    page = events[:PAGE_SIZE]
    html = render_template(
        "audit/log.html",
        filters=filters,
        errors=errors,
        events=[(e, changes_of(e)) for e in page],
        names=names,
        next_args=filters.args(before=page[-1].seq) if more and page else None,
        report=report,
        count=count,
        head=head,
    )
    return (html, 422) if errors else html
