"""Wallet exchanges (W3C CCG VC API, `/exchanges/<id>`) with DID Authentication.

1. The student starts a one-time exchange for one credential (or the CLR); it expires in 15
   minutes. `/me/credentials` shows it as a QR code and a deep link.
2. The wallet POSTs `{}` to the exchange: the answer is a `verifiablePresentationRequest` asking
   for `DIDAuthentication` (did:key) with a random `challenge` and our `domain`.
3. The wallet POSTs a `verifiablePresentation` whose `holder` is its `did:key`, with an
   `eddsa-rdfc-2022` proof (purpose `authentication`) made with that DID's key over the
   challenge and domain. We check all of it, then issue the credential's content again with the
   DID as `credentialSubject.id`, signed, carrying the record's own status entry (one status per
   record: revoking the record revokes the wallet's copy too), and answer it in a presentation.

A finished exchange refuses a second presentation (no replay); an expired one refuses everything.
"""

from __future__ import annotations

import copy
import json
import secrets
import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session

from careercenter.audit.service import Actor, record_event
from careercenter.credentials import builders, proof
from careercenter.credentials.issuer import verification_method_id
from careercenter.credentials.keys import issuer_keys
from careercenter.credentials.models import CredentialState, IssuedCredential
from careercenter.credentials.multibase import MultibaseError, decode_ed25519_public
from careercenter.credentials.wallet_models import EXCHANGE_TRANSITIONS, ExchangeState, WalletExchange
from careercenter.db import utcnow
from careercenter.errors import CareerCenterError, Conflict
from careercenter.sso.models import Person
from careercenter.statemachine import move

Config = Mapping[str, Any]
LIFETIME = timedelta(minutes=15)
VC_V2 = "https://www.w3.org/ns/credentials/v2"
#: The DCC Learner Credential Wallet's deep link (its "request" handler with a VC API protocol).
WALLET_DEEP_LINK = "https://lcw.app/request"


class ExchangeNotFound(LookupError):
    """No such exchange."""


class ExchangeGone(CareerCenterError):
    status = 410
    title = "Exchange expired"


class PresentationRefused(CareerCenterError):
    status = 400
    title = "Presentation refused"


def exchange_url(config: Config, exchange: WalletExchange) -> str:
    return f"{config['PUBLIC_URL']}/exchanges/{exchange.exchange_id}"


def deep_link(config: Config, exchange: WalletExchange) -> str:
    """The wallet deep link: an interaction request naming the VC API exchange URL."""
    request = json.dumps(
        {"credentialRequestOrigin": config["PUBLIC_URL"], "protocols": {"vcapi": exchange_url(config, exchange)}},
        separators=(",", ":"),
    )
    return f"{WALLET_DEEP_LINK}?request={quote(request, safe='')}"


def start(session: Session, student: Person, credential: IssuedCredential, config: Config) -> WalletExchange:
    """A new one-time exchange for one of the student's credentials in force."""
    if credential.student_id != student.id:
        raise ExchangeNotFound(credential.credential_id)
    if credential.state is not CredentialState.ISSUED:
        raise Conflict("A revoked credential cannot be added to a wallet.")
    now = utcnow()
    exchange = WalletExchange(
        exchange_id=secrets.token_urlsafe(24),
        student_id=student.id,
        credential_pk=credential.id,
        challenge=secrets.token_urlsafe(24),
        domain=urlsplit(config["PUBLIC_URL"]).netloc,
        created_at=now,
        expires_at=now + LIFETIME,
    )
    session.add(exchange)
    session.flush()
    record_event(
        session,
        Actor.person(student),
        "wallet_exchange.started",
        "wallet_exchanges",
        exchange.id,
        {"credential_id": credential.credential_id},
    )
    return exchange


def find(session: Session, exchange_id: str) -> WalletExchange:
    row = None
    if 0 < len(exchange_id) <= 64:
        row = session.execute(
            sa.select(WalletExchange).where(WalletExchange.exchange_id == exchange_id)
        ).scalar_one_or_none()
    if row is None:
        raise ExchangeNotFound(exchange_id)
    return row


def _open(exchange: WalletExchange) -> None:
    if exchange.state is ExchangeState.COMPLETED:
        raise Conflict("This exchange is finished: start a new one from your credentials page.")
    if exchange.expires_at <= utcnow():
        raise ExchangeGone("This exchange has expired: start a new one from your credentials page.")


