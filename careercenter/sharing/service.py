"""Share links under FERPA consent (34 CFR 99.30): plain functions taking a session; they flush.

The consent is written out in full when the link is made — which records, to whom, for what
purpose, until when — and signed with the student's typed name and the date; it is kept
verbatim with the link and shown to the recipient. Every view of a live link writes a
disclosure-log entry under that consent.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from careercenter.audit.models import Disclosure
from careercenter.audit.service import Actor, record_disclosure, record_event
from careercenter.credentials.models import CredentialState, IssuedCredential
from careercenter.db import utcnow
from careercenter.errors import ValidationFailed
from careercenter.sharing.models import SHARE_TRANSITIONS, ShareLink, ShareState
from careercenter.sso.models import Person
from careercenter.statemachine import move
from careercenter.transcripts.models import Transcript, TranscriptState

CONSENT_BASIS = "34 CFR 99.30 prior written consent of the student"
PARTY_TYPE = "share_link"
DEFAULT_DAYS = 30
MAX_DAYS = 365


class ShareNotFound(LookupError):
    """No such share link of this student."""


@dataclass(frozen=True)
class ShareRequest:
    recipient: str
    purpose: str
    transcript_id: int | None
    credential_ids: list[int]
    days: int
    typed_name: str


@dataclass(frozen=True)
class NewShare:
    share: ShareLink
    #: The token of the link; shown once, only its hash is kept.
    token: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def shareable(session: Session, student: Person) -> tuple[list[Transcript], list[IssuedCredential]]:
    """The student's transcripts and credentials in force: what a share link may show."""
    transcripts = list(
        session.execute(
            sa.select(Transcript)
            .where(Transcript.student_id == student.id, Transcript.state == TranscriptState.ISSUED)
            .order_by(Transcript.issued_at.desc())
        ).scalars()
    )
    credentials = list(
        session.execute(
            sa.select(IssuedCredential)
            .where(IssuedCredential.student_id == student.id, IssuedCredential.state == CredentialState.ISSUED)
            .order_by(IssuedCredential.issued_at, IssuedCredential.id)
        ).scalars()
    )
    return transcripts, credentials


def _same_name(typed: str, name: str) -> bool:
    return " ".join(typed.split()).casefold() == " ".join(name.split()).casefold()


def consent_statement(
    student: Person, recipient: str, purpose: str, labels: list[str], expires_at: datetime, signed_at: datetime
) -> str:
    """The consent the student signs, in words (what 34 CFR 99.30(b) asks it to state)."""
    listed = "; ".join(labels)
    return (
        f"I, {student.display_name}, consent to the disclosure of these education records: {listed}, "
        f"to {recipient}, for this purpose: {purpose}. The link stays open until {expires_at:%Y-%m-%d %H:%M} UTC "
        f"unless I revoke it earlier. Signed {signed_at:%Y-%m-%d} by typing my name."
    )


def _validate(session: Session, student: Person, req: ShareRequest) -> tuple[Transcript | None, list[IssuedCredential]]:
    errors: dict[str, str] = {}
    if not req.recipient.strip() or len(req.recipient) > 200:
        errors["recipient"] = "Name the recipient (a person or an organisation), in at most 200 characters."
    if not req.purpose.strip() or len(req.purpose) > 500:
        errors["purpose"] = "Say what the records are for, in at most 500 characters."
    if not 1 <= req.days <= MAX_DAYS:
        errors["days"] = f"Choose from 1 to {MAX_DAYS} days."
    transcripts, credentials = shareable(session, student)
    transcript = next((t for t in transcripts if t.id == req.transcript_id), None)
    if req.transcript_id is not None and transcript is None:
        errors["transcript"] = "Choose one of your transcripts in force."
    chosen = [c for c in credentials if c.id in set(req.credential_ids)]
    if len(chosen) != len(set(req.credential_ids)):
        errors["credentials"] = "Choose among your credentials in force."
    if transcript is None and not chosen and "transcript" not in errors and "credentials" not in errors:
        errors["credentials"] = "Choose at least one record to share: a transcript or a credential."
    if not _same_name(req.typed_name, student.display_name):
        errors["typed_name"] = f"Type your name exactly as {student.display_name!r} to sign the consent."
    if errors:
        raise ValidationFailed("Please correct the marked fields.", errors)
    return transcript, chosen


