"""Issuing: OB 3.0 credentials per verified experience and posted award, the CLR per student;
each validates against the vendored schemas and verifies against the issuer's published key."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from careercenter.credentials import issuance, issuer, jsonld, jwt, proof, verification
from careercenter.credentials.keys import issuer_keys
from careercenter.credentials.models import CredentialKind, CredentialState
from careercenter.credits.models import AwardStatus
from careercenter.errors import Conflict
from careercenter.internships.models import ExperienceState

SCHEMAS = Path(__file__).parents[2] / "careercenter" / "credentials" / "schemas"


def _validator(name: str) -> jsonschema.protocols.Validator:
    schema = json.loads((SCHEMAS / name).read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


OB_SCHEMAS = [
    "ob_v3p0_achievementcredential_schema.formal.json",
    "ob_v3p0_achievementcredential_schema.jsonld-adapted.json",
]
CLR_SCHEMA = "clr_v2p0_clrcredential_schema.jsonld-adapted.json"


def _assert_valid(document: dict[str, Any], schema: str) -> None:
    errors = sorted(_validator(schema).iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def _resolver(app: Any) -> Any:
    """What an offline verifier does: take the keys from the published issuer profile."""
    profile = issuer.issuer_profile(app.config)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from careercenter.credentials.multibase import decode_ed25519_public

    methods = {m["id"]: m for m in profile["verificationMethod"] if m["type"] == "Multikey"}

    def resolve(vm: str) -> Any:
        m = methods.get(vm)
        return Ed25519PublicKey.from_public_bytes(decode_ed25519_public(m["publicKeyMultibase"])) if m else None

    return resolve


@pytest.fixture()
def student(make_student: Any) -> Any:
    return make_student(name="Maya Okafor", email="Maya.Okafor@students.example.edu", campus_id="S90001")


def test_experience_credential_content_schemas_and_proof(
    app: Any, session: Any, student: Any, verified_experience: Any
) -> None:
    experience = verified_experience(student)
    row = issuance.issue_for_experience(session, experience, app.config)
    doc = row.document
    assert row.kind is CredentialKind.EXPERIENCE and row.state is CredentialState.ISSUED
    for schema in OB_SCHEMAS:
        _assert_valid(doc, schema)
    assert doc["issuer"]["id"] == "http://careers.test/issuer"
    subject = doc["credentialSubject"]
    assert subject["id"].startswith("urn:uuid:")
    assert "S90001" not in json.dumps(doc) and "maya.okafor" not in json.dumps(doc).lower()
    hashes = {i["identityType"]: i for i in subject["identifier"]}
    import hashlib

    salt = hashes["sisSourcedId"]["salt"]
    assert hashes["sisSourcedId"]["identityHash"] == "sha256$" + hashlib.sha256(f"S90001{salt}".encode()).hexdigest()
    achievement = subject["achievement"]
    assert "Acme Analytics" in achievement["name"]
    assert "20.5 hours" in achievement["criteria"]["narrative"]
    results = {r["resultDescription"]: r["value"] for r in subject["result"]}
    descriptions = {d["name"]: d["id"] for d in achievement["resultDescription"]}
    assert results[descriptions["Supervisor rating: problem solving"]] == "5"
    assert results[descriptions["Hours confirmed by the supervisor"]] == "20.5"
    assert subject["source"]["name"] == "Acme Analytics"
    assert "Pat Supervisor" in doc["evidence"][0]["narrative"]
    status = doc["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "revocation"
    assert status["statusListCredential"] == f"http://careers.test/credentials/status/{row.status_list_id}"
    assert int(status["statusListIndex"]) == row.status_index
    # Verifies offline against the key the issuer profile publishes.
    assert proof.verify(doc, _resolver(app))["cryptosuite"] == "eddsa-rdfc-2022"
    # Asking again gives the same credential: one per record.
    assert issuance.issue_for_experience(session, experience, app.config).id == row.id


def test_a_changed_field_fails_verification(app: Any, session: Any, student: Any, verified_experience: Any) -> None:
    doc = issuance.issue_for_experience(session, verified_experience(student), app.config).document
    for change in (
        lambda d: d["credentialSubject"]["result"][0].update(value="45"),
        lambda d: d["credentialSubject"]["achievement"].update(name="Senior data scientist — Acme"),
        lambda d: d["credentialStatus"].update(statusListIndex="0"),
        lambda d: d["proof"][0].update(created="2020-01-01T00:00:00Z"),
    ):
        changed = copy.deepcopy(doc)
        change(changed)
        with pytest.raises(proof.ProofError):
            proof.verify(changed, _resolver(app))
        result = verification.verify_submission(session, changed, app.config)
        assert result.outcome == verification.TAMPERED, result.detail
    smuggled = copy.deepcopy(doc)
    smuggled["credentialSubject"]["gpa"] = "4.0"  # undefined: would be invisible to the proof
    assert verification.verify_submission(session, smuggled, app.config).outcome == verification.TAMPERED


def test_award_credential(app: Any, session: Any, student: Any, verified_experience: Any, make_award: Any) -> None:
    award = make_award(student, [verified_experience(student)], status=AwardStatus.POSTED, term="2026SP")
    row = issuance.issue_for_award(session, award, app.config)
    doc = row.document
    for schema in OB_SCHEMAS:
        _assert_valid(doc, schema)
    achievement = doc["credentialSubject"]["achievement"]
    assert achievement["humanCode"] == "INTR 295"
    assert achievement["creditsAvailable"] == 1.5
    assert doc["credentialSubject"]["creditsEarned"] == 1.5
    assert doc["credentialSubject"]["term"] == "2026SP"
    assert proof.verify(doc, _resolver(app))
    nquads = jsonld.canonicalize({k: v for k, v in doc.items() if k != "proof"})
    assert '"INTR 295"' in nquads and "creditsAvailable" in nquads  # signed, not dropped


def test_unposted_or_unverified_records_are_not_issued(
    app: Any, session: Any, student: Any, make_experience: Any, verified_experience: Any, make_award: Any
) -> None:
    draft = make_experience(student, state=ExperienceState.AWAITING_SIGNOFF)
    with pytest.raises(Conflict):
        issuance.issue_for_experience(session, draft, app.config)
    pending = make_award(student, [verified_experience(student)], status=AwardStatus.PENDING)
    with pytest.raises(Conflict):
        issuance.issue_for_award(session, pending, app.config)
    assert all(c.kind is CredentialKind.EXPERIENCE for c in issuance.record_credentials(session, student, app.config))


def test_clr_bundles_everything_validates_and_verifies(
    app: Any, session: Any, student: Any, verified_experience: Any, make_award: Any
) -> None:
    e1 = verified_experience(student)
    e2 = verified_experience(student, employer="Bright Labs", title="Survey design", skill_ratings={"communication": 5})
    award = make_award(student, [e1, e2], status=AwardStatus.POSTED)
    clr = issuance.clr_for(session, student, app.config)
    doc = clr.document
    _assert_valid(doc, CLR_SCHEMA)
    nested = doc["credentialSubject"]["verifiableCredential"]
    assert len(nested) == 3
    for credential in nested:
        for schema in OB_SCHEMAS:
            _assert_valid(credential, schema)
        assert proof.verify(credential, _resolver(app))  # every credential verifies offline
    assert proof.verify(doc, _resolver(app))
    award_achievement = issuance.issue_for_award(session, award, app.config).document["credentialSubject"][
        "achievement"
    ]["id"]
    associations = doc["credentialSubject"]["association"]
    assert {a["targetId"] for a in associations} == {award_achievement}
    assert len(associations) == 2
    # Unchanged record: the same CLR again.
    assert issuance.clr_for(session, student, app.config).id == clr.id
    result = verification.verify_submission(session, doc, app.config)
    assert result.outcome == verification.VALID and [n.outcome for n in result.nested] == ["valid"] * 3


def test_jwt_round_trip(app: Any, session: Any, student: Any, verified_experience: Any) -> None:
    row = issuance.issue_for_experience(session, verified_experience(student), app.config)
    header, payload = jwt.decode_unverified(row.jwt)
    assert header["alg"] == "ES256" and header["kid"] == issuer.jwt_kid(
        app.config, issuer_keys(app.config).jwk_thumbprint
    )
    assert payload["iss"] == "http://careers.test/issuer"
    assert payload["jti"] == row.credential_id
    assert payload["sub"] == row.document["credentialSubject"]["id"]
    keys = issuer_keys(app.config)
    credential = jwt.verify(row.jwt, lambda kid: keys.p256.public_key() if kid == header["kid"] else None)
    assert credential == {k: v for k, v in row.document.items() if k != "proof"}
    for schema in OB_SCHEMAS:
        _assert_valid(credential, schema)
    assert verification.verify_submission(session, row.jwt, app.config).outcome == verification.VALID
    # A changed payload with the old signature is tampered.
    parts = row.jwt.split(".")
    payload["credentialSubject"]["result"][0]["value"] = "99"
    forged = parts[0] + "." + jwt.b64url(json.dumps(payload).encode()) + "." + parts[2]
    assert verification.verify_submission(session, forged, app.config).outcome == verification.TAMPERED
    with pytest.raises(jwt.JwtError):
        jwt.verify(forged, lambda kid: keys.p256.public_key())


def test_foreign_and_unknown_credentials(app: Any, session: Any) -> None:
    vector = json.loads((Path(__file__).parent / "vectors/vc-di-eddsa/signedDataInt.json").read_text())
    assert verification.verify_submission(session, vector, app.config).outcome == verification.UNKNOWN
    with pytest.raises(verification.BadSubmission):
        verification.verify_submission(session, "not a credential", app.config)
    with pytest.raises(verification.BadSubmission):
        verification.verify_submission(session, "[1, 2]", app.config)


def test_a_credentialed_record_cannot_be_deleted_alone_but_the_student_can(
    app: Any, session: Any, student: Any, verified_experience: Any
) -> None:
    import sqlalchemy as sa
    from sqlalchemy.exc import IntegrityError

    from careercenter.credentials.models import IssuedCredential
    from careercenter.internships.models import Experience
    from careercenter.sso.models import Person

    experience = verified_experience(student)
    issuance.clr_for(session, student, app.config)
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(sa.delete(Experience).where(Experience.id == experience.id))
    session.execute(sa.delete(Person).where(Person.id == student.id))
    assert session.execute(sa.select(sa.func.count()).select_from(IssuedCredential)).scalar_one() == 0
