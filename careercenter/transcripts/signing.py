"""The institution's signing key: made for development, loaded once per process, used by pyHanko.

Loading a private key is the slow part of a signature (tens of milliseconds for RSA), and
pyHanko's `SimpleSigner` parses it again for every signature; `CachedKeySigner` keeps the
parsed key. The signer for an app is built the first time it is needed and reused after.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from flask import Flask
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from careercenter.db import utcnow

log = logging.getLogger(__name__)

#: Where `flask doctor` (careercenter/doctor.py) looks for the development pair too.
DEV_DIR = "signing"
DEV_KEY = "key.pem"
DEV_CERT = "cert.pem"
FIELD_NAME = "InstitutionSignature"
_EXTENSION_KEY = "careercenter.transcripts.signer"
_lock = threading.Lock()


class SigningUnavailable(Exception):
    """No usable key and certificate; the message says what to configure."""


class CachedKeySigner(signers.SimpleSigner):
    """A pyHanko `SimpleSigner` that signs with a key parsed once, not on every signature."""

    def __init__(self, *, private_key: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._private_key = private_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        key = self._private_key
        if mechanism == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(hash_algo))
        if mechanism == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), hash_algo)
        return super().sign_raw(data, digest_algorithm)


@dataclass(frozen=True)
class LoadedSigner:
    signer: CachedKeySigner
    #: Space for the CMS blob (hex digits), so pyHanko skips its sizing dry run.
    bytes_reserved: int
    cert_path: str
    subject: str


def dev_paths(instance_path: str) -> tuple[Path, Path]:
    base = Path(instance_path) / DEV_DIR
    return base / DEV_KEY, base / DEV_CERT


def configured_paths(app: Flask) -> tuple[Path, Path]:
    """The key and certificate files in use: configured ones, else the development pair."""
    key, cert = app.config.get("SIGNING_KEY"), app.config.get("SIGNING_CERT")
    if key and cert:
        return Path(key), Path(cert)
    if key or cert:
        raise SigningUnavailable("set both CAREERCENTER_SIGNING_KEY and CAREERCENTER_SIGNING_CERT, or neither")
    if app.config.get("IS_PRODUCTION"):
        raise SigningUnavailable(
            "transcripts need the institution's key: set CAREERCENTER_SIGNING_KEY and CAREERCENTER_SIGNING_CERT"
        )
    return dev_paths(app.instance_path)


def make_dev_signing_cert(instance_path: str, institution: str, *, force: bool = False) -> tuple[Path, Path, bool]:
    """Write a self-signed EC P-256 key and certificate into the instance folder.

    Returns (key path, cert path, whether they were made now). An existing pair is kept
    unless `force`.
    """
    key_path, cert_path = dev_paths(instance_path)
    if key_path.exists() and cert_path.exists() and not force:
        return key_path, cert_path, False
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"{institution} transcripts (development)"[:64]),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, institution[:64]),
        ]
    )
    now = utcnow()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=3 * 365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    tmp_key = key_path.with_suffix(".tmp")
    fd = os.open(tmp_key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem_key)
    os.replace(tmp_key, key_path)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path, True


def _read_certs(path: Path) -> list[x509.Certificate]:
    data = path.read_bytes()
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def _load(app: Flask) -> LoadedSigner:
    key_path, cert_path = configured_paths(app)
    if not key_path.is_file() or not cert_path.is_file():
        if app.config.get("SIGNING_KEY"):
            raise SigningUnavailable(f"signing key or certificate file not found: {key_path}, {cert_path}")
        raise SigningUnavailable("no development signing key yet: run flask transcripts make-dev-signing-cert")
    passphrase = app.config.get("SIGNING_KEY_PASSPHRASE")
    try:
        raw = key_path.read_bytes()
        password = passphrase.encode() if passphrase else None
        if b"-----BEGIN" in raw:
            private_key = serialization.load_pem_private_key(raw, password=password)
        else:
            private_key = serialization.load_der_private_key(raw, password=password)
        certs = _read_certs(cert_path)
    except (OSError, ValueError, TypeError) as exc:
        # The exception text never contains key material or the passphrase.
        raise SigningUnavailable(f"cannot read the signing key or certificate: {type(exc).__name__}") from None
    chain: list[x509.Certificate] = []
    for item in str(app.config.get("SIGNING_CHAIN") or "").split(","):
        if item.strip():
            try:
                chain.extend(_read_certs(Path(item.strip())))
            except (OSError, ValueError) as exc:
                raise SigningUnavailable(f"cannot read the signing chain {item.strip()}: {exc}") from None
    cert = certs[0]
    if cert.public_key().public_numbers() != private_key.public_key().public_numbers():  # type: ignore[union-attr]
        raise SigningUnavailable("CAREERCENTER_SIGNING_KEY does not belong to CAREERCENTER_SIGNING_CERT")
    der_key = private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    registry = SimpleCertificateStore()
    others = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in certs[1:] + chain]
    registry.register_multiple(others)
    signer = CachedKeySigner(
        private_key=private_key,
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
        cert_registry=registry,
    )
    cert_bytes = sum(len(c.public_bytes(serialization.Encoding.DER)) for c in certs + chain)
    # The CMS blob holds the certificates, the signed attributes (< 1 KiB) and the signature
    # (< 1 KiB even for RSA-4096); it is written as hex, hence twice the bytes.
    reserved = 2 * (cert_bytes + 4096)
    subject = cert.subject.rfc4514_string()
    log.info("transcript signing key loaded for %s", subject)
    return LoadedSigner(signer, reserved, str(cert_path), subject)


def get_signer(app: Flask) -> LoadedSigner:
    """The app's signer, loaded on first use and kept for the life of the process."""
    loaded = app.extensions.get(_EXTENSION_KEY)
    if loaded is None:
        with _lock:
            loaded = app.extensions.get(_EXTENSION_KEY)
            if loaded is None:
                loaded = _load(app)
                app.extensions[_EXTENSION_KEY] = loaded
    return loaded


def forget_signer(app: Flask) -> None:
    """Drop the cached signer (after the key files changed)."""
    app.extensions.pop(_EXTENSION_KEY, None)


def sign_pdf(loaded: LoadedSigner, pdf: bytes, *, reason: str, location: str) -> bytes:
    """Sign `pdf` (PAdES B-B) over the whole file; return the signed bytes."""
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
    )

    def run() -> bytes:
        writer = IncrementalPdfFileWriter(BytesIO(pdf))
        pdf_signer = signers.PdfSigner(meta, signer=loaded.signer)
        return pdf_signer.sign_pdf(writer, bytes_reserved=loaded.bytes_reserved).getvalue()

    # pyHanko's synchronous API calls asyncio.run(), which cannot run inside a thread that
    # already runs an event loop (an async server, an embedding tool): sign in a helper thread then.
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return run()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="transcript-sign") as pool:
        return pool.submit(run).result()
