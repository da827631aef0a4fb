"""The issue's "done when", through HTTP only: a student downloads a CLR whose every credential
verifies offline against the key the issuer publishes at /issuer, validates against the official
schemas, and shows as revoked in the published status list once the transcript is revoked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from careercenter.audit.service import Actor
from careercenter.credentials import proof, statuslist
from careercenter.credentials import status as credential_status
from careercenter.credentials.multibase import decode_ed25519_public
from careercenter.credits.models import AwardStatus

SCHEMAS = Path(__file__).parents[2] / "careercenter" / "credentials" / "schemas"


def _validate(document: dict[str, Any], name: str) -> None:
    schema = json.loads((SCHEMAS / name).read_text())
    cls = jsonschema.validators.validator_for(schema)
    errors = list(cls(schema, format_checker=cls.FORMAT_CHECKER).iter_errors(document))
    assert not errors, [e.message for e in errors[:5]]


def test_done_when(
    client: Any, login: Any, session: Any, make_student: Any, verified_experience: Any, make_award: Any
) -> None:
    student = make_student(name="Maya Okafor")
    e1 = verified_experience(student)
    e2 = verified_experience(student, employer="Bright Labs", title="Survey design")
    award = make_award(student, [e1, e2], status=AwardStatus.POSTED)
    login(student)
    clr = client.get("/me/credentials/clr.json").get_json()
    client.post("/logout")

    # A verifier, offline but for the issuer's public profile and its status list.
    profile = client.get("/issuer").get_json()
    assert profile["id"] == clr["issuer"]["id"]
    published = {
        m["id"]: Ed25519PublicKey.from_public_bytes(decode_ed25519_public(m["publicKeyMultibase"]))
        for m in profile["verificationMethod"]
        if m["type"] == "Multikey" and m["id"] in profile["assertionMethod"]
    }

    def revoked(credential: dict[str, Any]) -> bool:
        entry = credential["credentialStatus"]
        listed = client.get(entry["statusListCredential"].removeprefix("http://careers.test")).get_json()
        proof.verify(listed, published.get)
        return statuslist.bit_is_set(listed["credentialSubject"]["encodedList"], int(entry["statusListIndex"]))

    _validate(clr, "clr_v2p0_clrcredential_schema.jsonld-adapted.json")
    proof.verify(clr, published.get)
    nested = clr["credentialSubject"]["verifiableCredential"]
    assert len(nested) == 3
    for credential in nested:
        proof.verify(credential, published.get)
        _validate(credential, "ob_v3p0_achievementcredential_schema.formal.json")
        _validate(credential, "ob_v3p0_achievementcredential_schema.jsonld-adapted.json")
        assert not revoked(credential)
    assert not revoked(clr)

    # The records are withdrawn (issue 18: revoking a transcript, a document, would change none).
    credential_status.revoke_records(
        session,
        experience_ids=[e1.id, e2.id],
        award_ids=[award.id],
        actor=Actor.system("registrar"),
        reason="withdrawn",
    )
    session.commit()
    assert all(revoked(credential) for credential in nested)
    assert revoked(clr)
    answer = client.post("/verify/credential", data=json.dumps(clr), content_type="application/json").get_json()
    assert answer["result"] == "revoked"
    assert [c["result"] for c in answer["credentials"]] == ["revoked"] * 3
