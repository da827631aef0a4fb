"""A credential's status: revoking it (and every CLR that bundles it), the signed Bitstring
Status List verifiers read, and the receivers that revoke credentials when a transcript is
revoked or an award rescinded. Plain functions: session in, flush only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from careercenter.audit.service import Actor
from careercenter.credentials import builders, proof, statuslist
from careercenter.credentials.issuance import Config, CredentialNotFound
from careercenter.credentials.issuer import issuer_id, status_list_url, verification_method_id
from careercenter.credentials.keys import issuer_keys
from careercenter.credentials.models import (
    CREDENTIAL_TRANSITIONS,
    CredentialKind,
    CredentialState,
    IssuedCredential,
    StatusList,
)
from careercenter.db import utcnow
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


def _ids(snapshot: Any, *names: str) -> list[int]:
    """Record ids listed in a transcript snapshot, under `<name>_ids` or as `<name>s: [{id}]`."""
    out: list[int] = []
    if not isinstance(snapshot, Mapping):
        return out
    for name in names:
        value = snapshot.get(name)
        for item in value or []:
            raw = item.get("id") if isinstance(item, Mapping) else item
            try:
                out.append(int(raw))
            except (TypeError, ValueError):
                continue
    return sorted(set(out))


def on_transcript_revoked(sender: Any, *, session: Session, transcript: Any, actor: Any, reason: str) -> None:
    """Receiver: a revoked transcript revokes the credentials of every record it showed."""
    snapshot = getattr(transcript, "snapshot", None) or {}
    revoke_records(
        session,
        experience_ids=_ids(snapshot, "experience_ids", "experiences"),
        award_ids=_ids(snapshot, "award_ids", "awards"),
        actor=actor,
        reason=f"transcript {getattr(transcript, 'id', '?')} revoked: {reason}",
    )


def on_award_rescinded(sender: Any, *, session: Session, award: Any, actor: Any, reason: str) -> None:
    """Receiver: a rescinded award revokes its credential."""
    revoke_records(session, experience_ids=[], award_ids=[award.id], actor=actor, reason=f"award rescinded: {reason}")


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
