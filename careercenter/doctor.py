"""`flask doctor`: check every configured integration, one line each, exit 1 on any FAIL.

Each check has its own timeout and says, in a few words, what is wrong and what to change.
No secret is ever printed: URLs are shown without passwords, keys only by their kind.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import click
import requests
from flask import Flask, current_app
from flask.cli import with_appcontext

from careercenter.checks import CERT_WARN_DAYS, CHECKS, TIMEOUT, CheckFunc, Result
from careercenter.checks import one_line as _one_line
from careercenter.config import MIN_SECRET_KEY_LENGTH, ConfigError
from careercenter.db import utcnow


def check_database(app: Flask, _opts: dict[str, Any]) -> Iterator[Result]:
    from careercenter.preflight import UPGRADE_HINT, database_status

    try:
        current, head = database_status(app)
    except ConfigError as exc:
        yield Result("FAIL", "database", f"{exc}; check DATABASE_URL and that the server runs")
        return
    if current is None:
        yield Result("FAIL", "database", f"reachable but empty: {UPGRADE_HINT}")
    elif current != head:
        yield Result("FAIL", "database", f"at migration {current}, latest is {head}: {UPGRADE_HINT}")
    else:
        yield Result("OK", "database", f"reachable, migrations at head ({head})")


def check_secret_key(app: Flask, _opts: dict[str, Any]) -> Iterator[Result]:
    key = app.config.get("SECRET_KEY") or ""
    if len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < 10:
        status = "FAIL" if app.config["IS_PRODUCTION"] else "WARN"
        yield Result(status, "secret key", f"weak: set SECRET_KEY to {MIN_SECRET_KEY_LENGTH}+ random characters")
    elif not app.config["IS_PRODUCTION"]:
        yield Result("WARN", "secret key", "strong, but generated for development (instance/secret_key)")
    else:
        yield Result("OK", "secret key", f"{len(key)} characters")


def check_oidc(app: Flask, _opts: dict[str, Any]) -> Iterator[Result]:
    issuer = app.config.get("OIDC_ISSUER")
    if not issuer:
        # A campus signing in through SAML or CAS instead needs no OIDC.
        other = app.config.get("SAML_IDP_METADATA") or app.config.get("CAS_SERVER_URL")
        status = "WARN" if app.config["IS_PRODUCTION"] and not other else "OK"
        yield Result(status, "oidc", "not configured (CAREERCENTER_OIDC_ISSUER)")
        return
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=TIMEOUT)
        response.raise_for_status()
        metadata = response.json()
    except (requests.RequestException, ValueError) as exc:
        yield Result("FAIL", "oidc", f"discovery at {url} failed: {_one_line(exc)}; check CAREERCENTER_OIDC_ISSUER")
        return
    if metadata.get("issuer") != issuer:
        yield Result("FAIL", "oidc", f"provider says its issuer is {metadata.get('issuer')!r}, not {issuer!r}")
        return
    try:
        jwks = requests.get(metadata["jwks_uri"], timeout=TIMEOUT)
        jwks.raise_for_status()
        keys = jwks.json().get("keys", [])
    except (requests.RequestException, ValueError, KeyError) as exc:
        yield Result("FAIL", "oidc", f"JWKS fetch failed: {_one_line(exc)}")
        return
    if not keys:
        yield Result("FAIL", "oidc", "the provider publishes no signing keys")
        return
    if not app.config.get("OIDC_CLIENT_ID") or not app.config.get("OIDC_CLIENT_SECRET"):
        yield Result("FAIL", "oidc", "set CAREERCENTER_OIDC_CLIENT_ID and CAREERCENTER_OIDC_CLIENT_SECRET")
        return
    yield Result("OK", "oidc", f"discovery and JWKS ({len(keys)} key(s)) at {issuer}")


def check_ldap(app: Flask, opts: dict[str, Any]) -> Iterator[Result]:
    url = app.config.get("LDAP_URL")
    if not url:
        yield Result("WARN" if app.config["IS_PRODUCTION"] else "OK", "ldap", "not configured (CAREERCENTER_LDAP_URL)")
        return
    import ldap

    try:
        conn = ldap.initialize(url)
        conn.set_option(ldap.OPT_NETWORK_TIMEOUT, TIMEOUT)
        conn.set_option(ldap.OPT_TIMEOUT, TIMEOUT)
        conn.set_option(ldap.OPT_REFERRALS, 0)
        if app.config.get("LDAP_STARTTLS"):
            conn.start_tls_s()
        conn.simple_bind_s(app.config.get("LDAP_BIND_DN") or "", app.config.get("LDAP_BIND_PASSWORD") or "")
    except ldap.INVALID_CREDENTIALS:
        yield Result(
            "FAIL", "ldap", f"bind as {app.config.get('LDAP_BIND_DN')!r} refused: check CAREERCENTER_LDAP_BIND_PASSWORD"
        )
        return
    except ldap.LDAPError as exc:
        desc = exc.args[0].get("desc", "error") if exc.args and isinstance(exc.args[0], dict) else _one_line(exc)
        yield Result("FAIL", "ldap", f"{url}: {desc}; check CAREERCENTER_LDAP_URL and that the directory runs")
        return
    yield Result("OK", "ldap", f"bound to {url} as {app.config.get('LDAP_BIND_DN') or 'anonymous'}")
    user = opts.get("user")
    if user:
        yield from _ldap_user(app, user)
    conn.unbind_s()


def _ldap_user(app: Flask, user: str) -> Iterator[Result]:
    """Look the person up as a sign-in would and say which roles they would get."""
    try:
        from careercenter.sso import directory as directory_module  # built by the sign-in domain
    except ImportError:
        yield Result("WARN", "ldap user", "person lookup is not available in this build")
        return
    lookup = getattr(directory_module, "doctor_lookup", None)
    if lookup is None:
        yield Result("WARN", "ldap user", "person lookup is not available in this build")
        return
    status, detail = lookup(app, user)
    yield Result(status, "ldap user", detail)


def check_smtp(app: Flask, opts: dict[str, Any]) -> Iterator[Result]:
    host = app.config.get("SMTP_HOST")
    if not host:
        status = "FAIL" if app.config["IS_PRODUCTION"] else "WARN"
        yield Result(status, "smtp", "not configured: mail stays in the outbox (set CAREERCENTER_SMTP_HOST)")
        return
    port = int(app.config.get("SMTP_PORT") or 25)
    try:
        with smtplib.SMTP(host, port, timeout=TIMEOUT) as smtp:
            smtp.ehlo()
            steps = ["connected"]
            if app.config.get("SMTP_STARTTLS"):
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
                steps.append("STARTTLS")
            if app.config.get("SMTP_USERNAME"):
                smtp.login(app.config["SMTP_USERNAME"], app.config.get("SMTP_PASSWORD") or "")
                steps.append("logged in")
            target = opts.get("send_test_to")
            if target:
                message = EmailMessage()
                message["From"] = app.config["MAIL_FROM"]
                message["To"] = target
                message["Subject"] = f"careercenter doctor: test message from {app.config['INSTITUTION_NAME']}"
                message.set_content("This is a test message sent by `flask doctor --send-test-to`.\n")
                smtp.send_message(message)
                steps.append(f"test message sent to {target}")
    except smtplib.SMTPAuthenticationError:
        yield Result("FAIL", "smtp", f"{host}:{port} refused the login: check CAREERCENTER_SMTP_USERNAME/_PASSWORD")
        return
    except smtplib.SMTPNotSupportedError:
        yield Result(
            "FAIL", "smtp", f"{host}:{port} offers no STARTTLS: unset CAREERCENTER_SMTP_STARTTLS or fix the relay"
        )
        return
    except (OSError, smtplib.SMTPException) as exc:
        yield Result("FAIL", "smtp", f"{host}:{port}: {_one_line(exc)}; check CAREERCENTER_SMTP_HOST/_PORT")
        return
    yield Result("OK", "smtp", f"{host}:{port} " + ", ".join(steps))


def check_signing(app: Flask, _opts: dict[str, Any]) -> Iterator[Result]:
    """Load the transcript signing key exactly as issuing does, then look at the certificate."""
    from cryptography import x509

    from careercenter.transcripts.signing import SigningUnavailable, forget_signer, get_signer

    forget_signer(app)
    try:
        loaded = get_signer(app)
    except SigningUnavailable as exc:
        status = "FAIL" if app.config["IS_PRODUCTION"] or app.config.get("SIGNING_KEY") else "WARN"
        yield Result(status, "signing", str(exc))
        return
    finally:
        forget_signer(app)
    cert = x509.load_pem_x509_certificates(Path(loaded.cert_path).read_bytes())[0]
    now = utcnow()
    expires = cert.not_valid_after_utc
    if expires <= now:
        yield Result("FAIL", "signing", f"the certificate expired on {expires:%Y-%m-%d}: renew it")
    elif cert.not_valid_before_utc > now:
        yield Result("FAIL", "signing", f"the certificate is not valid before {cert.not_valid_before_utc:%Y-%m-%d}")
    elif expires - now < timedelta(days=CERT_WARN_DAYS):
        yield Result("WARN", "signing", f"the certificate expires on {expires:%Y-%m-%d}: renew it soon")
    else:
        yield Result("OK", "signing", f"key and certificate match ({loaded.subject}), valid until {expires:%Y-%m-%d}")


def check_credential_key(app: Flask, _opts: dict[str, Any]) -> Iterator[Result]:
    """The Open Badges / CLR issuing key (Ed25519 + P-256) loads."""
    from careercenter.credentials.keys import SigningKeyError, issuer_keys

    try:
        keys = issuer_keys(app.config)
    except SigningKeyError as exc:
        status = "FAIL" if app.config["IS_PRODUCTION"] or app.config.get("VC_SIGNING_KEY") else "WARN"
        yield Result(status, "vc key", str(exc))
        return
    yield Result("OK", "vc key", f"Ed25519 and P-256 issuing keys load (Ed25519 {keys.multikey[:16]}…)")


def check_ratelimit(app: Flask, _opts: dict[str, Any]) -> Iterator[Result]:
    uri = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    if uri.startswith("memory://"):
        status = "WARN" if app.config["IS_PRODUCTION"] else "OK"
        yield Result(status, "rate limits", "kept in memory: per server only (set CAREERCENTER_RATELIMIT_STORAGE_URL)")
        return
    if uri.startswith(("redis://", "rediss://")):
        import redis

        try:
            redis.Redis.from_url(uri, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT).ping()
        except (OSError, redis.RedisError) as exc:
            yield Result(
                "FAIL", "rate limits", f"Redis unreachable: {_one_line(exc)}; check CAREERCENTER_RATELIMIT_STORAGE_URL"
            )
            return
        yield Result("OK", "rate limits", "Redis answers")
        return
    yield Result("WARN", "rate limits", f"storage {uri.split('://')[0]}:// is not checked")


def run_checks(app: Flask, **opts: Any) -> list[Result]:
    results: list[Result] = []
    with app.app_context():
        for func in CHECKS:
            results.extend(_run_one(func, app, opts))
    return results


def _run_one(func: CheckFunc, app: Flask, opts: dict[str, Any]) -> list[Result]:
    try:
        return list(func(app, opts))
    except Exception as exc:  # a broken check must not hide the others
        return [Result("FAIL", func.__name__.removeprefix("check_"), f"check crashed: {_one_line(exc)}")]


#: the core checks, in the order `flask doctor` prints them; `careercenter/wiring.py` adds them
#: (and the domains' own checks after them) to `careercenter.checks.CHECKS`.
CORE_CHECKS: tuple[CheckFunc, ...] = (
    check_database,
    check_secret_key,
    check_oidc,
    check_ldap,
    check_smtp,
    check_signing,
    check_credential_key,
    check_ratelimit,
)


@click.command("doctor")
@click.option("--user", "user", help="Also look this person up in the directory and show their roles.")
@click.option("--send-test-to", "send_test_to", help="Send one test message through SMTP to this address.")
@with_appcontext
def doctor_command(user: str | None, send_test_to: str | None) -> None:
    """Check every configured integration; exit 1 if anything failed."""
    results = run_checks(current_app._get_current_object(), user=user, send_test_to=send_test_to)  # type: ignore[attr-defined]
    for result in results:
        click.echo(result.line())
    if any(r.status == "FAIL" for r in results):
        raise SystemExit(1)
