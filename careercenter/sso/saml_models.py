"""Replay protection for SAML, kept in the database (not in a cookie, not in memory).

The IdP's HTTP-POST to the ACS is cross-site, so the browser does not send our SameSite=Lax
session cookie with it: what the SP asked for must be remembered server-side, and any app
server behind the load balancer must see it.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from careercenter.db import utcnow
from careercenter.extensions import db


class SamlOutstandingRequest(db.Model):
    """An AuthnRequest we sent and have not yet had an answer to; deleted by its answer."""

    __tablename__ = "saml_outstanding_requests"

    #: The AuthnRequest's ID; the IdP's Response carries it as InResponseTo.
    request_id: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    #: SHA-256 of the random value in the browser's SameSite=None binding cookie (https only):
    #: the answer must come back in the browser that asked, so nobody can sign a victim in
    #: with the attacker's own response (login CSRF).
    browser_hash: Mapped[str | None] = mapped_column(sa.String(64))
    #: A local path to land on after sign-in (already checked by `safe_next`).
    next_path: Mapped[str | None] = mapped_column(sa.String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class SamlConsumedAssertion(db.Model):
    """An assertion already used to sign someone in: a second use is a replay."""

    __tablename__ = "saml_consumed_assertions"

    assertion_id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    idp_entity_id: Mapped[str] = mapped_column(sa.String(1000))
    consumed_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Past this (the assertion's NotOnOrAfter plus clock drift) the row may be pruned.
    expires_at: Mapped[datetime] = mapped_column(index=True)
