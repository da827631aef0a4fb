"""Registrar API rules: API clients and tokens, award records as the API shows them, posting.

Plain functions taking a session and values; they `flush()`, the view or CLI commits.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from careercenter.amendments import service as amendments
from careercenter.audit.service import Actor, record_award_disclosure
from careercenter.credits.approval_models import ApprovalDecision
from careercenter.credits.models import AWARD_TRANSITIONS, AwardStatus, CreditAward, CreditRequest
from careercenter.db import utcnow
from careercenter.errors import Conflict, ValidationFailed
from careercenter.registrar.models import SCOPES, ApiClient, ApiToken, sha256_hex
from careercenter.registrar.schemas import MAX_NOTE, MAX_SIS_REFERENCE, Award
from careercenter.statemachine import move
from careercenter.validation import free_text_problem, is_blank, single_line_problem

#: Why the registrar system reads a student's awards (the disclosure log's "interest").
API_INTEREST = "Posting approved course credit to the student's academic record"
MAX_NAME_LENGTH = 100


class NotFound(Exception):
    """The API's 404: the message says what was not found."""


# -- clients and tokens -----------------------------------------------------------------


@dataclass(frozen=True)
class NewClient:
    client: ApiClient
    #: Shown once; only its hash is stored.
    secret: str


def create_client(session: Session, name: str, scopes: str) -> NewClient:
    """Make an API client; return it with its secret (which is not kept)."""
    name = name.strip()
    wanted = scopes.split()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise ValidationFailed(f"The name must be 1 to {MAX_NAME_LENGTH} characters.", {"name": "bad length"})
    unknown = [s for s in wanted if s not in SCOPES]
    if unknown or not wanted:
        problem = f"Unknown scope {' '.join(unknown)}" if unknown else "No scope given"
        raise ValidationFailed(f"{problem}: choose from {' '.join(SCOPES)}.", {"scopes": problem})
    if session.execute(sa.select(ApiClient.id).where(ApiClient.name == name)).first():
        raise Conflict(f"An API client named {name!r} already exists.")
    secret = secrets.token_urlsafe(32)
    client = ApiClient(
        name=name,
        client_id="cc_" + secrets.token_hex(12),
        secret_hash=sha256_hex(secret),
        scopes=" ".join(s for s in SCOPES if s in wanted),
    )
    session.add(client)
    session.flush()
    return NewClient(client, secret)


def list_clients(session: Session) -> list[ApiClient]:
    return list(session.execute(sa.select(ApiClient).order_by(ApiClient.name)).scalars())


