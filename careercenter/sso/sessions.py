"""Server-side sessions: a sign-in is a row, so that signing out really ends it.

The browser's (signed) session cookie carries only a random session token; the row, found by the
token's SHA-256, says whose session it is and whether it has ended. Every app server behind the
load balancer sees the same rows, so `POST /logout`, "Sign out everywhere" and a deactivation end
a session at once on all of them — a copy of the cookie taken before is worth nothing after.

Cost: the row and its person are read in the one (indexed) query that loading the signed-in
person needed anyway; `last_seen_at` is written at most once a minute per session.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, contains_eager, mapped_column, object_session, relationship
from sqlalchemy.orm.attributes import set_committed_value

from careercenter.audit.service import Actor, record_event
from careercenter.db import intends_to_write, utcnow
from careercenter.extensions import db
from careercenter.sso.models import Person
from careercenter.transaction import write_intent

#: How often a session's `last_seen_at` is written: reads stay cheap, the list stays useful.
SEEN_RESOLUTION = timedelta(minutes=1)


class WebSession(db.Model):
    """One sign-in of one person in one browser, until it is ended or times out."""

    __tablename__ = "web_sessions"
    __table_args__ = (
        sa.Index("ix_web_sessions_person_open", "person_id", "ended_at"),
        sa.Index("ix_web_sessions_started_at", "started_at"),  # `prune_sessions`
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    #: SHA-256 (hex) of the random token in the cookie; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: How the person signed in: oidc, ldap, saml, cas, dev.
    method: Mapped[str] = mapped_column(sa.String(20))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_agent: Mapped[str | None] = mapped_column(sa.String(255))
    #: Set by sign-out, "Sign out everywhere", a deactivation or a timeout; never cleared.
    ended_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, person: Person, method: str, user_agent: str | None) -> str:
    """Record a new session for `person` and return the token for the browser's cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    ua = (user_agent or "")[:255] or None
    session.add(
        WebSession(
            person_id=person.id,
            token_hash=_digest(token),
            method=method[:20],
            started_at=now,
            last_seen_at=now,
            user_agent=ua,
        )
    )
    session.flush()
    return token


@functools.cache
def _open_session_statement() -> sa.Select[tuple[WebSession]]:
    """The statement `find_open_session` runs, built once per process (the SQL, never a row).

    Every request runs it: built each time, its loader options and SQLAlchemy's cache key for
    them cost as much CPU as running it; one built statement has its cache key memoized.
    """
    return (
        sa.select(WebSession)
        .join(WebSession.person)
        .options(
            contains_eager(WebSession.person).joinedload(Person.role_grants),
            # an approver's pages ask for their pools (who may decide what): read with the rest
            contains_eager(WebSession.person).joinedload(Person.pool_memberships),
        )
        .where(
            WebSession.token_hash == sa.bindparam("token_hash"),
            WebSession.ended_at.is_(None),
            Person.is_active.is_(True),
        )
    )


def find_open_session(session: Session, token: str) -> WebSession | None:
    """The open session with `token`, its (active) person, roles and approver pools loaded with
    it: one query, by the unique index on `token_hash`."""
    result = session.execute(_open_session_statement(), {"token_hash": _digest(token)})
    return result.unique().scalar_one_or_none()


def touch(web_session: WebSession) -> None:
    """Note that the session was used now, at most once per `SEEN_RESOLUTION`.

    Within the request's transaction, except in a read request on SQLite: there the request's
    transaction began as a reader, and a reader that writes after another connection committed
    fails at once with "database is locked" (its snapshot is stale; busy_timeout does not help).
    A page and its stylesheet, both the first requests of a minute, were enough. So the write
    is its own short transaction that takes the write lock up front and waits its turn.
    """
    now = utcnow()
    if now - web_session.last_seen_at < SEEN_RESOLUTION:
        return
    orm_session = object_session(web_session)
    engine = orm_session.get_bind() if orm_session is not None else None
    # (a session bound to one connection, as the tests' are, has no second connection to use)
    if not isinstance(engine, sa.Engine) or engine.dialect.name != "sqlite" or intends_to_write():
        web_session.last_seen_at = now
        return
    with write_intent(), engine.begin() as conn:  # BEGIN IMMEDIATE (careercenter.db)
        conn.execute(sa.update(WebSession).where(WebSession.id == web_session.id).values(last_seen_at=now))
    set_committed_value(web_session, "last_seen_at", now)


def prune_sessions(session: Session, *, absolute: timedelta) -> int:
    """Delete the sessions begun more than `absolute` ago, ended or not; return how many.

    None of them lets anyone in again (`SESSION_ABSOLUTE_HOURS` ends a session however busy),
    and the sign-in each one was is in the audit log (`auth.login`), so the table holds at most
    one lifetime's sign-ins instead of every sign-in ever. Run at each sign-in, by the index on
    `started_at`.
    """
    result = session.execute(sa.delete(WebSession).where(WebSession.started_at < utcnow() - absolute))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def end_session(session: Session, token: str) -> None:
    """End the session with `token` (sign-out); a token already ended or unknown is left alone."""
    session.execute(
        sa.update(WebSession)
        .where(WebSession.token_hash == _digest(token), WebSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def end_all_sessions(session: Session, person_id: int) -> int:
    """End every open session of the person ("Sign out everywhere", deactivation); return how many."""
    result = session.execute(
        sa.update(WebSession)
        .where(WebSession.person_id == person_id, WebSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def open_sessions(session: Session, person_id: int, *, idle: timedelta, absolute: timedelta) -> list[WebSession]:
    """The person's sessions that still let someone in, newest first (for `/me`)."""
    now = utcnow()
    return list(
        session.execute(
            sa.select(WebSession)
            .where(
                WebSession.person_id == person_id,
                WebSession.ended_at.is_(None),
                WebSession.last_seen_at > now - idle - SEEN_RESOLUTION,
                WebSession.started_at > now - absolute,
            )
            .order_by(WebSession.started_at.desc(), WebSession.id.desc())
        ).scalars()
    )


def deactivate_person(session: Session, person: Person, actor: Actor, reason: str) -> int:
    """Deactivate `person` and end every session they have, at once; return how many ended."""
    person.is_active = False
    ended = end_all_sessions(session, person.id)
    record_event(session, actor, "person.deactivated", "person", person.id, {"reason": reason, "sessions_ended": ended})
    return ended
