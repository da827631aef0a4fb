"""STARTTLS and authentication over TLS against a real aiosmtpd server with a test certificate."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from careercenter.notify import delivery
from careercenter.notify.models import OutboxState
from careercenter.notify.service import queue_message
from careercenter.notify.worker import deliver_due
from tests.peers.smtp import free_port


def _certificate(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "smtp test relay")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "relay.pem", tmp / "relay.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


class _Handler:
    def __init__(self) -> None:
        self.received: list[tuple[bool, str | None]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        self.received.append((session.ssl is not None, login))
        return "250 Message accepted for delivery"


@pytest.fixture()
def tls_relay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    cert, key = _certificate(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    handler = _Handler()

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"careers", b"pw-123")
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=server_context,
        require_starttls=True,
        authenticator=authenticate,
        auth_require_tls=True,
    )
    controller.start()
    # The relay's certificate is trusted the way a campus CA would be: through the default context.
    original = ssl.create_default_context
    monkeypatch.setattr(delivery.ssl, "create_default_context", lambda *a, **kw: original(cafile=str(cert)))
    try:
        yield controller, handler
    finally:
        controller.stop()


def test_starttls_then_login(app: Any, session: Any, tls_relay: Any) -> None:
    controller, handler = tls_relay
    message = queue_message(session, to="pat@example.com", subject="Confirm", text="Hello", kind="test")
    session.commit()
    base = {**app.config, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": controller.port, "SMTP_TIMEOUT": 5}
    # Without STARTTLS the relay refuses: the message stays queued with that error.
    assert deliver_due(session, base).retrying == 1
    session.refresh(message)
    assert message.state is OutboxState.QUEUED and "STARTTLS" in message.last_error
    config = {**base, "SMTP_STARTTLS": True, "SMTP_USERNAME": "careers", "SMTP_PASSWORD": "pw-123"}
    later = message.next_attempt_at
    assert deliver_due(session, config, now=later).sent == 1
    assert handler.received == [(True, "careers")]
