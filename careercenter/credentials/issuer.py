"""The issuer: the institution's HTTPS issuer profile (`GET /issuer`) and the keys it publishes.

The current issuing key signs; retired keys (`VC_RETIRED_KEYS`) stay published so that the
credentials they signed keep verifying.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from careercenter.credentials import builders, jsonld
from careercenter.credentials.keys import published_keys

Config = Mapping[str, Any]


def issuer_id(config: Config) -> str:
    """The issuer: the institution's HTTPS issuer profile, served at `GET /issuer`."""
    return f"{config['PUBLIC_URL']}/issuer"


def issuer_info(config: Config) -> builders.IssuerInfo:
    return builders.IssuerInfo(id=issuer_id(config), name=config["INSTITUTION_NAME"], url=config["PUBLIC_URL"])


def verification_method_id(config: Config, multikey: str) -> str:
    """The id of an Ed25519 key: the profile URL with the Multikey as fragment."""
    return f"{issuer_id(config)}#{multikey}"


def jwt_kid(config: Config, thumbprint: str) -> str:
    """The `kid` of a P-256 key: the profile URL with the JWK thumbprint as fragment."""
    return f"{issuer_id(config)}#{thumbprint}"


def status_list_url(config: Config, list_id: int) -> str:
    return f"{config['PUBLIC_URL']}/credentials/status/{list_id}"


def issuer_profile(config: Config) -> dict[str, Any]:
    """The issuer profile document with its public keys (Multikey for Data Integrity proofs,
    JsonWebKey for VC-JWT), in the shape of a controlled identifier document."""
    me = issuer_id(config)
    methods: list[dict[str, Any]] = []
    for key in published_keys(config):
        if key.multikey:
            methods.append(
                {
                    "id": verification_method_id(config, key.multikey),
                    "type": "Multikey",
                    "controller": me,
                    "publicKeyMultibase": key.multikey,
                }
            )
        if key.thumbprint:
            methods.append(
                {"id": jwt_kid(config, key.thumbprint), "type": "JsonWebKey", "controller": me, "publicKeyJwk": key.jwk}
            )
    return {
        "@context": [jsonld.VC_V2, jsonld.OB_V3P0, "https://www.w3.org/ns/cid/v1"],
        "id": me,
        "type": ["Profile"],
        "name": config["INSTITUTION_NAME"],
        "url": config["PUBLIC_URL"],
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }


def ed25519_resolver(config: Config) -> Callable[[str], Ed25519PublicKey | None]:
    """verificationMethod id → the published Ed25519 key it names (None: not ours)."""
    known = {verification_method_id(config, k.multikey): k.ed25519 for k in published_keys(config) if k.multikey}
    return known.get  # type: ignore[return-value]


def p256_resolver(config: Config) -> Callable[[str], ec.EllipticCurvePublicKey | None]:
    """JWT `kid` → the published P-256 key it names (None: not ours)."""
    known = {jwt_kid(config, k.thumbprint): k.p256 for k in published_keys(config) if k.thumbprint}
    return known.get  # type: ignore[return-value]