def revoke_client(session: Session, name: str) -> ApiClient:
    """Revoke a client by name: it gets no new tokens and its issued tokens stop working."""
    client = session.execute(sa.select(ApiClient).where(ApiClient.name == name)).scalar_one_or_none()
    if client is None:
        raise NotFound(f"No API client is named {name!r}.")
    if client.revoked_at is None:
        now = utcnow()
        client.revoked_at = now
        session.execute(
            sa.update(ApiToken)
            .where(ApiToken.client_pk == client.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        session.flush()
    return client


def active_client(session: Session, client_id: str) -> ApiClient | None:
    """The client with this client_id, unless it was revoked."""
    if "\x00" in client_id:  # PostgreSQL refuses NUL in text: no client has one
        return None
    return session.execute(
        sa.select(ApiClient).where(ApiClient.client_id == client_id, ApiClient.revoked_at.is_(None))
    ).scalar_one_or_none()


def save_token(session: Session, client: ApiClient, access_token: str, scope: str, expires_in: int) -> ApiToken:
    """Keep the hash of a freshly issued access token (and drop the client's long-dead ones)."""
    now = utcnow()
    session.execute(
        sa.delete(ApiToken).where(ApiToken.client_pk == client.id, ApiToken.expires_at < now - timedelta(days=1))
    )
    token = ApiToken(
        client_pk=client.id,
        token_hash=sha256_hex(access_token),
        scope=scope,
        issued_at=now,
        expires_at=now + timedelta(seconds=expires_in),
    )
    client.last_used_at = now
    session.add(token)
    session.flush()
    return token


def find_token(session: Session, access_token: str) -> ApiToken | None:
    return session.execute(
        sa.select(ApiToken).where(ApiToken.token_hash == sha256_hex(access_token))
    ).scalar_one_or_none()


def client_actor(client: ApiClient) -> Actor:
    return Actor("api_client", client.client_id, client.name)


# -- awards as the API shows them ---------------------------------------------------------


def award_json(award: CreditAward, statements: Mapping[int, list[dict[str, str]]] | None = None) -> dict[str, Any]:
    """One award exactly as the API and its OpenAPI document describe it (`schemas.Award`);
    `statements`: the statements of disagreement per experience (`amendments.service.statements`)."""
    return Award.of(award, statements).model_dump(mode="json")


def statements_for(session: Session, awards: Iterable[CreditAward]) -> dict[int, list[dict[str, str]]]:
    """The statements of disagreement of the experiences behind `awards` (one query)."""
    return amendments.statements(session, [e.id for a in awards for e in a.request.experiences])


#: Loads every award's approval trail, with the deciders' names, in one query per page.
TRAIL = selectinload(CreditAward.decisions).options(
    joinedload(ApprovalDecision.decided_by), joinedload(ApprovalDecision.on_behalf_of)
)


def _award_query() -> sa.Select[tuple[CreditAward]]:
    return sa.select(CreditAward).options(
        joinedload(CreditAward.student),
        joinedload(CreditAward.rule),
        joinedload(CreditAward.approved_by),
        selectinload(CreditAward.request).selectinload(CreditRequest.experiences),
        TRAIL,
    )


#: The largest id an INTEGER primary key holds; larger ones cannot exist (and PostgreSQL
#: would refuse to compare them).
MAX_ID = 2**31 - 1


def get_award(session: Session, award_id: int, *, for_update: bool = False) -> CreditAward:
    if not 1 <= award_id <= MAX_ID:
        raise NotFound(f"No credit award has id {award_id}.")
    stmt = _award_query().where(CreditAward.id == award_id)
    if for_update:
        stmt = stmt.with_for_update(of=CreditAward)
    award = session.execute(stmt).unique().scalar_one_or_none()
    if award is None:
        raise NotFound(f"No credit award has id {award_id}.")
    return award


def disclose_awards(session: Session, client: ApiClient, awards: Iterable[CreditAward], how: str = "read") -> None:
    """Log that `client` received `awards` in one response (one row, however many students)."""
    record_award_disclosure(
        session,
        party_id=client.client_id,
        party_label=f"{client.name} (registrar API client)",
        how=how,
        awards=[(award.id, award.student_id) for award in awards],
        interest=API_INTEREST,
    )


# -- posting ------------------------------------------------------------------------------

POSTING_STATUSES = (AwardStatus.POSTED, AwardStatus.REJECTED_BY_REGISTRAR)


@dataclass(frozen=True)
class Posting:
    status: AwardStatus
    sis_reference: str | None
    note: str | None


def parse_posting(body: Any) -> Posting:
    """Check a posting body; 422 naming each bad field."""
    if not isinstance(body, dict):
        raise ValidationFailed("The body must be a JSON object.", {"body": "expected a JSON object"})
    errors: dict[str, str] = {}
    unknown = sorted(set(body) - {"status", "sis_reference", "note"})
    if unknown:
        errors["body"] = f"Unknown fields: {', '.join(str(u)[:40] for u in unknown[:5])}."
    status = None
    raw_status = body.get("status")
    if raw_status not in [s.value for s in POSTING_STATUSES]:
        errors["status"] = "status must be posted or rejected_by_registrar."
    else:
        status = AwardStatus(raw_status)
    values: dict[str, str | None] = {}
    for field, limit, check in (
        ("sis_reference", MAX_SIS_REFERENCE, single_line_problem),
        ("note", MAX_NOTE, free_text_problem),
    ):
        raw = body.get(field)
        if raw is None:
            values[field] = None
        elif not isinstance(raw, str) or len(raw) > limit:
            errors[field] = f"{field} must be a string of at most {limit} characters."
        elif problem := check(raw):
            errors[field] = f"{field} {problem}"
        else:
            values[field] = None if is_blank(raw) else raw.strip()
    if status is AwardStatus.POSTED and "sis_reference" not in errors and not values.get("sis_reference"):
        errors["sis_reference"] = "A posted award needs the SIS reference it was posted under."
    if status is AwardStatus.REJECTED_BY_REGISTRAR and "note" not in errors and not values.get("note"):
        errors["note"] = "A rejected award needs a note saying why, for the student and the advisor."
    if errors or status is None:
        raise ValidationFailed("The posting is not valid.", errors)
    return Posting(status, values["sis_reference"], values["note"])


def post_award(session: Session, client: ApiClient, award_id: int, posting: Posting) -> CreditAward:
    """Record the registrar's posting (or rejection) of an award.

    Idempotent: the same posting again changes nothing and returns the award. A different
    posting of an award already posted or rejected is a conflict (409).
    """
    award = get_award(session, award_id, for_update=True)
    if award.status is posting.status:
        if award.sis_reference == posting.sis_reference and (award.posting_note or None) == posting.note:
            return award
        raise Conflict(
            f"This award was already {posting.status.value.replace('_', ' ')} with different details "
            f"(SIS reference {award.sis_reference or 'none'}); a posting cannot be changed."
        )
    if award.status is not AwardStatus.PENDING:
        raise Conflict(
            f"This award is {award.status.value.replace('_', ' ')} and cannot become "
            f"{posting.status.value.replace('_', ' ')}."
        )
    award.sis_reference = posting.sis_reference
    award.posting_note = posting.note
    if posting.status is AwardStatus.POSTED:
        award.posted_at = utcnow()
    move(
        session,
        award,
        posting.status,
        transitions=AWARD_TRANSITIONS,
        actor=client_actor(client),
        action="award.posted" if posting.status is AwardStatus.POSTED else "award.rejected_by_registrar",
        data={"sis_reference": posting.sis_reference, "note": posting.note},
        attribute="status",
    )
    # On PostgreSQL the database stamps updated_at (see feed.py): read back what it wrote.
    session.refresh(award, attribute_names=["updated_at"])
    return award
