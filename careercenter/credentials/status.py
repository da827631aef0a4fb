"""A credential's status: revoking it (and every CLR that bundles it), the signed Bitstring
Status List verifiers read, and the receiver that revokes an award's credential when the award
is rescinded. One status per record, not per document: revoking a transcript (a document) changes
no credential; a record's credential is revoked only when the record itself is withdrawn (an award
rescinded, a sign-off annulled by an amendment). Plain functions: session in, flush only.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from careercenter.audit.service import Actor, record_event
from careercenter.credentials import builders, proof, statuslist
from careercenter.credentials.issuance import Config, CredentialNotFound
from careercenter.credentials.issuer import issuer_id, status_list_url, verification_method_id
from careercenter.credentials.keys import issuer_keys
from careercenter.credentials.models import (
    CREDENTIAL_TRANSITIONS,
    REINSTATEMENT_TRANSITIONS,
    CredentialKind,
    CredentialState,
    IssuedCredential,
    StatusList,
)
from careercenter.credits.models import AwardStatus, CreditAward
from careercenter.db import utcnow
from careercenter.internships.models import Experience, ExperienceState
from careercenter.statemachine import move


def _as_actor(actor: Any) -> Actor:
    if isinstance(actor, Actor):
        return actor
    if actor is not None and hasattr(actor, "display_name"):
        return Actor.person(actor)
    return Actor.system(str(actor) if actor else "system")


def revoke(session: Session, credential: IssuedCredential, *, actor: Any, reason: str) -> list[IssuedCredential]:
    """Revoke `credential` and every CLR that bundles it; return what changed."""
    changed: list[IssuedCredential] = []
    who = _as_actor(actor)
    if credential.state is CredentialState.ISSUED:
        move(
            session,
            credential,
            CredentialState.REVOKED,
            transitions=CREDENTIAL_TRANSITIONS,
            actor=who,
            action="credential.revoked",
            data={"credential_id": credential.credential_id, "reason": reason},
        )
        credential.revoked_at = utcnow()
        credential.revoked_reason = reason
        changed.append(credential)
    if credential.kind is not CredentialKind.CLR:
        clrs = session.execute(
            sa.select(IssuedCredential).where(
                IssuedCredential.student_id == credential.student_id,
                IssuedCredential.kind == CredentialKind.CLR,
                IssuedCredential.state == CredentialState.ISSUED,
            )
        ).scalars()
        for clr in clrs:
            if credential.credential_id in clr.included:
                changed += revoke(session, clr, actor=who, reason=f"bundles revoked {credential.credential_id}")
    session.flush()
    return changed


def revoke_records(
    session: Session, *, experience_ids: list[int], award_ids: list[int], actor: Any, reason: str
) -> list[IssuedCredential]:
    """Revoke the credentials issued for these records (those never issued need nothing)."""
    rows: list[IssuedCredential] = []
    if experience_ids:
        rows += session.execute(
            sa.select(IssuedCredential).where(IssuedCredential.experience_id.in_(experience_ids))
        ).scalars()
    if award_ids:
        rows += session.execute(sa.select(IssuedCredential).where(IssuedCredential.award_id.in_(award_ids))).scalars()
    changed: list[IssuedCredential] = []
    for row in rows:
        changed += revoke(session, row, actor=actor, reason=reason)
    return changed


#: The reason a credential of a record's earlier version carries; a new version gets a new one.
AMENDED = "amended"


def on_amendment_granted(sender: Any, *, session: Session, request: Any, actor: Any) -> None:
    """Receiver: a record corrected as a new version revokes its old version's credential."""
    revoke_records(
        session,
        experience_ids=[request.experience_id],
        award_ids=[],
        actor=actor,
        reason=f"{AMENDED}: amendment {request.id} corrected the record",
    )


def on_award_rescinded(sender: Any, *, session: Session, award: Any, actor: Any, reason: str) -> None:
    """Receiver: a rescinded award revokes its credential."""
    revoke_records(session, experience_ids=[], award_ids=[award.id], actor=actor, reason=f"award rescinded: {reason}")


#: How the old design worded a revocation caused by a transcript, and by a CLR's bundled credential.
_BY_TRANSCRIPT = "transcript % revoked:%"
_BY_BUNDLE = "bundles revoked %"


