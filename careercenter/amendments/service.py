"""Amendment requests (FERPA, 34 CFR 99.20–99.22). Plain functions: session in, flush only.

A student asks registrar staff to amend a verified record (what is wrong, what it should say).
Staff decide within CAREERCENTER_AMENDMENT_DAYS. Granted: the record is corrected as a new version
(the old value kept here and in the audit trail; the supervisor's attestation is kept and shown as
amended) and `amendment_granted` is sent: transcripts that showed the old value are superseded with
a reissue offered, the old version's credential is revoked (a new one is issued on request).
Denied: the student is told why and of their right to a hearing, and may add a statement of
disagreement, shown wherever the record is disclosed.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from careercenter.amendments.models import AMENDMENT_TRANSITIONS, FIELDS, AmendmentRequest, AmendmentState
from careercenter.audit.export import Section
from careercenter.audit.service import Actor, record_event
from careercenter.db import utcnow
from careercenter.errors import Conflict, ValidationFailed
from careercenter.internships.models import Experience, ExperienceState
from careercenter.notify.service import queue_message
from careercenter.signals import amendment_granted
from careercenter.sso.models import Person
from careercenter.statemachine import move

DEFAULT_DAYS = 45
MIN_TEXT = 5
MAX_TEXT = 2000
HEARING = (
    "You have the right to a hearing to challenge this decision (34 CFR 99.21). To ask for one, reply to "
    "the registrar's office. You may also add a statement of disagreement to the record: it is kept with "
    "the record and shown wherever the record is disclosed."
)


def _text(value: str | None, field: str, label: str) -> str:
    value = (value or "").strip()
    if len(value) < MIN_TEXT or len(value) > MAX_TEXT:
        message = f"{label}: between {MIN_TEXT} and {MAX_TEXT} characters, please."
        raise ValidationFailed(message, {field: message})
    return value


def request_amendment(
    session: Session, student: Person, experience: Experience, *, what_is_wrong: str, should_say: str, days: int
) -> AmendmentRequest:
    """The student asks to amend one of their verified records."""
    if experience.student_id != student.id:
        raise Conflict("You can ask to amend your own records only.")
    if experience.state is not ExperienceState.VERIFIED:
        raise Conflict("Only a verified record can be amended; a draft you can still edit yourself.")
    if pending_for(session, experience.id) is not None:
        raise Conflict("An amendment request for this record is already waiting for a decision.")
    req = AmendmentRequest(
        student_id=student.id,
        experience_id=experience.id,
        what_is_wrong=_text(what_is_wrong, "what_is_wrong", "What is wrong"),
        should_say=_text(should_say, "should_say", "What it should say"),
        due_on=utcnow().date() + timedelta(days=days),
    )
    session.add(req)
    session.flush()
    record_event(
        session,
        Actor.person(student),
        "amendment.requested",
        AmendmentRequest.__tablename__,
        req.id,
        {"experience_id": experience.id, "due_on": req.due_on.isoformat()},
    )
    return req


def _parse(field: str, raw: str) -> Any:
    raw = (raw or "").strip()
    if field not in FIELDS:
        raise ValidationFailed("Choose what to correct.", {"field": "Choose what to correct."})
    if not raw:
        raise ValidationFailed("Enter the corrected value.", {"value": "Enter the corrected value."})
    if field in ("start_date", "end_date"):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise ValidationFailed("Dates as YYYY-MM-DD.", {"value": "A date as YYYY-MM-DD."}) from None
    if field == "hours":
        try:
            hours = Decimal(raw)
        except InvalidOperation:
            raise ValidationFailed("Hours as a number.", {"value": "Hours as a number, like 22.5."}) from None
        if not (Decimal(0) < hours < Decimal(10000)):
            raise ValidationFailed("Hours above 0.", {"value": "Hours above 0 and below 10000."})
        return hours
    if len(raw) > 200:
        raise ValidationFailed("At most 200 characters.", {"value": "At most 200 characters."})
    return raw


def _current(experience: Experience, field: str) -> Any:
    if field == "hours":
        return experience.verified_hours or experience.hours
    return getattr(experience, field)


def grant(
    session: Session, req: AmendmentRequest, *, decided_by: Person, field: str, value: str, note: str
) -> AmendmentRequest:
    """Correct the record as a new version and tell everyone who showed the old one."""
    new = _parse(field, value)
    experience = req.experience
    old = _current(experience, field)
    if field == "hours":
        experience.hours = new
        experience.verified_hours = new
    else:
        setattr(experience, field, new)
    if experience.end_date < experience.start_date:
        raise ValidationFailed("The end date would be before the start date.", {"value": "Dates out of order."})
    req.correction = {"field": field, "old": str(old), "new": str(new)}
    req.decision_reason = _text(note, "note", "What was corrected")
    _decide(session, req, AmendmentState.GRANTED, decided_by, "amendment.granted", dict(req.correction))
    record_event(
        session,
        Actor.person(decided_by),
        "experience.amended",
        Experience.__tablename__,
        experience.id,
        {"amendment_id": req.id, "version": version_of(session, experience.id), **req.correction},
    )
    student = req.student
    queue_message(
        session,
        to=student.email,
        subject="Your amendment request was granted",
        text=(
            f'Dear {student.display_name},\n\nyour request to amend "{experience.title}" was granted: '
            f"{FIELDS[field].lower()} now reads {new} (it read {old}).\n\n{req.decision_reason}\n"
        ),
        kind="amendment.granted",
    )
    amendment_granted.send(None, session=session, request=req, actor=Actor.person(decided_by))
    session.flush()
    return req


def deny(session: Session, req: AmendmentRequest, *, decided_by: Person, reason: str) -> AmendmentRequest:
    """Refuse; the student is told why, of the right to a hearing, and of the statement."""
    req.decision_reason = _text(reason, "reason", "The reason")
    _decide(session, req, AmendmentState.DENIED, decided_by, "amendment.denied", {"reason": req.decision_reason})
    student = req.student
    queue_message(
        session,
        to=student.email,
        subject="Your amendment request was denied",
        text=(
            f'Dear {student.display_name},\n\nyour request to amend "{req.experience.title}" was denied.\n\n'
            f"Reason: {req.decision_reason}\n\n{HEARING}\n"
        ),
        kind="amendment.denied",
    )
    return req


def _decide(
    session: Session, req: AmendmentRequest, to: AmendmentState, who: Person, action: str, data: dict[str, Any]
) -> None:
    who_id = who.id  # may load the person: before the decision's columns change (CHECK constraint)
    with session.no_autoflush:
        req.decided_at = utcnow()
        req.decided_by_id = who_id
    move(session, req, to, transitions=AMENDMENT_TRANSITIONS, actor=Actor.person(who), action=action, data=data)


def add_statement(session: Session, req: AmendmentRequest, student: Person, text: str) -> AmendmentRequest:
    """The student's statement of disagreement with a denial (kept with the record)."""
    if req.student_id != student.id:
        raise Conflict("Only the student may add a statement to their record.")
    if req.state is not AmendmentState.DENIED:
        raise Conflict("A statement of disagreement follows a denied request.")
    req.statement = _text(text, "statement", "Your statement")
    req.statement_at = utcnow()
    record_event(
        session,
        Actor.person(student),
        "amendment.statement_added",
        AmendmentRequest.__tablename__,
        req.id,
        {"experience_id": req.experience_id},
    )
    session.flush()
    return req


