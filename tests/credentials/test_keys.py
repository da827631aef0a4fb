"""Key rotation: a retired key stays published, so what it signed keeps verifying; it never signs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from careercenter.credentials import issuer, jwt, keys, proof


def _write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def test_retired_keys_are_published_and_still_verify(make_app: Any, tmp_path: Path) -> None:
    old_pem, new_pem = keys.generate_pem(), keys.generate_pem()
    old, new = keys.parse_pem(old_pem), keys.parse_pem(new_pem)
    old_app = make_app(VC_SIGNING_KEY=_write(tmp_path / "old.pem", old_pem))
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:6d3e0b2e-6f0b-4b8e-9d43-4f4a1bd1b2a1",
        "type": ["VerifiableCredential"],
        "issuer": "http://careers.test/issuer",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "urn:uuid:0f1c2d3e-0000-4000-8000-000000000001"},
    }
    with old_app.app_context():
        signed = proof.sign(
            document,
            old.ed25519,
            verification_method=issuer.verification_method_id(old_app.config, old.multikey),
            created="2026-01-01T00:00:00Z",
        )
        token = jwt.encode(
            document, old.p256, kid=issuer.jwt_kid(old_app.config, old.jwk_thumbprint), jwk=old.public_jwk
        )

    # Rotated: the new key signs; the old one's public halves are given as retired (public PEM).
    old_public = old.ed25519.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ) + old.p256.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    rotated = make_app(
        VC_SIGNING_KEY=_write(tmp_path / "new.pem", new_pem),
        VC_RETIRED_KEYS=_write(tmp_path / "retired.pem", old_public),
    )
    with rotated.app_context():
        profile = issuer.issuer_profile(rotated.config)
        multikeys = [m["publicKeyMultibase"] for m in profile["verificationMethod"] if m["type"] == "Multikey"]
        assert multikeys == [new.multikey, old.multikey]
        assert len(profile["assertionMethod"]) == 4
        assert proof.verify(signed, issuer.ed25519_resolver(rotated.config))
        assert jwt.verify(token, issuer.p256_resolver(rotated.config))["id"] == document["id"]
        assert keys.issuer_keys().multikey == new.multikey  # only the new key signs

    # Without the retired key, the old signatures name a key the issuer no longer publishes.
    forgotten = make_app(VC_SIGNING_KEY=str(tmp_path / "new.pem"))
    with forgotten.app_context(), pytest.raises(proof.ProofError, match="unknown verification method"):
        proof.verify(signed, issuer.ed25519_resolver(forgotten.config))


def test_retired_keys_refuse_other_key_types(make_app: Any, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    rsa_pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    app = make_app(VC_RETIRED_KEYS=_write(tmp_path / "rsa.pem", rsa_pem))
    with app.app_context(), pytest.raises(keys.SigningKeyError, match="only Ed25519 and EC P-256"):
        keys.retired_keys()
