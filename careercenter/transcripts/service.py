"""Issue, find, verify and revoke transcripts. Plain functions: a session and values, `flush()` only."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session, defer

from careercenter.amendments import service as amendments
from careercenter.audit.service import Actor, record_event
from careercenter.credits.models import AwardStatus, CreditAward
from careercenter.db import utcnow
from careercenter.errors import Conflict, ValidationFailed
from careercenter.formatting import format_decimal
from careercenter.internships.models import Experience, ExperienceState
from careercenter.notify.service import queue_message
from careercenter.signals import transcript_revoked
from careercenter.sso.models import Person, Role
from careercenter.statemachine import move
from careercenter.transcripts import render, signing
from careercenter.transcripts.models import (
    TRANSCRIPT_TRANSITIONS,
    Transcript,
    TranscriptState,
    format_code,
    transcript_awards,
)

#: Awards a transcript shows: waiting for the registrar, or posted. Rejected and rescinded ones are not credit.
SHOWN_AWARD_STATUSES = (AwardStatus.PENDING, AwardStatus.POSTED)
STATUS_LABELS = {AwardStatus.PENDING.value: "Awaiting posting", AwardStatus.POSTED.value: "Posted"}
CODE_BYTES = 20  # 160 random bits → 32 base32 characters
MAX_REASON = 1000
MIN_REASON = 5
_CODE_CLEAN = re.compile(r"[\s\-]+")
_CODE_VALID = re.compile(r"^[A-Z2-7]{32}$")


@dataclass(frozen=True)
class IssueSettings:
    """What issuing needs from the configuration, resolved by the caller (view, CLI, demo)."""

    institution: str
    public_url: str
    signer: signing.LoadedSigner
    logo: str | None = None
    page_size: str = "letter"
    registrar_name: str = "Office of the Registrar"
    registrar_title: str = "University Registrar"
    font: str | None = None
    font_bold: str | None = None


def settings_from_app(app: Flask) -> IssueSettings:
    """Read the transcript settings of `app`; loads the signing key on first use only."""
    config = app.config
    return IssueSettings(
        institution=config["INSTITUTION_NAME"],
        public_url=config["PUBLIC_URL"],
        signer=signing.get_signer(app),
        logo=config.get("TRANSCRIPT_LOGO") or config.get("LOGO") or None,
        registrar_name=config.get("REGISTRAR_NAME") or "Office of the Registrar",
        registrar_title=config.get("REGISTRAR_TITLE") or "University Registrar",
        page_size=config.get("TRANSCRIPT_PAGE_SIZE") or "letter",
        font=config.get("TRANSCRIPT_FONT") or None,
        font_bold=config.get("TRANSCRIPT_FONT_BOLD") or None,
    )


def new_code() -> str:
    """A fresh verification code: random, not derived from anything."""
    return base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii")


def normalise_code(raw: str) -> str | None:
    """Accept a code as printed (groups, dashes, spaces, any case); None if it cannot be one."""
    code = _CODE_CLEAN.sub("", raw or "").upper()
    return code if _CODE_VALID.match(code) else None


def verify_url(public_url: str, code: str) -> str:
    return f"{public_url.rstrip('/')}/verify/{code}"


def number(value: Decimal | None) -> str:
    """Hours and credits as people write them: 20, 22.5, 1.25."""
    if value is None:
        return "0"
    return format_decimal(format_decimal(value, places=2))  # to the cent, then without trailing zeros


def verified_experiences(session: Session, student_id: int) -> list[Experience]:
    query = (
        sa.select(Experience)
        .where(Experience.student_id == student_id, Experience.state == ExperienceState.VERIFIED)
        .order_by(Experience.start_date, Experience.id)
    )
    return list(session.execute(query).scalars())


def shown_awards(session: Session, student_id: int) -> list[CreditAward]:
    query = (
        sa.select(CreditAward)
        .where(CreditAward.student_id == student_id, CreditAward.status.in_(SHOWN_AWARD_STATUSES))
        .order_by(CreditAward.term, CreditAward.id)
    )
    return list(session.execute(query).scalars())


def build_snapshot(
    student: Person,
    experiences: list[Experience],
    awards: list[CreditAward],
    *,
    institution: str,
    code: str,
    url: str,
    issued_at: Any,
    statements: dict[int, list[dict[str, str]]] | None = None,
    amended: dict[int, str] | None = None,
    registrar: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Everything the transcript states, as JSON-ready values (numbers as exact strings).
    `statements`: statements of disagreement per experience; `amended`: when each was amended."""
    statements = statements or {}
    amended = amended or {}
    exp_rows = []
    for exp in experiences:
        ratings = exp.skill_ratings or {}
        skill_names = list(dict.fromkeys([*(exp.skills or []), *ratings.keys()]))
        exp_rows.append(
            {
                "id": exp.id,
                "employer": exp.employer,
                "title": exp.title,
                "start_date": exp.start_date.isoformat(),
                "end_date": exp.end_date.isoformat(),
                "hours": number(exp.verified_hours or exp.hours),
                "skills": [{"skill": s, "rating": ratings.get(s)} for s in skill_names],
                "supervisor_name": exp.supervisor_name,
                "supervisor_title": exp.supervisor_title or "",
                "signed_off_on": exp.verified_at.date().isoformat() if exp.verified_at else None,
                "amended_on": amended.get(exp.id),
                "statements": statements.get(exp.id, []),
            }
        )
    award_rows = []
    for award in awards:
        award_rows.append(
            {
                "id": award.id,
                "course": award.rule.course_label,
                "course_title": award.rule.course_title,
                "credits": number(award.credits),
                "term": award.term,
                "grading_basis": award.grading_basis,
                "status": award.status.value,
                "status_label": STATUS_LABELS.get(award.status.value, award.status.value),
            }
        )
    hours = sum((exp.verified_hours or exp.hours for exp in experiences), Decimal(0))
    credits = sum((a.credits for a in awards), Decimal(0))
    posted = sum((a.credits for a in awards if a.status is AwardStatus.POSTED), Decimal(0))
    return {
        "version": 2,
        "institution": institution,
        "registrar": registrar or {},
        "student": {"name": student.display_name, "campus_id": student.campus_id, "program": student.program},
        "issued_at": issued_at.isoformat(),
        "issued_on": issued_at.date().isoformat(),
        "verification_code": code,
        "verify_url": url,
        "experiences": exp_rows,
        "awards": award_rows,
        "totals": {
            "experiences": len(exp_rows),
            "hours": number(hours),
            "credits": number(credits),
            "credits_posted": number(posted),
        },
    }


