"""`flask doctor` against the real peers, each once healthy and once broken."""

from __future__ import annotations

import socket
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from careercenter.db import utcnow
from careercenter.doctor import run_checks
from tests.peers.ldap import READER_DN, READER_PASSWORD
from tests.peers.oidc import OidcClient


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_cert(tmp_path: Path, *, days: int = 365, name: str = "signing", other_key: bool = False) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    cert_key = ec.generate_private_key(ec.SECP256R1()) if other_key else key
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Example State University transcripts")])
    now = utcnow()
    start, end = (
        (now - timedelta(days=400), now - timedelta(days=1))
        if days < 0
        else (now - timedelta(days=1), now + timedelta(days=days))
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(cert_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .sign(cert_key, hashes.SHA256())
    )
    key_path, cert_path = tmp_path / f"{name}-key.pem", tmp_path / f"{name}-cert.pem"
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(key_path), str(cert_path)


@pytest.fixture()
def provider(oidc_provider_factory: Any) -> Any:
    client = OidcClient(client_id="doctor", client_secret="doctor-secret", redirect_uris=("http://127.0.0.1/cb",))
    return oidc_provider_factory(client=client, accounts={"u1": {"sub": "u1"}})


@pytest.fixture()
def healthy(tmp_path: Path, slapd: Any, smtp_server: Any, provider: Any) -> dict[str, Any]:
    key, cert = make_cert(tmp_path)
    return {
        "SECRET_KEY": "Zq8-vL2pR7xT4mN9bK3cW6yH1sD5fG0jA",
        "OIDC_ISSUER": provider.issuer,
        "OIDC_CLIENT_ID": "doctor",
        "OIDC_CLIENT_SECRET": "doctor-secret",
        "LDAP_URL": slapd.ldap_uri,
        "LDAP_BIND_DN": READER_DN,
        "LDAP_BIND_PASSWORD": READER_PASSWORD,
        "SMTP_HOST": smtp_server.host,
        "SMTP_PORT": smtp_server.port,
        "SIGNING_KEY": key,
        "SIGNING_CERT": cert,
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
    }


def statuses(app: Any, **opts: Any) -> dict[str, tuple[str, str]]:
    return {r.name: (r.status, r.detail) for r in run_checks(app, **opts)}


def test_all_healthy(make_app: Any, healthy: dict[str, Any]) -> None:
    result = statuses(make_app(**healthy))
    for name in ("database", "oidc", "ldap", "smtp", "signing", "rate limits"):
        assert result[name][0] == "OK", (name, result[name])
    assert "migrations at head" in result["database"][1]
    assert "discovery and JWKS" in result["oidc"][1]


def test_cli_prints_one_line_per_check_and_no_secret(make_app: Any, healthy: dict[str, Any]) -> None:
    app = make_app(**healthy, SMTP_USERNAME=None)
    result = app.test_cli_runner().invoke(args=["doctor"])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 0, result.output
    # 8 from main's checks, + saml, cas and the registrar's award documents
    assert len(lines) == 11 and all(line.split()[0] in {"OK", "WARN"} for line in lines)
    assert READER_PASSWORD not in result.output and healthy["SECRET_KEY"] not in result.output


@pytest.mark.parametrize(
    ("change", "name", "words"),
    [
        ({"LDAP_BIND_PASSWORD": "wrong"}, "ldap", "refused: check CAREERCENTER_LDAP_BIND_PASSWORD"),
        ({"LDAP_URL": "ldap://127.0.0.1:{port}"}, "ldap", "check CAREERCENTER_LDAP_URL"),
        ({"SMTP_PORT": "{port}"}, "smtp", "check CAREERCENTER_SMTP_HOST/_PORT"),
        ({"OIDC_ISSUER": "http://127.0.0.1:{port}"}, "oidc", "discovery at"),
        ({"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:{port}/0"}, "rate limits", "Redis unreachable"),
        ({"database_url": "postgresql://nobody@127.0.0.1:{port}/x"}, "database", "database unreachable"),
    ],
)
def test_a_broken_peer_is_named_in_one_line(
    make_app: Any, healthy: dict[str, Any], change: dict[str, Any], name: str, words: str
) -> None:
    port = free_port()
    settings = {**healthy, **{k: (v.format(port=port) if isinstance(v, str) else v) for k, v in change.items()}}
    if "SMTP_PORT" in change:
        settings["SMTP_PORT"] = port
    app = make_app(**settings)
    result = app.test_cli_runner().invoke(args=["doctor"])
    assert result.exit_code == 1
    failed = [line for line in result.output.splitlines() if line.startswith("FAIL")]
    assert len(failed) == 1 and failed[0].split()[1] == name.split()[0] and words in failed[0], result.output
    assert "wrong" not in result.output


def test_directory_down(make_app: Any, healthy: dict[str, Any], slapd: Any) -> None:
    app = make_app(**healthy)
    with slapd.outage():
        status, detail = statuses(app)["ldap"]
    assert status == "FAIL" and "check CAREERCENTER_LDAP_URL" in detail


def test_provider_stopped(make_app: Any, healthy: dict[str, Any], provider: Any) -> None:
    app = make_app(**healthy)
    provider.stop()
    try:
        status, detail = statuses(app)["oidc"]
    finally:
        provider.start()
    assert status == "FAIL" and "discovery at" in detail


def test_expired_mismatched_and_soon_expiring_certificates(
    make_app: Any, healthy: dict[str, Any], tmp_path: Path
) -> None:
    key, cert = make_cert(tmp_path, days=-1, name="expired")
    assert statuses(make_app(**{**healthy, "SIGNING_KEY": key, "SIGNING_CERT": cert}))["signing"][0] == "FAIL"
    key, cert = make_cert(tmp_path, name="mismatch", other_key=True)
    status, detail = statuses(make_app(**{**healthy, "SIGNING_KEY": key, "SIGNING_CERT": cert}))["signing"]
    assert status == "FAIL" and "CAREERCENTER_SIGNING_KEY does not belong to CAREERCENTER_SIGNING_CERT" in detail
    key, cert = make_cert(tmp_path, days=10, name="soon")
    status, detail = statuses(make_app(**{**healthy, "SIGNING_KEY": key, "SIGNING_CERT": cert}))["signing"]
    assert status == "WARN" and "renew it soon" in detail


def test_send_test_message(make_app: Any, healthy: dict[str, Any], smtp_server: Any) -> None:
    smtp_server.reset()
    app = make_app(**healthy)
    result = app.test_cli_runner().invoke(args=["doctor", "--send-test-to", "ops@example.edu"])
    assert "test message sent to ops@example.edu" in result.output
    received = smtp_server.wait_for(1)
    assert list(received[0].rcpt_tos) == ["ops@example.edu"] and "careercenter doctor" in received[0].subject


def test_passphrase_protected_key_is_read_like_issuing_reads_it(
    make_app: Any, healthy: dict[str, Any], tmp_path: Path
) -> None:
    key_path, cert_path = make_cert(tmp_path, name="locked")
    key = serialization.load_pem_private_key(Path(key_path).read_bytes(), password=None)
    Path(key_path).write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"open sesame"),
        )
    )
    settings = {**healthy, "SIGNING_KEY": key_path, "SIGNING_CERT": cert_path}
    assert statuses(make_app(**settings))["signing"][0] == "FAIL"
    status, detail = statuses(make_app(**settings, SIGNING_KEY_PASSPHRASE="open sesame"))["signing"]
    assert status == "OK" and "open sesame" not in detail


def test_credential_key_missing_in_production_fails(make_app: Any, healthy: dict[str, Any], tmp_path: Path) -> None:
    status, detail = statuses(make_app(**{**healthy, "VC_SIGNING_KEY": str(tmp_path / "missing.pem")}))["vc key"]
    assert status == "FAIL" and "cannot be read" in detail
    assert statuses(make_app(**healthy))["vc key"][0] == "OK"
