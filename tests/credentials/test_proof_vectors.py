"""The eddsa-rdfc-2022 implementation reproduces every public test vector exactly."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from careercenter.credentials import jsonld, multibase, proof

VECTORS = Path(__file__).parent / "vectors"


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _json(path: Path) -> Any:
    return json.loads(_read(path))


# ---- W3C vc-di-eddsa (TestVectors/eddsa-rdfc-2022) ----------------------------------------

W3C = VECTORS / "vc-di-eddsa"


@pytest.fixture()
def w3c_key() -> Ed25519PrivateKey:
    pair = _json(W3C / "keyPair.json")
    key = Ed25519PrivateKey.from_private_bytes(multibase.decode_ed25519_private(pair["privateKeyMultibase"]))
    # The public Multikey derived from the private key is the one the vector publishes.
    assert multibase.encode_ed25519_public(key.public_key().public_bytes_raw()) == pair["publicKeyMultibase"]
    return key


def test_w3c_vector_canonical_forms_and_hashes() -> None:
    unsigned = _json(W3C / "unsigned.json")
    config = _json(W3C / "proofConfigDataInt.json")
    steps = proof.hash_steps(unsigned, config)
    assert steps.document_canon == _read(W3C / "canonDocDataInt.txt")
    assert steps.proof_canon == _read(W3C / "proofCanonDataInt.txt")
    assert steps.document_hash.hex() == _read(W3C / "docHashDataInt.txt").strip()
    assert steps.proof_hash.hex() == _read(W3C / "proofHashDataInt.txt").strip()
    assert steps.hash_data.hex() == _read(W3C / "combinedHashDataInt.txt").strip()


def test_w3c_vector_signature_and_signed_document(w3c_key: Ed25519PrivateKey) -> None:
    unsigned = _json(W3C / "unsigned.json")
    config = _json(W3C / "proofConfigDataInt.json")
    signed = proof.sign(
        unsigned,
        w3c_key,
        verification_method=config["verificationMethod"],
        created=config["created"],
        check_terms=False,  # the example context's @vocab is fine here; our own documents are checked
    )
    value = signed["proof"]["proofValue"]
    assert multibase.multibase_decode(value).hex() == _read(W3C / "sigHexDataInt.txt").strip()
    assert value == _read(W3C / "sigBTC58DataInt.txt").strip()
    assert signed == _json(W3C / "signedDataInt.json")


def test_w3c_signed_vector_verifies_and_a_changed_field_fails(w3c_key: Ed25519PrivateKey) -> None:
    signed = _json(W3C / "signedDataInt.json")
    public = w3c_key.public_key()
    method = signed["proof"]["verificationMethod"]

    def resolve(vm: str) -> Any:
        return public if vm == method else None

    assert proof.verify(signed, resolve)["proofValue"].startswith("z")
    changed = copy.deepcopy(signed)
    changed["credentialSubject"]["alumniOf"] = "The School of Other Examples"
    with pytest.raises(proof.ProofError, match="does not match"):
        proof.verify(changed, resolve)
    moved = copy.deepcopy(signed)
    moved["proof"]["created"] = "2023-02-24T23:36:39Z"
    with pytest.raises(proof.ProofError, match="does not match"):
        proof.verify(moved, resolve)


# ---- 1EdTech OB 3.0 and CLR 2.0 implementation-guide vectors ------------------------------


@pytest.mark.parametrize("folder", ["ob-v3p0-impl-guide", "clr-v2p0-impl-guide"])
def test_1edtech_vector(folder: str) -> None:
    base = VECTORS / folder
    expected = _json(base / "expected.json")
    credential = _json(base / "credential.json")
    options = expected["proofOptions"]

    steps = proof.hash_steps(credential, options)
    assert steps.document_canon == _read(base / "document-canon.txt")
    assert steps.proof_canon == _read(base / "proof-canon.txt")
    assert steps.document_hash.hex() == expected["document_hash"]
    assert steps.proof_hash.hex() == expected["proof_hash"]
    assert steps.hash_data.hex() == expected["data"]

    private = bytes.fromhex(expected["privateKeyHex"])
    key = Ed25519PrivateKey.from_private_bytes(private[:32])
    assert key.public_key().public_bytes_raw().hex() == expected["publicKeyHex"] == private[32:].hex()
    # The vector's verification method fragment is the key's Multikey.
    assert options["verificationMethod"].endswith(
        "#" + multibase.encode_ed25519_public(key.public_key().public_bytes_raw())
    )

    # These use only the official contexts, so the undefined-term check runs as for our own.
    signed = proof.sign(credential, key, verification_method=options["verificationMethod"], created=options["created"])
    assert key.sign(steps.hash_data).hex() == expected["signature"]
    assert signed["proof"]["proofValue"] == expected["proof_value"]
    assert signed["proof"] == {**options, "proofValue": expected["proof_value"]}

    public = key.public_key()
    assert proof.verify(signed, lambda vm: public)
    tampered = copy.deepcopy(signed)
    tampered["name"] = tampered["name"] + "!"
    with pytest.raises(proof.ProofError):
        proof.verify(tampered, lambda vm: public)


# ---- the loader and the undefined-term check ----------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/context.json",
        "https://www.w3.org/2018/credentials/v1",
        "https://w3id.org/security/data-integrity/v2",
        "file:///etc/passwd",
        "https://www.w3.org/ns/credentials/v2/",  # not byte-identical to a vendored URL
    ],
)
def test_loader_refuses_every_url_not_vendored(url: str) -> None:
    with pytest.raises(jsonld.RefusedUrl):
        jsonld.document_loader(url, {})
    document = _json(VECTORS / "ob-v3p0-impl-guide" / "credential.json")
    document["@context"].append(url)
    with pytest.raises(jsonld.RefusedUrl):
        jsonld.canonicalize(document)


def test_loader_serves_each_vendored_context() -> None:
    for url in jsonld.CONTEXT_FILES:
        remote = jsonld.document_loader(url, {})
        assert remote["documentUrl"] == url
        assert "@context" in remote["document"]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda d: d["credentialSubject"].update(favouriteColour="blue"), "favouriteColour"),
        (lambda d: d["credentialSubject"]["achievement"]["criteria"].update(secret={"a": 1}), "secret"),
        (lambda d: d["type"].append("HonoursCredential"), "HonoursCredential"),
        (lambda d: d.update(issuanceDate="2010-01-01T00:00:00Z"), "issuanceDate"),  # a VC 1.1 term
    ],
)
def test_an_undefined_term_is_refused_before_signing(change: Any, named: str) -> None:
    document = _json(VECTORS / "ob-v3p0-impl-guide" / "credential.json")
    change(document)
    key = Ed25519PrivateKey.generate()
    with pytest.raises(jsonld.UndefinedTerm, match=named):
        proof.sign(
            document, key, verification_method="https://example.edu/issuers/565049#k", created="2026-01-01T00:00:00Z"
        )


def test_base58_round_trip_keeps_leading_zeros() -> None:
    for data in [b"", b"\0", b"\0\0\x01", bytes(range(40))]:
        assert multibase.b58decode(multibase.b58encode(data)) == data
    with pytest.raises(multibase.MultibaseError):
        multibase.b58decode("0OIl")