# ---- lookups -----------------------------------------------------------------------------------


def pending_for(session: Session, experience_id: int) -> AmendmentRequest | None:
    query = sa.select(AmendmentRequest).where(
        AmendmentRequest.experience_id == experience_id, AmendmentRequest.state == AmendmentState.REQUESTED
    )
    return session.execute(query.limit(1)).scalar_one_or_none()


def for_experience(session: Session, experience_id: int) -> list[AmendmentRequest]:
    query = sa.select(AmendmentRequest).where(AmendmentRequest.experience_id == experience_id)
    return list(session.execute(query.order_by(AmendmentRequest.id.desc())).scalars())


def desk(session: Session) -> tuple[list[AmendmentRequest], list[AmendmentRequest]]:
    """Registrar staff's desk: the requests waiting (soonest due first) and the last decided."""
    eager = (joinedload(AmendmentRequest.student), joinedload(AmendmentRequest.experience))
    waiting = session.execute(
        sa.select(AmendmentRequest)
        .options(*eager)
        .where(AmendmentRequest.state == AmendmentState.REQUESTED)
        .order_by(AmendmentRequest.due_on, AmendmentRequest.id)
    ).scalars()
    decided = session.execute(
        sa.select(AmendmentRequest)
        .options(*eager)
        .where(AmendmentRequest.state != AmendmentState.REQUESTED)
        .order_by(AmendmentRequest.decided_at.desc())
        .limit(50)
    ).scalars()
    return list(waiting), list(decided)


def version_of(session: Session, experience_id: int) -> int:
    """1 for the record as signed off, +1 per granted amendment."""
    granted = session.execute(
        sa.select(sa.func.count(AmendmentRequest.id)).where(
            AmendmentRequest.experience_id == experience_id, AmendmentRequest.state == AmendmentState.GRANTED
        )
    ).scalar_one()
    return 1 + int(granted)


def statements(session: Session, experience_ids: list[int]) -> dict[int, list[dict[str, str]]]:
    """Statements of disagreement per record, for every place the record is disclosed."""
    out: dict[int, list[dict[str, str]]] = {}
    if not experience_ids:
        return out
    rows = session.execute(
        sa.select(AmendmentRequest)
        .where(AmendmentRequest.experience_id.in_(experience_ids), AmendmentRequest.statement.is_not(None))
        .order_by(AmendmentRequest.statement_at)
    ).scalars()
    for req in rows:
        assert req.statement_at is not None
        out.setdefault(req.experience_id, []).append(
            {"statement": req.statement or "", "added_on": req.statement_at.date().isoformat()}
        )
    return out


def amended_on(session: Session, experience_ids: list[int]) -> dict[int, str]:
    """The last date each record was amended (its attestation is then shown as amended)."""
    rows = session.execute(
        sa.select(AmendmentRequest.experience_id, sa.func.max(AmendmentRequest.decided_at))
        .where(AmendmentRequest.experience_id.in_(experience_ids), AmendmentRequest.state == AmendmentState.GRANTED)
        .group_by(AmendmentRequest.experience_id)
    ).all()
    return {exp_id: at.date().isoformat() for exp_id, at in rows if at is not None}


def export_section() -> Section:
    """The student's amendment requests, decisions and statements in their FERPA export."""
    return Section(
        "amendment_requests",
        lambda student: (
            sa.select(AmendmentRequest).where(AmendmentRequest.student_id == student.id).order_by(AmendmentRequest.id)
        ),
    )