def issue_transcript(
    session: Session, student: Person, settings: IssueSettings, *, actor: Actor, issued_by: Person | None = None
) -> Transcript:
    """Render, sign and record a transcript of `student`'s verified work and credit."""
    if not student.has_role(Role.STUDENT):
        raise ValidationFailed("Transcripts are made for students only.")
    experiences = verified_experiences(session, student.id)
    if not experiences:
        raise Conflict(
            f"{student.display_name} has no verified micro-internship yet: there is nothing to put on a transcript."
        )
    awards = shown_awards(session, student.id)
    code = new_code()
    issued_at = utcnow()
    snapshot = build_snapshot(
        student,
        experiences,
        awards,
        institution=settings.institution,
        code=code,
        url=verify_url(settings.public_url, code),
        issued_at=issued_at,
        statements=amendments.statements(session, [e.id for e in experiences]),
        amended=amendments.amended_on(session, [e.id for e in experiences]),
        registrar={"name": settings.registrar_name, "title": settings.registrar_title},
    )
    unsigned = render.render_pdf(
        snapshot, logo=settings.logo, page_size=settings.page_size, font=settings.font, font_bold=settings.font_bold
    )
    pdf = signing.sign_pdf(
        settings.signer,
        unsigned,
        reason=f"Transcript issued by {settings.institution}",
        location=settings.public_url,
    )
    transcript = Transcript(
        student_id=student.id,
        verification_code=code,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        pdf=pdf,
        snapshot=snapshot,
        state=TranscriptState.ISSUED,
        issued_at=issued_at,
        issued_by_id=issued_by.id if issued_by else None,
    )
    session.add(transcript)
    session.flush()
    if awards:
        session.execute(
            transcript_awards.insert(), [{"transcript_id": transcript.id, "award_id": a.id} for a in awards]
        )
    record_event(
        session,
        actor,
        "transcript.issued",
        Transcript.__tablename__,
        transcript.id,
        {
            "student_id": student.id,
            "experiences": [e.id for e in experiences],
            "awards": [a.id for a in awards],
            "pdf_sha256": transcript.pdf_sha256,
        },
    )
    session.flush()
    return transcript


