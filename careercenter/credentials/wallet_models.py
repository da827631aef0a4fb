"""One-time VC API exchanges that bind a credential to a wallet's DID (`/exchanges/<id>`)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from careercenter.credentials.models import IssuedCredential
from careercenter.db import enum_column, utcnow
from careercenter.extensions import db


class ExchangeState(enum.StrEnum):
    PENDING = "pending"  # made by the student; no wallet has asked yet
    CHALLENGED = "challenged"  # a wallet asked; the DID-Auth request (challenge, domain) was given
    COMPLETED = "completed"  # a verified presentation came back; the credential was issued


EXCHANGE_TRANSITIONS: dict[ExchangeState, frozenset[ExchangeState]] = {
    ExchangeState.PENDING: frozenset({ExchangeState.CHALLENGED}),
    ExchangeState.CHALLENGED: frozenset({ExchangeState.COMPLETED}),
    ExchangeState.COMPLETED: frozenset(),
}


class WalletExchange(db.Model):
    __tablename__ = "wallet_exchanges"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The `<id>` of `/exchanges/<id>`: random, so that nobody can guess another's exchange.
    exchange_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    #: The record's credential (or the CLR) whose content the wallet receives.
    credential_pk: Mapped[int] = mapped_column(sa.ForeignKey("issued_credentials.id", ondelete="CASCADE"))
    state: Mapped[ExchangeState] = mapped_column(
        enum_column(ExchangeState, "wallet_exchange_state"), default=ExchangeState.PENDING
    )
    challenge: Mapped[str] = mapped_column(sa.String(64))
    domain: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    #: The wallet's DID (`did:key:…`), the issued credential's `credentialSubject.id`.
    holder_did: Mapped[str | None] = mapped_column(sa.String(200))
    #: The credential as issued to the wallet (same status entry as the record's credential).
    issued_document: Mapped[dict[str, Any] | None]

    credential: Mapped[IssuedCredential] = relationship()
