"""The supervisor's sign-off: one request per mailed ask, with its own state machine.

A request is SENT until the supervisor uses a link (USED), the student withdraws it
(WITHDRAWN) or the worker closes it unused after `expires_at` (EXPIRED); see
`SIGNOFF_TRANSITIONS`. Each move goes through that table with the experience's move in the
same flush; the experience's move writes the audit event for both (with the request's id).
Plain functions taking a session; they `flush()` and the caller's transaction commits.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from careercenter.audit.service import Actor, record_event
from careercenter.db import utcnow
from careercenter.employers import forms_service
from careercenter.employers.forms_config import split_answers
from careercenter.errors import Conflict, ValidationFailed
from careercenter.formatting import format_decimal
from careercenter.internships.experiences import TWO_PLACES
from careercenter.internships.models import (
    EXPERIENCE_TRANSITIONS,
    SIGNOFF_TRANSITIONS,
    Experience,
    ExperienceState,
    SignoffRequest,
    SignoffState,
    SignoffToken,
)
from careercenter.internships.signoff_checks import SignoffInput, dispute_errors, merged_answers, validate_signoff
from careercenter.internships.signoff_mail import (
    hash_token,
    link_lifetime,
    mail_student,
    mail_supervisor,
    new_token,
)
from careercenter.statemachine import check_transition, move, set_state

MAX_TOKEN_LENGTH = 100


class InvalidLink(Exception):
    """A sign-off token that is unknown, used, withdrawn or expired (which one is not said)."""


# -- reading -------------------------------------------------------------------------------------


def open_request(session: Session, experience: Experience) -> SignoffRequest | None:
    """The experience's live (SENT) sign-off request, if any (at most one: a partial unique index)."""
    return session.execute(
        sa.select(SignoffRequest).where(
            SignoffRequest.experience_id == experience.id, SignoffRequest.state == SignoffState.SENT
        )
    ).scalar_one_or_none()


def open_requests_by_experience(session: Session, experiences: list[Experience]) -> dict[int, SignoffRequest]:
    """{experience id: its live request} for the experiences that have one."""
    ids = [e.id for e in experiences]
    if not ids:
        return {}
    rows = session.execute(
        sa.select(SignoffRequest).where(
            SignoffRequest.experience_id.in_(ids), SignoffRequest.state == SignoffState.SENT
        )
    ).scalars()
    return {r.experience_id: r for r in rows}


def latest_request(session: Session, experience: Experience) -> SignoffRequest | None:
    """The experience's most recent request, whatever became of it."""
    return session.execute(
        sa.select(SignoffRequest)
        .where(SignoffRequest.experience_id == experience.id)
        .order_by(SignoffRequest.id.desc())
        .limit(1)
    ).scalar_one_or_none()


# -- the student's side --------------------------------------------------------------------------


def request_signoff(
    session: Session,
    experience: Experience,
    actor: Actor,
    *,
    now: datetime | None = None,
    self_ratings: dict[str, int] | None = None,
) -> tuple[SignoffRequest, str]:
    """Ask the supervisor to sign off: the experience awaits sign-off and a link is mailed.
    `self_ratings` ({competency: 1..5}, optional) is the student's own rating, kept beside the
    supervisor's for reflection.

    Returns the request and the token (for the caller's tests; the token is never stored).
    """
    now = now or utcnow()
    config = current_app.config
    if self_ratings is not None:
        if any(not 1 <= int(v) <= 5 for v in self_ratings.values()):
            raise ValidationFailed("Rate yourself from 1 to 5.", {"self_ratings": "Rate yourself from 1 to 5."})
        experience.self_ratings = {str(k): int(v) for k, v in self_ratings.items()} or None
    move(
        session,
        experience,
        ExperienceState.AWAITING_SIGNOFF,
        transitions=EXPERIENCE_TRANSITIONS,
        actor=actor,
        action="signoff.requested",
        data={"supervisor_email": experience.supervisor_email},
    )
    first = secrets.token_urlsafe(32)
    request = SignoffRequest(
        experience=experience,
        token_hash=hash_token(first),
        supervisor_email=experience.supervisor_email,
        state=SignoffState.SENT,
        created_at=now,
        last_sent_at=now,
        expires_at=now + link_lifetime(config),
    )
    session.add(request)
    session.add(SignoffToken(request=request, token_hash=request.token_hash, purpose="request", created_at=now))
    session.flush()
    mail_supervisor(session, request, first, kind="signoff.request")
    return request, first


