"""VC-JWT (Open Badges 3.0 §8.2): the credential as a JWS-signed JWT, ES256 with the P-256 key.

The JWT payload is the credential itself (without any embedded Data Integrity proof), plus
the registered claims OB 3.0 maps from it: `iss` = issuer.id, `jti` = id, `nbf` = validFrom,
`sub` = credentialSubject.id, `exp` = validUntil when there is one. The JOSE header carries
`alg`, `typ`, the `kid` of the issuer profile's key, and the public `jwk` itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jws
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import ECKey
from joserfc.util import urlsafe_b64encode

ALG = "ES256"


class JwtError(ValueError):
    """The token is malformed, or its signature or claims do not hold."""


def b64url(data: bytes) -> str:
    """base64url without padding (JOSE's encoding)."""
    return urlsafe_b64encode(data).decode("ascii")


def _epoch(value: str) -> int:
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


def claims_for(credential: dict[str, Any]) -> dict[str, Any]:
    """The credential (minus any proof) with the JWT registered claims OB 3.0 asks for."""
    payload = {k: v for k, v in credential.items() if k != "proof"}
    issuer = credential["issuer"]
    payload["iss"] = issuer["id"] if isinstance(issuer, dict) else issuer
    payload["jti"] = credential["id"]
    payload["nbf"] = _epoch(credential["validFrom"])
    subject = credential.get("credentialSubject") or {}
    if isinstance(subject, dict) and subject.get("id"):
        payload["sub"] = subject["id"]
    if credential.get("validUntil"):
        payload["exp"] = _epoch(credential["validUntil"])
    return payload


def encode(credential: dict[str, Any], key: ec.EllipticCurvePrivateKey, *, kid: str, jwk: dict[str, str]) -> str:
    """Sign `credential` as a compact VC-JWT (joserfc's JWS, ES256)."""
    header = {"alg": ALG, "typ": "JWT", "kid": kid, "jwk": jwk}
    payload = json.dumps(claims_for(credential), separators=(",", ":"), ensure_ascii=False).encode()
    return jws.serialize_compact(header, payload, ECKey.import_key(key), algorithms=[ALG])


def looks_like_jwt(text: str) -> bool:
    parts = text.strip().split(".")
    return len(parts) == 3 and all(parts[:2]) and text.strip().startswith("eyJ")


def decode_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and payload of a compact JWS, without checking anything."""
    if len(token.strip().split(".")) != 3:
        raise JwtError("a compact JWT has three parts")
    try:
        parsed = jws.extract_compact(token.strip().encode("ascii"))
        header, payload = parsed.protected, json.loads(parsed.payload)
    except (JoseError, UnicodeError, ValueError, TypeError):
        raise JwtError("the token's header or payload is not JSON") from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise JwtError("the token's header and payload must be JSON objects")
    return header, payload


def verify(token: str, resolve_key: Callable[[str], ec.EllipticCurvePublicKey | None]) -> dict[str, Any]:
    """Check the signature with the key the issuer publishes under `kid` (never the embedded
    `jwk` alone: anyone can embed a key) and the claims against the credential; return the
    credential (the payload without the JWT claims)."""
    header, payload = decode_unverified(token)
    if header.get("alg") != ALG:
        raise JwtError(f"unsupported algorithm {header.get('alg')!r}; expected {ALG}")
    key = resolve_key(str(header.get("kid", "")))
    if key is None:
        raise JwtError(f"unknown key id {header.get('kid')!r}")
    try:
        jws.deserialize_compact(token.strip(), ECKey.import_key(key), algorithms=[ALG])
    except (BadSignatureError, JoseError, ValueError):
        raise JwtError("the signature does not match the token") from None
    credential = {k: v for k, v in payload.items() if k not in {"iss", "jti", "nbf", "sub", "exp", "iat"}}
    try:
        expected = claims_for(credential)
    except (KeyError, TypeError, ValueError):
        raise JwtError("the token does not carry a credential") from None
    for claim in ("iss", "jti", "nbf", "sub", "exp"):
        if payload.get(claim) != expected.get(claim):
            raise JwtError(f"the {claim} claim does not match the credential")
    return credential
