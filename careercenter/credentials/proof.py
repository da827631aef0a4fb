"""W3C Data Integrity proofs with the `eddsa-rdfc-2022` cryptosuite (vc-di-eddsa §3.3).

transform: RDFC-1.0 canonical N-Quads of the document without `proof`;
proof configuration: the proof options (no `proofValue`) with the document's `@context`,
canonicalized the same way; hashData = SHA-256(proof config) ‖ SHA-256(document);
signature: Ed25519 over hashData; proofValue: multibase base58btc.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from careercenter.credentials import jsonld
from careercenter.credentials.multibase import MultibaseError, multibase_decode, multibase_encode

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"


class ProofError(ValueError):
    """The proof is missing, malformed, or does not match the document."""


@dataclass(frozen=True)
class Steps:
    """Every intermediate value, so tests can compare each with the public test vectors."""

    document_canon: str
    proof_canon: str
    document_hash: bytes
    proof_hash: bytes

    @property
    def hash_data(self) -> bytes:
        return self.proof_hash + self.document_hash


def proof_configuration(document: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    """The proof options as signed: no `proofValue`, with the document's `@context`."""
    config = {k: v for k, v in options.items() if k not in {"proofValue", "@context"}}
    if config.get("type") != PROOF_TYPE or config.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(f"expected a {PROOF_TYPE} with cryptosuite {CRYPTOSUITE}")
    if "@context" in document:
        config["@context"] = copy.deepcopy(document["@context"])
    return config


def hash_steps(document: dict[str, Any], options: dict[str, Any]) -> Steps:
    """Canonicalize the unsecured document and the proof configuration, and hash both."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    document_canon = jsonld.canonicalize(unsecured)
    proof_canon = jsonld.canonicalize(proof_configuration(document, options))
    return Steps(
        document_canon=document_canon,
        proof_canon=proof_canon,
        document_hash=hashlib.sha256(document_canon.encode("utf-8")).digest(),
        proof_hash=hashlib.sha256(proof_canon.encode("utf-8")).digest(),
    )


def sign(
    document: dict[str, Any],
    key: Ed25519PrivateKey,
    *,
    verification_method: str,
    created: str,
    proof_purpose: str = "assertionMethod",
    check_terms: bool = True,
    as_list: bool = False,
) -> dict[str, Any]:
    """Return a copy of `document` with an `eddsa-rdfc-2022` proof added.

    :param created: an XML Schema dateTime (e.g. "2026-01-01T00:00:00Z").
    :param check_terms: refuse the document if any term is not defined by its contexts
        (`jsonld.UndefinedTerm`). Only the test vectors, which use example contexts, skip it.
    :param as_list: put the proof in a one-element list (the OB 3.0 formal schema wants an array).
    """
    if "proof" in document:
        raise ProofError("the document already carries a proof")
    if check_terms:
        jsonld.assert_all_terms_defined(document)
    options = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    steps = hash_steps(document, options)
    signed = copy.deepcopy(document)
    made = {**options, "proofValue": multibase_encode(key.sign(steps.hash_data))}
    signed["proof"] = [made] if as_list else made
    return signed


def verify(
    document: dict[str, Any],
    resolve_key: Callable[[str], Ed25519PublicKey | None],
    *,
    expected_purpose: str = "assertionMethod",
) -> dict[str, Any]:
    """Check `document`'s proof; return the proof, or raise `ProofError` saying why not.

    :param resolve_key: maps a verificationMethod id to the public key the verifier trusts
        for it (None: not a key we know).
    """
    proof = document.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    if not isinstance(proof, dict):
        raise ProofError("the credential has no single Data Integrity proof")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(f"unsupported proof: {proof.get('type')}/{proof.get('cryptosuite')}")
    if proof.get("proofPurpose") != expected_purpose:
        raise ProofError(f"the proof purpose is not {expected_purpose}")
    method = proof.get("verificationMethod")
    key = resolve_key(method) if isinstance(method, str) else None
    if key is None:
        raise ProofError(f"unknown verification method {method!r}")
    try:
        signature = multibase_decode(str(proof.get("proofValue", "")))
    except MultibaseError as exc:
        raise ProofError(f"malformed proofValue: {exc}") from None
    try:
        jsonld.assert_all_terms_defined({k: v for k, v in document.items() if k != "proof"})
        steps = hash_steps(document, proof)
    except jsonld.JsonLdFailure as exc:
        raise ProofError(str(exc)) from None
    try:
        key.verify(signature, steps.hash_data)
    except InvalidSignature:
        raise ProofError("the signature does not match the document") from None
    return proof