def _waiting_request(session: Session, experience: Experience) -> SignoffRequest:
    request = open_request(session, experience)
    if experience.state is not ExperienceState.AWAITING_SIGNOFF or request is None:
        raise Conflict("There is no sign-off request waiting for this micro-internship.")
    return request


def resend_signoff(
    session: Session, experience: Experience, actor: Actor, *, now: datetime | None = None
) -> tuple[SignoffRequest, str]:
    """Mail the supervisor a fresh link (at most once a day); the request's clock restarts."""
    now = now or utcnow()
    config = current_app.config
    request = _waiting_request(session, experience)
    wait = timedelta(hours=int(config.get("SIGNOFF_RESEND_HOURS") or 24))
    if now - request.last_sent_at < wait:
        after = request.last_sent_at + wait
        raise Conflict(
            f"The link was sent {request.last_sent_at:%d %B %Y at %H:%M} UTC; you can send it again "
            f"after {after:%d %B %Y at %H:%M} UTC."
        )
    token = new_token(session, request, "resend")
    request.last_sent_at = now
    request.expires_at = now + link_lifetime(config)
    request.reminders_sent = 0
    session.flush()
    record_event(
        session, actor, "signoff.resent", SignoffRequest.__tablename__, request.id, {"experience_id": experience.id}
    )
    mail_supervisor(session, request, token, kind="signoff.resend")
    return request, token


def withdraw_signoff(session: Session, experience: Experience, actor: Actor, *, now: datetime | None = None) -> None:
    """Withdraw the request: every link mailed for it stops working; the experience is a draft."""
    request = _waiting_request(session, experience)
    set_state(request, SignoffState.WITHDRAWN, transitions=SIGNOFF_TRANSITIONS)
    request.withdrawn_at = now or utcnow()
    session.flush()
    move(
        session,
        experience,
        ExperienceState.DRAFT,
        transitions=EXPERIENCE_TRANSITIONS,
        actor=actor,
        action="signoff.withdrawn",
        data={"request_id": request.id},
    )


def expire_signoff(session: Session, request: SignoffRequest, actor: Actor, *, now: datetime) -> None:
    """Close a request whose links ran out unused; a waiting experience is a draft again."""
    set_state(request, SignoffState.EXPIRED, transitions=SIGNOFF_TRANSITIONS)
    request.withdrawn_at = now
    session.flush()
    experience = request.experience
    if experience.state is not ExperienceState.AWAITING_SIGNOFF:
        return
    move(
        session,
        experience,
        ExperienceState.DRAFT,
        transitions=EXPERIENCE_TRANSITIONS,
        actor=actor,
        action="signoff.expired",
        data={"request_id": request.id},
    )
    mail_student(
        session,
        experience,
        "signoff_expired",
        f"The sign-off link for {experience.employer} expired",
        "signoff.expired",
    )


# -- the supervisor's side -----------------------------------------------------------------------