def record_labels(transcript: Transcript | None, credentials: list[IssuedCredential]) -> list[str]:
    labels = [f"transcript {transcript.display_code}"] if transcript is not None else []
    labels += [f"credential “{c.document.get('name')}”" for c in credentials]
    return labels


def create_share(session: Session, student: Person, req: ShareRequest, *, now: datetime | None = None) -> NewShare:
    """Make a share link under the student's signed consent; return it with its token (shown once)."""
    now = now or utcnow()
    transcript, chosen = _validate(session, student, req)
    expires_at = now + timedelta(days=req.days)
    recipient, purpose = req.recipient.strip(), req.purpose.strip()
    token = secrets.token_urlsafe(32)
    share = ShareLink(
        student_id=student.id,
        token_hash=token_hash(token),
        recipient=recipient,
        purpose=purpose,
        transcript_id=transcript.id if transcript else None,
        credential_ids=[c.id for c in chosen],
        consent_text=consent_statement(student, recipient, purpose, record_labels(transcript, chosen), expires_at, now),
        consent_name=" ".join(req.typed_name.split()),
        consented_at=now,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(share)
    session.flush()
    record_event(
        session,
        Actor.person(student),
        "share_link.created",
        ShareLink.__tablename__,
        share.id,
        {"recipient": recipient, "records": len(chosen) + (1 if transcript else 0), "days": req.days},
    )
    return NewShare(share, token)


def student_shares(session: Session, student: Person) -> list[ShareLink]:
    return list(
        session.execute(
            sa.select(ShareLink).where(ShareLink.student_id == student.id).order_by(ShareLink.created_at.desc())
        ).scalars()
    )


def views_of(session: Session, shares: list[ShareLink]) -> dict[int, list[Disclosure]]:
    """The disclosure-log entries of each share link's views, newest first."""
    ids = [str(s.id) for s in shares]
    out: dict[int, list[Disclosure]] = {s.id: [] for s in shares}
    if not ids:
        return out
    rows = session.execute(
        sa.select(Disclosure)
        .where(Disclosure.party_type == PARTY_TYPE, Disclosure.party_id.in_(ids))
        .order_by(Disclosure.at.desc())
    ).scalars()
    for row in rows:
        out[int(row.party_id)].append(row)
    return out


def revoke_share(session: Session, student: Person, share_id: int) -> ShareLink:
    share = session.get(ShareLink, share_id)
    if share is None or share.student_id != student.id:
        raise ShareNotFound(share_id)
    if share.state is ShareState.ACTIVE:
        move(
            session,
            share,
            ShareState.REVOKED,
            transitions=SHARE_TRANSITIONS,
            actor=Actor.person(student),
            action="share_link.revoked",
        )
        share.revoked_at = utcnow()
        session.flush()
    return share


def find(session: Session, token: str) -> ShareLink | None:
    if not token or len(token) > 100:
        return None
    return session.execute(sa.select(ShareLink).where(ShareLink.token_hash == token_hash(token))).scalar_one_or_none()


@dataclass
class SharedRecords:
    share: ShareLink
    transcript: Transcript | None
    credentials: list[IssuedCredential]


def open_share(session: Session, share: ShareLink, *, viewer: str) -> SharedRecords:
    """What a live link shows, as of now (live statuses), disclosure-logged under its consent.

    :param viewer: how the viewer is described in the log (e.g. their network address).
    """
    transcript = session.get(Transcript, share.transcript_id) if share.transcript_id else None
    credentials = list(
        session.execute(
            sa.select(IssuedCredential)
            .where(IssuedCredential.id.in_([int(i) for i in share.credential_ids]))
            .order_by(IssuedCredential.issued_at, IssuedCredential.id)
        ).scalars()
    )
    record_disclosure(
        session,
        student_id=share.student_id,
        party_type=PARTY_TYPE,
        party_id=share.id,
        party_label=f"{share.recipient} (share link, viewed from {viewer})",
        records="; ".join(record_labels(transcript, credentials)),
        interest=share.purpose,
        basis=CONSENT_BASIS,
    )
    return SharedRecords(share, transcript, credentials)
