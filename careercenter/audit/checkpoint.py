"""Signed checkpoints that anchor the audit chain's tail.

`verify_chain` proves that the events present follow each other, but deleting the newest rows
leaves a shorter chain that is still perfect. A checkpoint — the chain's length and head hash at
a moment, signed — shipped off the machine (syslog, object storage) lets `flask audit verify
--checkpoint FILE` prove that the chain still reaches that head, and name the gap when it does not.

The signature is HMAC-SHA256 under `CAREERCENTER_AUDIT_CHECKPOINT_KEY` (a key of its own), or,
when that is unset, a key derived from `SECRET_KEY`: someone who can only write to the database
can neither forge a checkpoint nor make a shortened chain pass an old one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from careercenter.audit.models import AuditEvent
from careercenter.audit.service import GENESIS
from careercenter.db import utcnow

FIELDS = ("count", "head", "at")


class CheckpointInvalid(Exception):
    """The checkpoint file is unreadable, or its signature does not match."""


def signing_key(config: Mapping[str, Any]) -> bytes:
    """The checkpoint key: its own setting, else derived from SECRET_KEY (never the key itself)."""
    own = config.get("AUDIT_CHECKPOINT_KEY")
    if own:
        return str(own).encode()
    return hmac.new(str(config["SECRET_KEY"]).encode(), b"careercenter audit checkpoint", hashlib.sha256).digest()


def _signature(key: bytes, body: Mapping[str, Any]) -> str:
    canonical = json.dumps({k: body[k] for k in FIELDS}, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


def make_checkpoint(session: Session, key: bytes) -> dict[str, Any]:
    """The chain's length and head now, signed: `{"count", "head", "at", "signature"}`."""
    last = session.execute(sa.select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    body: dict[str, Any] = {
        "count": int(last.seq) if last else 0,
        "head": last.hash if last else GENESIS,
        "at": utcnow().isoformat(timespec="seconds"),
    }
    body["signature"] = _signature(key, body)
    return body


def load_checkpoint(text: str, key: bytes) -> dict[str, Any]:
    """Parse and check a checkpoint; raise `CheckpointInvalid` with the reason."""
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):
        raise CheckpointInvalid("the checkpoint file is not JSON") from None
    if not isinstance(body, dict) or any(k not in body for k in (*FIELDS, "signature")):
        raise CheckpointInvalid("the checkpoint needs count, head, at and signature")
    types = (body["count"], int), (body["head"], str), (body["at"], str), (body["signature"], str)
    if not all(isinstance(value, kind) for value, kind in types):
        raise CheckpointInvalid("the checkpoint's count, head or signature has the wrong type")
    if not hmac.compare_digest(_signature(key, body), body["signature"]):
        raise CheckpointInvalid("the checkpoint's signature does not match (forged, edited, or another key)")
    return body


@dataclass(frozen=True)
class AnchorReport:
    ok: bool
    message: str


def check_anchor(session: Session, checkpoint: Mapping[str, Any]) -> AnchorReport:
    """Does the chain still reach the checkpoint's head? If not, name the gap."""
    count, head = checkpoint["count"], checkpoint["head"]
    if count == 0:
        return AnchorReport(True, "the checkpoint was taken before the first event")
    last_seq = session.execute(sa.select(sa.func.max(AuditEvent.seq))).scalar() or 0
    at_head = session.execute(sa.select(AuditEvent.hash).where(AuditEvent.seq == count)).scalar()
    if at_head is None:
        return AnchorReport(
            False,
            f"events {last_seq + 1}..{count} are missing: the chain ends at event {last_seq} "
            f"but the checkpoint of {checkpoint['at']} saw {count} (truncated tail)",
        )
    if at_head != head:
        return AnchorReport(
            False,
            f"event {count} is not the one the checkpoint of {checkpoint['at']} saw (history was rewritten up to it)",
        )
    return AnchorReport(True, f"reaches the checkpoint of {checkpoint['at']} (event {count})")