def revoke_transcript(
    session: Session, transcript: Transcript, *, reason: str, actor: Actor, revoked_by: Person | None = None
) -> Transcript:
    """Revoke a transcript (lost, issued in error): it verifies as revoked from now on, with the
    date and reason. This document only: the records it showed, and their credentials, stay."""
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise ValidationFailed(
            "Give the reason for revoking (at least 5 characters): it is shown on the verification page.",
            {"reason": "Give the reason for revoking (at least 5 characters)."},
        )
    if len(reason) > MAX_REASON:
        raise ValidationFailed(
            f"The reason is too long (at most {MAX_REASON} characters).",
            {"reason": f"At most {MAX_REASON} characters."},
        )
    if transcript.is_revoked:
        assert transcript.revoked_at is not None
        raise Conflict(f"This transcript was already revoked on {transcript.revoked_at.date().isoformat()}.")
    # Set together with the state (move flushes once): the CHECK constraint wants all or none.
    transcript.revoked_at = utcnow()
    transcript.revocation_reason = reason
    transcript.revoked_by_id = revoked_by.id if revoked_by else None
    move(
        session,
        transcript,
        TranscriptState.REVOKED,
        transitions=TRANSCRIPT_TRANSITIONS,
        actor=actor,
        action="transcript.revoked",
        data={"reason": reason},
    )
    student = transcript.student
    queue_message(
        session,
        to=student.email,
        subject=f"Your transcript {format_code(transcript.verification_code)} was revoked",
        text=(
            f"Dear {student.display_name},\n\n"
            f"the transcript issued to you on {transcript.snapshot['issued_on']} "
            f"(verification code {format_code(transcript.verification_code)}) was revoked on "
            f"{transcript.revoked_at.date().isoformat()}.\n\nReason: {reason}\n\n"
            "Anyone who checks it will now see that it was revoked. You can request a new transcript "
            "from your records page.\n"
        ),
        kind="transcript.revoked",
    )
    transcript_revoked.send(None, session=session, transcript=transcript, actor=actor, reason=reason)
    session.flush()
    return transcript


def revoke_for_rescinded_award(session: Session, award: CreditAward, *, actor: Actor, reason: str | None) -> int:
    """Revoke every issued transcript that showed `award`; return how many."""
    query = (
        sa.select(Transcript)
        .join(transcript_awards, transcript_awards.c.transcript_id == Transcript.id)
        .where(
            transcript_awards.c.award_id == award.id,
            Transcript.state.in_((TranscriptState.ISSUED, TranscriptState.SUPERSEDED)),
        )
        .order_by(Transcript.id)
    )
    label = f"{award.rule.course_label} ({award.term})" if award.rule else f"#{award.id}"
    text = f"The credit award {label} shown on this transcript was rescinded"
    text += f": {reason.strip()}" if reason and reason.strip() else "."
    count = 0
    for transcript in session.execute(query).scalars().all():
        revoke_transcript(session, transcript, reason=text[:MAX_REASON], actor=actor)
        count += 1
    return count


# ---- lookups -------------------------------------------------------------------------------


def transcripts_of(session: Session, student_id: int) -> list[Transcript]:
    """The student's transcripts, newest first, for lists (their snapshots are not read)."""
    query = (
        sa.select(Transcript)
        .options(defer(Transcript.snapshot, raiseload=True))
        .where(Transcript.student_id == student_id)
        .order_by(Transcript.issued_at.desc())
    )
    return list(session.execute(query).scalars())


def transcript_summary(session: Session, student_id: int) -> tuple[int, datetime | None]:
    """How many transcripts the student has and when the newest was issued (one aggregate: the
    home panel must not load every transcript a student ever asked for)."""
    count, newest = session.execute(
        sa.select(sa.func.count(Transcript.id), sa.func.max(Transcript.issued_at)).where(
            Transcript.student_id == student_id
        )
    ).one()
    return int(count), newest


def recent_transcripts(session: Session, *, campus_id: str | None = None, limit: int = 100) -> list[Transcript]:
    query = sa.select(Transcript).join(Person, Person.id == Transcript.student_id)
    if campus_id:
        query = query.where(Person.campus_id == campus_id)
    return list(session.execute(query.order_by(Transcript.issued_at.desc()).limit(limit)).scalars())


def find_by_code(session: Session, raw_code: str) -> Transcript | None:
    code = normalise_code(raw_code)
    if code is None:
        return None
    return session.execute(sa.select(Transcript).where(Transcript.verification_code == code)).scalar_one_or_none()


def find_by_pdf(session: Session, data: bytes) -> Transcript | None:
    """The transcript whose signed PDF is exactly `data`, if any."""
    digest = hashlib.sha256(data).hexdigest()
    return session.execute(sa.select(Transcript).where(Transcript.pdf_sha256 == digest)).scalar_one_or_none()