def find_request(session: Session, token: str, *, now: datetime | None = None) -> SignoffRequest:
    """The open, unexpired request a token belongs to; else `InvalidLink` (reason withheld)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidLink()
    row = session.execute(
        sa.select(SignoffRequest).join(SignoffToken).where(SignoffToken.token_hash == hash_token(token))
    ).scalar_one_or_none()
    now = now or utcnow()
    if (
        row is None
        or not row.is_open
        or row.expires_at <= now
        or row.experience.state is not ExperienceState.AWAITING_SIGNOFF
    ):
        raise InvalidLink()
    return row


def _use(
    session: Session, request: SignoffRequest, outcome: str, ip: str | None, agent: str | None, now: datetime
) -> None:
    """Spend the request (SENT → USED) with one conditional UPDATE, so two submissions cannot
    both succeed: the second finds it no longer SENT (on PostgreSQL it waits for the first's row
    lock, then re-reads the row) and gets `InvalidLink`."""
    check_transition(SignoffRequest, SignoffState.SENT, SignoffState.USED, SIGNOFF_TRANSITIONS)
    result = session.execute(
        sa.update(SignoffRequest)
        .where(
            SignoffRequest.id == request.id,
            SignoffRequest.state == SignoffState.SENT,
            SignoffRequest.expires_at > now,
        )
        .values(
            state=SignoffState.USED,
            used_at=now,
            outcome=outcome,
            ip_address=(ip or "")[:64] or None,
            user_agent=(agent or "")[:400] or None,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise InvalidLink()
    session.refresh(request)


def _supervisor_actor(request: SignoffRequest, name: str) -> Actor:
    return Actor("supervisor", str(request.id), f"{name.strip()[:150]} <{request.supervisor_email}> by emailed link")


def confirm_signoff(
    session: Session,
    token: str,
    data: SignoffInput,
    *,
    ip: str | None,
    user_agent: str | None,
    now: datetime | None = None,
) -> Experience:
    """The supervisor confirms: the experience is verified with their hours, ratings and feedback."""
    now = now or utcnow()
    request = find_request(session, token, now=now)
    experience = request.experience
    spec = forms_service.spec_for(session, experience)  # reads only: a losing racer writes nothing
    errors = validate_signoff(experience, data, spec)
    if errors:
        raise ValidationFailed("The sign-off has problems; see the fields.", errors)
    _use(session, request, "confirmed", ip, user_agent, now)
    form = forms_service.form_for(session, experience)  # the version answered (stored if built in)
    assert data.hours_worked is not None
    experience.verified_hours = data.hours_worked.quantize(TWO_PLACES)
    experience.verified_at = now
    ratings, answers = split_answers(spec, merged_answers(spec, data))
    experience.skill_ratings = ratings
    experience.evaluation_answers = answers
    experience.evaluation_form_id = form.id
    experience.supervisor_feedback = data.feedback.strip()
    experience.willing_reference = data.willing_reference
    experience.attested_name = data.full_name.strip()
    session.flush()
    move(
        session,
        experience,
        ExperienceState.VERIFIED,
        transitions=EXPERIENCE_TRANSITIONS,
        actor=_supervisor_actor(request, data.full_name),
        action="signoff.confirmed",
        data={
            "request_id": request.id,
            "signed_by": experience.attested_name,
            "supervisor_email": request.supervisor_email,
            "claimed_hours": format_decimal(experience.hours, places=2),
            "verified_hours": format_decimal(experience.verified_hours, places=2),
            "evaluation_form": f"{form.code} v{form.version}",
            "ip": request.ip_address,
            "user_agent": request.user_agent,
            "at": now.isoformat(),
        },
    )
    mail_student(
        session,
        experience,
        "signoff_confirmed",
        f"Your micro-internship at {experience.employer} is verified",
        "signoff.confirmed",
    )
    return experience


def dispute_signoff(
    session: Session,
    token: str,
    *,
    reason: str,
    full_name: str,
    ip: str | None,
    user_agent: str | None,
    now: datetime | None = None,
) -> Experience:
    """The supervisor disputes the claim with a reason; the student may correct it."""
    now = now or utcnow()
    request = find_request(session, token, now=now)
    experience = request.experience
    errors = dispute_errors(reason, full_name)
    if errors:
        raise ValidationFailed("The dispute has problems; see the fields.", errors)
    _use(session, request, "disputed", ip, user_agent, now)
    experience.dispute_reason = reason.strip()
    session.flush()
    move(
        session,
        experience,
        ExperienceState.DISPUTED,
        transitions=EXPERIENCE_TRANSITIONS,
        actor=_supervisor_actor(request, full_name),
        action="signoff.disputed",
        data={
            "request_id": request.id,
            "ip": request.ip_address,
            "user_agent": request.user_agent,
            "at": now.isoformat(),
        },
    )
    mail_student(
        session,
        experience,
        "signoff_disputed",
        f"Your supervisor at {experience.employer} disputed your micro-internship",
        "signoff.disputed",
    )
    return experience
