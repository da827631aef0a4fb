"""Checking a presented credential: valid, revoked, tampered with, or unknown to us."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from careercenter.bodies import UnreadableBody, parse_json_text
from careercenter.credentials import builders, jsonld, jwt, proof
from careercenter.credentials.issuer import ed25519_resolver, issuer_id, p256_resolver
from careercenter.credentials.models import CredentialKind, CredentialState, IssuedCredential

Config = Mapping[str, Any]


VALID, REVOKED, TAMPERED, UNKNOWN = "valid", "revoked", "tampered", "unknown"


@dataclass
class Verification:
    outcome: str
    detail: str
    form: str = ""  # "json" (Data Integrity) or "jwt"
    credential_id: str | None = None
    name: str | None = None
    kind: str | None = None
    revoked_at: str | None = None
    nested: list[Verification] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out = {
            "result": self.outcome,
            "detail": self.detail,
            "form": self.form,
            "credential_id": self.credential_id,
            "name": self.name,
            "kind": self.kind,
            "revoked_at": self.revoked_at,
        }
        if self.nested:
            out["credentials"] = [n.as_dict() for n in self.nested]
        return out


class BadSubmission(ValueError):
    """What was submitted is neither a JSON credential nor a JWT."""


def verify_submission(session: Session, submitted: str | dict[str, Any], config: Config) -> Verification:
    """Say whether a presented credential (JSON-LD with a proof, or a VC-JWT) is valid, revoked,
    tampered with, or unknown to us."""
    if isinstance(submitted, str):
        text = submitted.strip()
        if jwt.looks_like_jwt(text):
            return _verify_jwt(session, text, config)
        if not text.startswith(("{", "[")):
            raise BadSubmission("Paste a credential as JSON or as a JWT (three base64url parts).")
        try:
            submitted = parse_json_text(text, "The credential")
        except UnreadableBody as exc:
            raise BadSubmission(str(exc)) from None
    if not isinstance(submitted, dict):
        raise BadSubmission("A credential is a JSON object.")
    return _verify_document(session, submitted, config)


def _verify_jwt(session: Session, token: str, config: Config) -> Verification:
    try:
        header, payload = jwt.decode_unverified(token)
    except jwt.JwtError as exc:
        raise BadSubmission(str(exc)) from None
    resolve = p256_resolver(config)
    if payload.get("iss") != issuer_id(config) or resolve(str(header.get("kid", ""))) is None:
        return Verification(UNKNOWN, "This credential was not issued by us, or not with a key we publish.", "jwt")
    try:
        credential = jwt.verify(token, resolve)
    except jwt.JwtError as exc:
        return Verification(TAMPERED, f"The signature does not hold: {exc}.", "jwt", payload.get("jti"))
    row = session.execute(
        sa.select(IssuedCredential).where(IssuedCredential.credential_id == credential.get("id"))
    ).scalar_one_or_none()
    if row is None:
        return Verification(UNKNOWN, "We have no record of issuing this credential.", "jwt", credential.get("id"))
    return _with_nested(session, _with_status(row, "jwt", "The signature holds."), row, credential, config)


def _verify_document(session: Session, document: dict[str, Any], config: Config) -> Verification:
    issuer = document.get("issuer")
    issuer_ref = issuer.get("id") if isinstance(issuer, dict) else issuer
    credential_id = document.get("id") if isinstance(document.get("id"), str) else None
    if issuer_ref != issuer_id(config):
        return Verification(UNKNOWN, "This credential was not issued by us.", "json", credential_id)
    attached = document.get("proof")
    if isinstance(attached, list) and len(attached) == 1:
        attached = attached[0]
    vm = attached.get("verificationMethod") if isinstance(attached, dict) else None
    resolve = ed25519_resolver(config)
    if vm is not None and resolve(str(vm)) is None:
        return Verification(UNKNOWN, "The proof names a key we do not publish.", "json", credential_id)
    try:
        proof.verify(document, resolve)
    except (proof.ProofError, jsonld.JsonLdFailure) as exc:
        return Verification(TAMPERED, f"The proof does not hold: {exc}.", "json", credential_id)
    row = session.execute(
        sa.select(IssuedCredential).where(IssuedCredential.credential_id == credential_id)
    ).scalar_one_or_none()
    if row is None:
        return Verification(UNKNOWN, "We have no record of issuing this credential.", "json", credential_id)
    return _with_nested(session, _with_status(row, "json", "The proof holds."), row, document, config)


def _with_nested(
    session: Session, result: Verification, row: IssuedCredential, document: dict[str, Any], config: Config
) -> Verification:
    """For a CLR, check every credential inside it too; the worst of them colours the answer."""
    if row.kind is not CredentialKind.CLR:
        return result
    subject = document.get("credentialSubject")
    nested = subject.get("verifiableCredential", []) if isinstance(subject, dict) else []
    if isinstance(nested, dict):
        nested = [nested]
    result.nested = [_verify_document(session, n, config) for n in nested if isinstance(n, dict)]
    if result.outcome == VALID and any(n.outcome != VALID for n in result.nested):
        worst = next(o for o in (TAMPERED, REVOKED, UNKNOWN) if any(n.outcome == o for n in result.nested))
        result.outcome = worst
        result.detail = f"The record's own signature holds, but a credential in it is {worst}."
    return result


def _with_status(row: IssuedCredential, form: str, detail: str) -> Verification:
    name = row.document.get("name")
    if row.state is CredentialState.REVOKED:
        when = builders.xsd_datetime(row.revoked_at) if row.revoked_at else None
        return Verification(
            REVOKED, f"{detail} The issuer has revoked it.", form, row.credential_id, name, row.kind.value, when
        )
    return Verification(VALID, f"{detail} It is in force: not revoked.", form, row.credential_id, name, row.kind.value)
