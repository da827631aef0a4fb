"""Replay protection for CAS, kept in the database: a service ticket is validated once."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from careercenter.db import utcnow
from careercenter.extensions import db


class CasConsumedTicket(db.Model):
    """A CAS service ticket already validated here (the server also refuses a reuse)."""

    __tablename__ = "cas_consumed_tickets"

    #: SHA-256 of the ticket: a ticket is a bearer secret until it is used.
    ticket_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    consumed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
