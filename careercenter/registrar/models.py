"""API clients (registrar systems) and the bearer tokens they are issued.

Neither the client secret nor the access token is stored: only their SHA-256. Both are 256-bit
random values, so a fast hash is enough (there is nothing to brute-force), and the token
endpoint and every API call stay cheap.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from careercenter.db import utcnow
from careercenter.extensions import db

#: Every scope the API knows.
SCOPES = ("credits:read", "credits:write", "webhooks:manage")


def sha256_hex(value: str) -> str:
    """The hex SHA-256 of `value`: how secrets and tokens are kept."""
    return hashlib.sha256(value.encode()).hexdigest()


class ApiClient(db.Model):
    """A registrar system allowed to use the API (OAuth2 client credentials)."""

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What people call it ("Banner nightly sync"); `flask api-clients revoke NAME` uses it.
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    client_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: SHA-256 of the client secret, which is shown once when the client is made.
    secret_hash: Mapped[str] = mapped_column(sa.String(64))
    #: Space-separated scopes the client may ask for.
    scopes: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set by `flask api-clients revoke`: no new tokens, and every issued token stops working.
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    # -- authlib's ClientMixin ------------------------------------------------------------

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """No scope asked: every scope of the client. Asked for one it lacks: refused (None)."""
        if not scope:
            return self.scopes
        asked = scope.split()
        if not set(asked) <= set(self.scope_list):
            return None
        return " ".join(s for s in SCOPES if s in asked)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(sha256_hex(client_secret), self.secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"


class ApiToken(db.Model):
    """An issued bearer token; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_pk: Mapped[int] = mapped_column(sa.ForeignKey("api_clients.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    scope: Mapped[str] = mapped_column(sa.String(200))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    revoked_at: Mapped[datetime | None]

    client: Mapped[ApiClient] = relationship(lazy="joined")

    # -- authlib's TokenMixin -------------------------------------------------------------

    def check_client(self, client: ApiClient) -> bool:
        return self.client_pk == client.id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return int((self.expires_at - self.issued_at).total_seconds())

    def is_expired(self) -> bool:
        return self.expires_at <= utcnow()

    def is_revoked(self) -> bool:
        """A token dies with its client: revoking the client stops every token at once."""
        return self.revoked_at is not None or self.client.revoked_at is not None

    def get_user(self) -> None:
        return None

    def get_client(self) -> ApiClient:
        return self.client


class AwardDocument(db.Model):
    """An award as the registrar API sends it, kept ready on PostgreSQL (`registrar.documents`).

    Triggers clear `doc` and `csv` when anything the award's document reads changes, and set
    `stale_in` to the writing transaction's id; that transaction builds them again before it
    commits. SQLite has the table and never fills it.
    """

    __tablename__ = "award_documents"
    __table_args__ = (
        sa.Index("ix_award_documents_stale_in", "stale_in", postgresql_where=sa.text("stale_in IS NOT NULL")),
    )

    award_id: Mapped[int] = mapped_column(sa.ForeignKey("credit_awards.id", ondelete="CASCADE"), primary_key=True)
    #: The award's JSON object, as `schemas.Award` through `jsonify` writes it (before ASCII escaping).
    doc: Mapped[str | None] = mapped_column(sa.Text)
    #: Its CSV line, as `csv_export` writes it (no line end).
    csv: Mapped[str | None] = mapped_column(sa.Text)
    #: Which build built them (`feed_sql.DOCUMENT_FORMAT`): a page ignores another format's.
    format: Mapped[str | None] = mapped_column(sa.String(16))
    #: The transaction (txid) that cleared the document and has still to build it.
    stale_in: Mapped[int | None] = mapped_column(sa.BigInteger)