def presentation_request(session: Session, exchange: WalletExchange) -> dict[str, Any]:
    """Step 2: the DID Authentication request (the same challenge however often it is asked)."""
    _open(exchange)
    if exchange.state is ExchangeState.PENDING:
        move(
            session,
            exchange,
            ExchangeState.CHALLENGED,
            transitions=EXCHANGE_TRANSITIONS,
            actor=Actor.system("wallet"),
            action="wallet_exchange.challenged",
        )
    return {
        "verifiablePresentationRequest": {
            "query": [{"type": "DIDAuthentication", "acceptedMethods": [{"method": "key"}]}],
            "challenge": exchange.challenge,
            "domain": exchange.domain,
        }
    }


def _did_key(holder: Any) -> tuple[str, Ed25519PublicKey]:
    if not isinstance(holder, str) or not holder.startswith("did:key:z6Mk"):
        raise PresentationRefused("The presentation's holder must be an Ed25519 did:key.")
    try:
        raw = decode_ed25519_public(holder.removeprefix("did:key:"))
    except MultibaseError as exc:
        raise PresentationRefused(f"The holder's did:key is malformed: {exc}.") from None
    return holder, Ed25519PublicKey.from_public_bytes(raw)


def check_presentation(exchange: WalletExchange, presentation: Any) -> str:
    """The holder DID of a presentation that proves control of it for this exchange; else refused."""
    if not isinstance(presentation, dict):
        raise PresentationRefused("The body must hold a verifiablePresentation object.")
    holder, key = _did_key(presentation.get("holder"))
    fingerprint = holder.removeprefix("did:key:")
    proof_node = presentation.get("proof")
    if isinstance(proof_node, list) and len(proof_node) == 1:
        proof_node = proof_node[0]
    if not isinstance(proof_node, dict):
        raise PresentationRefused("The presentation carries no single proof.")
    if proof_node.get("challenge") != exchange.challenge:
        raise PresentationRefused("The proof's challenge is not this exchange's.")
    if proof_node.get("domain") != exchange.domain:
        raise PresentationRefused("The proof's domain is not ours.")
    expected_method = f"{holder}#{fingerprint}"
    try:
        proof.verify(
            presentation,
            lambda method: key if method == expected_method else None,
            expected_purpose="authentication",
        )
    except proof.ProofError as exc:
        raise PresentationRefused(f"The presentation's proof does not hold: {exc}.") from None
    return holder


def bound_credential(credential: IssuedCredential, holder: str, config: Config) -> dict[str, Any]:
    """The credential's content with `holder` as subject, signed anew; same status entry."""
    document = copy.deepcopy(credential.document)
    document.pop("proof", None)
    now = utcnow().replace(microsecond=0)
    document["id"] = f"urn:uuid:{uuid.uuid4()}"
    document["validFrom"] = builders.xsd_datetime(now)
    document["credentialSubject"]["id"] = holder
    keys = issuer_keys(config)
    return proof.sign(
        document,
        keys.ed25519,
        verification_method=verification_method_id(config, keys.multikey),
        created=builders.xsd_datetime(now),
        as_list=True,
    )


def complete(session: Session, exchange: WalletExchange, presentation: Any, config: Config) -> dict[str, Any]:
    """Step 3: check the DID-Auth presentation; issue the bound credential; finish the exchange."""
    _open(exchange)
    if exchange.state is not ExchangeState.CHALLENGED:
        raise PresentationRefused("Ask the exchange for its presentation request first (POST {}).")
    holder = check_presentation(exchange, presentation)
    credential = exchange.credential
    if credential.state is not CredentialState.ISSUED:
        raise Conflict("The credential was revoked meanwhile.")
    document = bound_credential(credential, holder, config)
    exchange.holder_did = holder
    exchange.issued_document = document
    exchange.completed_at = utcnow()
    move(
        session,
        exchange,
        ExchangeState.COMPLETED,
        transitions=EXCHANGE_TRANSITIONS,
        actor=Actor("wallet", holder, "student's wallet"),
        action="wallet_exchange.completed",
        data={"holder": holder, "credential_id": document["id"], "record_credential": credential.credential_id},
    )
    return {
        "verifiablePresentation": {
            "@context": [VC_V2],
            "type": ["VerifiablePresentation"],
            "verifiableCredential": [document],
        }
    }
