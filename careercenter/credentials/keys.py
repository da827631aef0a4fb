"""The issuing key: Ed25519 for Data Integrity proofs, EC P-256 for VC-JWT (ES256).

`VC_SIGNING_KEY` (env `CAREERCENTER_VC_SIGNING_KEY`) is either the path of a PEM file or the
PEM text itself, holding both private keys (two PKCS#8 blocks, in any order). Outside
production, when it is unset, the file `vc_signing_key.pem` in the instance folder is used;
`flask credentials make-dev-key` (or the demo step) makes it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app
from joserfc.jwk import ECKey, thumbprint

from careercenter.credentials.multibase import encode_ed25519_public

DEV_KEY_FILE = "vc_signing_key.pem"
_PEM_BLOCK = re.compile(rb"-----BEGIN [A-Z ]+-----.+?-----END [A-Z ]+-----", re.S)


class SigningKeyError(RuntimeError):
    """The issuing key is missing or unusable; the message says what to configure."""


def public_jwk(key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    """The public JWK (kty, crv, x, y) of a P-256 key."""
    return {str(k): str(v) for k, v in ECKey.import_key(key).as_dict(private=False).items()}


def jwk_thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638 thumbprint (SHA-256) of a public JWK."""
    return thumbprint(jwk)


@dataclass(frozen=True)
class PublishedKey:
    """A public key the issuer profile lists: the current one, or a retired one that still
    vouches for the credentials it signed."""

    ed25519: Ed25519PublicKey | None = None
    p256: ec.EllipticCurvePublicKey | None = None

    @property
    def multikey(self) -> str | None:
        return encode_ed25519_public(self.ed25519.public_bytes_raw()) if self.ed25519 else None

    @property
    def jwk(self) -> dict[str, str] | None:
        return public_jwk(self.p256) if self.p256 else None

    @property
    def thumbprint(self) -> str | None:
        jwk = self.jwk
        return jwk_thumbprint(jwk) if jwk else None


@dataclass(frozen=True)
class IssuerKeys:
    ed25519: Ed25519PrivateKey
    p256: ec.EllipticCurvePrivateKey

    @cached_property
    def multikey(self) -> str:
        """`publicKeyMultibase` of the Ed25519 key (`z6Mk…`)."""
        return encode_ed25519_public(self.ed25519.public_key().public_bytes_raw())

    @cached_property
    def public_jwk(self) -> dict[str, str]:
        return public_jwk(self.p256.public_key())

    @cached_property
    def jwk_thumbprint(self) -> str:
        return jwk_thumbprint(self.public_jwk)

    def ed25519_public(self) -> Ed25519PublicKey:
        return self.ed25519.public_key()

    def published(self) -> PublishedKey:
        return PublishedKey(self.ed25519.public_key(), self.p256.public_key())


def generate_pem() -> bytes:
    """A fresh pair of private keys (Ed25519 and P-256) as one PEM text."""
    out = b""
    for key in (Ed25519PrivateKey.generate(), ec.generate_private_key(ec.SECP256R1())):
        out += key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    return out


def parse_pem(data: bytes) -> IssuerKeys:
    """Read the two private keys out of PEM text; `SigningKeyError` if either is missing."""
    ed: Ed25519PrivateKey | None = None
    p256: ec.EllipticCurvePrivateKey | None = None
    for block in _PEM_BLOCK.findall(data):
        try:
            key = serialization.load_pem_private_key(block, password=None)
        except (ValueError, TypeError):
            continue
        if isinstance(key, Ed25519PrivateKey):
            ed = key
        elif isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
            p256 = key
    if ed is None or p256 is None:
        raise SigningKeyError(
            "VC_SIGNING_KEY must hold an unencrypted Ed25519 and an EC P-256 private key (PKCS#8 PEM); "
            "make one with: flask credentials make-dev-key"
        )
    return IssuerKeys(ed, p256)


def dev_key_path(instance_path: str) -> Path:
    return Path(instance_path) / DEV_KEY_FILE


def write_dev_key(instance_path: str, *, force: bool = False) -> tuple[Path, bool]:
    """Make the development key file (mode 0600) unless it exists; return (path, made)."""
    path = dev_key_path(instance_path)
    if path.exists() and not force:
        return path, False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(generate_pem())
    tmp.replace(path)
    return path, True


_CACHE: dict[tuple[str, float], IssuerKeys] = {}


def _load(source: str) -> IssuerKeys:
    if source.lstrip().startswith("-----BEGIN"):
        return parse_pem(source.encode())
    path = Path(source)
    try:
        stamp = path.stat().st_mtime
    except OSError:
        raise SigningKeyError(f"VC_SIGNING_KEY names {source!r}, which cannot be read") from None
    cached = _CACHE.get((source, stamp))
    if cached is None:
        cached = _CACHE[(source, stamp)] = parse_pem(path.read_bytes())
    return cached


def issuer_keys(config: Any | None = None) -> IssuerKeys:
    """The configured issuing keys (cached per file), or `SigningKeyError`."""
    config = config if config is not None else current_app.config
    source = config.get("VC_SIGNING_KEY")
    if not source:
        if config.get("IS_PRODUCTION"):
            raise SigningKeyError("production needs CAREERCENTER_VC_SIGNING_KEY (the credential-issuing key)")
        instance = current_app.instance_path
        path = dev_key_path(instance)
        if not path.exists():
            if config.get("ENV_NAME") != "testing":
                raise SigningKeyError("no credential-issuing key: run `flask credentials make-dev-key`")
            write_dev_key(instance)  # a throwaway test instance folder
        source = str(path)
    return _load(str(source))


def parse_public_pem(data: bytes) -> list[PublishedKey]:
    """Every Ed25519 or P-256 key in PEM text (public or private blocks), as public keys."""
    out: list[PublishedKey] = []
    for block in _PEM_BLOCK.findall(data):
        try:
            if b"PRIVATE KEY" in block.split(b"\n", 1)[0]:
                key: Any = serialization.load_pem_private_key(block, password=None).public_key()
            else:
                key = serialization.load_pem_public_key(block)
        except (ValueError, TypeError):
            raise SigningKeyError("VC_RETIRED_KEYS holds a PEM block that is not a readable key") from None
        if isinstance(key, Ed25519PublicKey):
            out.append(PublishedKey(ed25519=key))
        elif isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
            out.append(PublishedKey(p256=key))
        else:
            raise SigningKeyError("VC_RETIRED_KEYS may hold only Ed25519 and EC P-256 keys")
    return out


def retired_keys(config: Any | None = None) -> list[PublishedKey]:
    """Earlier issuing keys (`VC_RETIRED_KEYS`: a PEM file path or PEM text), still published
    so that the credentials they signed keep verifying; never used to sign."""
    config = config if config is not None else current_app.config
    source = config.get("VC_RETIRED_KEYS")
    if not source:
        return []
    if str(source).lstrip().startswith("-----BEGIN"):
        return parse_public_pem(str(source).encode())
    try:
        return parse_public_pem(Path(source).read_bytes())
    except OSError:
        raise SigningKeyError(f"VC_RETIRED_KEYS names {source!r}, which cannot be read") from None


def published_keys(config: Any | None = None) -> list[PublishedKey]:
    """The current key first, then the retired ones."""
    return [issuer_keys(config).published(), *retired_keys(config)]
