"""What the public verification answers for a code: the transcript's status and, per record it
showed, the status of that record's credential. Plain functions."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from careercenter.credentials.status import record_status
from careercenter.transcripts.models import Transcript


def verification_status(transcript: Transcript | None) -> str:
    """unknown | authentic | superseded (authentic as issued, replaced by a newer one) | revoked."""
    if transcript is None:
        return "unknown"
    if transcript.is_revoked:
        return "revoked"
    return "superseded" if transcript.is_superseded else "authentic"


def credential_statuses(session: Session, transcript: Transcript | None) -> list[dict[str, str]]:
    """The status of the verifiable credentials issued for the records this transcript showed.

    One status per record stands behind every rendering of it (each transcript, its credential,
    the CLR): it changes only when the record is withdrawn (an award rescinded, a sign-off annulled
    by an amendment), and then every transcript that showed it is revoked too. Revoking a
    transcript changes that document only.
    """
    if transcript is None:
        return []
    snap = transcript.snapshot
    experiences = {e["id"]: e for e in snap.get("experiences", [])}
    awards = {a["id"]: a for a in snap.get("awards", [])}
    found = record_status(session, experience_ids=list(experiences), award_ids=list(awards))
    out = []
    for key, state in sorted(found.items()):
        kind, _, raw_id = key.partition(":")
        record = experiences.get(int(raw_id)) if kind == "experience" else awards.get(int(raw_id))
        if record is None:
            continue
        label = (
            f"{record.get('employer', '')}: {record.get('title', '')}"
            if kind == "experience"
            else f"{record.get('course', '')} ({record.get('term', '')})"
        )
        out.append({"record": kind, "label": label, "status": state})
    return out


def verification_document(
    transcript: Transcript | None, code: str, credentials: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """The public answer for a code: status, and what the transcript stated, nothing more."""
    status = verification_status(transcript)
    if transcript is None:
        return {"status": status, "code": code}
    return {
        "credentials": credentials or [],
        "status": status,
        "code": transcript.verification_code,
        "issued_at": transcript.issued_at.isoformat(),
        "superseded_at": transcript.superseded_at.isoformat() if transcript.superseded_at else None,
        "revoked_at": transcript.revoked_at.isoformat() if transcript.revoked_at else None,
        "revocation_reason": transcript.revocation_reason,
        "pdf_sha256": transcript.pdf_sha256,
        "transcript": transcript.snapshot,
    }