def _record_withdrawn(session: Session, credential: IssuedCredential) -> bool:
    """Whether the credential's record itself is withdrawn (no longer verified / posted)."""
    if credential.experience_id is not None:
        experience = session.get(Experience, credential.experience_id)
        return experience is None or experience.state is not ExperienceState.VERIFIED
    if credential.award_id is not None:
        award = session.get(CreditAward, credential.award_id)
        return award is None or award.status is not AwardStatus.POSTED
    return False


def _reinstate(session: Session, credential: IssuedCredential, actor: Actor) -> None:
    move(
        session,
        credential,
        CredentialState.ISSUED,
        transitions=REINSTATEMENT_TRANSITIONS,
        actor=actor,
        action="credential.reinstated",
        recorder=record_event,  # also when a migration runs it, whatever is wired
        data={
            "credential_id": credential.credential_id,
            "was_revoked_because": credential.revoked_reason,
            "why": "revoking a transcript changes that document only (issue 18)",
        },
    )
    credential.revoked_at = None
    credential.revoked_reason = None


def reinstate_transcript_only_revocations(session: Session) -> list[IssuedCredential]:
    """Reinstate the credentials revoked only because a transcript was (their status-list bit
    flips back: the list is read from the state), one audit event each; then the CLRs revoked
    only because they bundled one of them, when everything they bundle is in force again."""
    actor = Actor.system("migration 7c18a2d4e5f6")
    changed: list[IssuedCredential] = []
    rows = session.execute(
        sa.select(IssuedCredential)
        .where(IssuedCredential.state == CredentialState.REVOKED, IssuedCredential.revoked_reason.like(_BY_TRANSCRIPT))
        .order_by(IssuedCredential.id)
    ).scalars()
    for row in list(rows):
        if not _record_withdrawn(session, row):
            _reinstate(session, row, actor)
            changed.append(row)
    clrs = session.execute(
        sa.select(IssuedCredential)
        .where(
            IssuedCredential.kind == CredentialKind.CLR,
            IssuedCredential.state == CredentialState.REVOKED,
            IssuedCredential.revoked_reason.like(_BY_BUNDLE),
        )
        .order_by(IssuedCredential.id)
    ).scalars()
    for clr in list(clrs):
        states = set(
            session.execute(
                sa.select(IssuedCredential.state).where(IssuedCredential.credential_id.in_(clr.included or []))
            ).scalars()
        )
        if states <= {CredentialState.ISSUED}:
            _reinstate(session, clr, actor)
            changed.append(clr)
    session.flush()
    return changed


def record_status(session: Session, *, experience_ids: list[int], award_ids: list[int]) -> dict[str, str]:
    """For the transcript verification page: `{"experience:<id>" | "award:<id>": "issued" |
    "revoked"}` for every record that has a credential — the same status the credentials show."""
    out: dict[str, str] = {}
    rows = session.execute(
        sa.select(IssuedCredential).where(
            sa.or_(IssuedCredential.experience_id.in_(experience_ids), IssuedCredential.award_id.in_(award_ids))
        )
    ).scalars()
    for row in rows:
        key = f"experience:{row.experience_id}" if row.experience_id else f"award:{row.award_id}"
        out[key] = row.state.value
    return out


# ---- the status list credential ------------------------------------------------------------


def status_list_credential(session: Session, list_id: int, config: Config) -> dict[str, Any]:
    """The signed BitstringStatusListCredential of list `list_id`, as of now."""
    status_list = session.get(StatusList, list_id)
    if status_list is None:
        raise CredentialNotFound(f"no status list {list_id}")
    revoked = session.execute(
        sa.select(IssuedCredential.status_index).where(
            IssuedCredential.status_list_id == list_id, IssuedCredential.state == CredentialState.REVOKED
        )
    ).scalars()
    keys = issuer_keys(config)
    now = builders.xsd_datetime(utcnow())
    document = statuslist.status_list_document(
        list_url=status_list_url(config, list_id),
        issuer_id=issuer_id(config),
        valid_from=now,
        encoded_list=statuslist.encode_bits(status_list.size, revoked),
    )
    return proof.sign(
        document, keys.ed25519, verification_method=verification_method_id(config, keys.multikey), created=now
    )
