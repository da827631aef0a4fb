"""What the admin pages read: a fixed number of queries whatever the number of people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from careercenter.audit.models import AuditEvent
from careercenter.db import utcnow
from careercenter.notify.service import outbox_counts
from careercenter.registrar.service import list_clients
from careercenter.sso.models import Person
from careercenter.sso.sessions import SEEN_RESOLUTION, WebSession

SIGN_IN_ACTION = "auth.login"


@dataclass(frozen=True)
class PersonRow:
    person: Person
    roles: list[str]
    last_synced: datetime | None
    last_signed_in: datetime | None
    open_sessions: int


@dataclass(frozen=True)
class AdminSummary:
    people: int
    active_people: int
    api_clients: int
    active_api_clients: int
    outbox: dict[str, int]
    open_sessions: int


def last_sign_ins(session: Session) -> dict[int, datetime]:
    """person id -> time of their latest sign-in (from the audit log's ``auth.login`` events)."""
    rows = session.execute(
        sa.select(AuditEvent.subject_id, sa.func.max(AuditEvent.at))
        .where(AuditEvent.action == SIGN_IN_ACTION, AuditEvent.subject_type == "person")
        .group_by(AuditEvent.subject_id)
    ).all()
    return {int(subject): at for subject, at in rows if str(subject).isdigit()}


def open_session_counts(session: Session, *, idle: timedelta, absolute: timedelta) -> dict[int, int]:
    """person id -> how many of their sessions still let someone in (one query)."""
    now = utcnow()
    rows = session.execute(
        sa.select(WebSession.person_id, sa.func.count())
        .where(
            WebSession.ended_at.is_(None),
            WebSession.last_seen_at > now - idle - SEEN_RESOLUTION,
            WebSession.started_at > now - absolute,
        )
        .group_by(WebSession.person_id)
    ).all()
    return {person_id: n for person_id, n in rows}


def people_with_roles(session: Session, *, idle: timedelta, absolute: timedelta) -> list[PersonRow]:
    """Everyone, by name, with their roles, when the directory last synced them and when they
    last signed in (three queries)."""
    people = session.scalars(
        sa.select(Person).options(selectinload(Person.role_grants)).order_by(Person.display_name, Person.id)
    ).all()
    signed_in = last_sign_ins(session)
    sessions = open_session_counts(session, idle=idle, absolute=absolute)
    return [
        PersonRow(
            p, sorted(r.value for r in p.roles), p.directory_synced_at, signed_in.get(p.id), sessions.get(p.id, 0)
        )
        for p in people
    ]


def summary(session: Session, *, idle: timedelta, absolute: timedelta) -> AdminSummary:
    people = session.execute(
        sa.select(sa.func.count(), sa.func.count().filter(Person.is_active.is_(True))).select_from(Person)
    ).one()
    clients = list_clients(session)
    return AdminSummary(
        people=people[0],
        active_people=people[1],
        api_clients=len(clients),
        active_api_clients=sum(1 for c in clients if c.revoked_at is None),
        outbox=outbox_counts(session),
        open_sessions=sum(open_session_counts(session, idle=idle, absolute=absolute).values()),
    )
