"""Configuration layers: code defaults → instance file → environment → test mapping.

Every setting read from the environment is documented in the README's configuration table.
`check_config` fails fast with one line (a `ConfigError`) on anything that would make a
production deployment unsafe or unable to work.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


class ConfigError(Exception):
    """The configuration cannot work; the message is one line saying what to change."""


#: Code defaults. Nothing secret lives here.
DEFAULTS: dict[str, Any] = {
    "ENV_NAME": "development",
    "INSTITUTION_NAME": "Example State University",
    "INSTITUTION_OPEID": None,  # the US Department of Education's OPE ID, for PESC XML
    # None: in development, the address the server listens on (careercenter/publicurl.py);
    # production requires CAREERCENTER_PUBLIC_URL.
    "PUBLIC_URL": None,
    "ALLOW_SQLITE": False,
    "DEV_LOGIN": None,  # None: on in development, off in production
    "SESSION_IDLE_MINUTES": 30,
    "SESSION_ABSOLUTE_HOURS": 12,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "careercenter_session",
    # The cookie is written when its contents change (sign-in, the idle clock's once-a-minute
    # move, a flash), not signed and sent again with every response.
    "SESSION_REFRESH_EACH_REQUEST": False,
    "WTF_CSRF_TIME_LIMIT": None,  # the session's own timeouts bound a token's life
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_HEADERS_ENABLED": True,
    "MAIL_FROM": "Career Center <careers@example.edu>",
    "MAIL_REPLY_TO": "careers@example.edu",
    "SMTP_HOST": None,
    "SMTP_PORT": 25,
    "SMTP_USERNAME": None,
    "SMTP_PASSWORD": None,
    "SMTP_STARTTLS": False,
    "SMTP_TIMEOUT": 10,
    # -- internships (sign-off) --
    "SIGNOFF_LINK_DAYS": 14,
    "AMENDMENT_DAYS": 45,  # FERPA: decide an amendment request within a reasonable time
    "TRANSCRIPT_LOGO": None,  # PNG or SVG on the official transcript; None: the LOGO setting
    "REGISTRAR_NAME": "Office of the Registrar",
    "REGISTRAR_TITLE": "University Registrar",
    "SIGNOFF_REMINDER_DAYS": "3,10",
    "SIGNOFF_RESEND_HOURS": 24,
    "INTERNSHIP_SKILLS": "communication,time management,problem solving,teamwork,technical skill",
    "MAIL_MESSAGE_ID_DOMAIN": None,  # None: the host of PUBLIC_URL
    "OUTBOX_MAX_ATTEMPTS": 8,
    "OUTBOX_BACKOFF_SECONDS": 60,
    "OUTBOX_POLL_SECONDS": 5,
    # -- registrar webhooks --
    "WEBHOOK_TIMEOUT_SECONDS": 10,
    "WEBHOOK_MAX_ATTEMPTS": 10,
    "WEBHOOK_BACKOFF_SECONDS": 30,
    "WEBHOOK_POLL_SECONDS": 5,
    "WEBHOOK_SECRET_OVERLAP_HOURS": 24,
    "DEV_MAILBOX": None,  # None: on exactly when the development login is
    # -- background jobs (careercenter/jobs) --
    "JOBS_INLINE": None,  # None: on in development (the request runs its job), off elsewhere
    "JOBS_LEASE_SECONDS": 300,
    "JOBS_MAX_ATTEMPTS": 5,
    "JOBS_POLL_SECONDS": 1,
    "JOBS_DRILL_PAUSE_SECONDS": 0,  # crash drills only: pause after a job's work, before its commit
    "METRICS_ALLOW": "127.0.0.1/32,::1/128",
    "METRICS_TOKEN": None,
    "LOG_LEVEL": "INFO",
    "PROXY_COUNT": 0,
    # sso: sign-in methods and the campus directory (see careercenter/sso/settings.py)
    "OIDC_ISSUER": None,
    "OIDC_CLIENT_ID": None,
    "OIDC_CLIENT_SECRET": None,
    "OIDC_SCOPES": "openid email profile",
    "OIDC_USERNAME_CLAIM": "preferred_username",
    "OIDC_TIMEOUT": 10,
    "LDAP_URL": None,
    "LDAP_BIND_DN": None,
    "LDAP_BIND_PASSWORD": None,
    "LDAP_BASE_DN": None,
    "LDAP_USER_FILTER": "(|(uid={username})(mail={email}))",
    "LDAP_ROLE_MAP": {"student": "student"},
    "LDAP_STARTTLS": False,
    "LDAP_CA_CERT_FILE": None,
    "LDAP_TIMEOUT": 5,
    "LDAP_GROUP_BASE_DN": None,  # None: the base DN
    "LDAP_SYNC_FILTER": "(objectClass=inetOrgPerson)",
    "LDAP_USERNAME_ATTRIBUTE": "uid",
    "LDAP_NAME_ATTRIBUTE": "displayName",
    "LDAP_EMAIL_ATTRIBUTE": "mail",
    "LDAP_CAMPUS_ID_ATTRIBUTE": "employeeNumber",
    "LDAP_PROGRAM_ATTRIBUTE": "departmentNumber",
    "LDAP_CLASS_LEVEL_ATTRIBUTE": "title",
    "LDAP_AFFILIATION_ATTRIBUTE": "eduPersonAffiliation",
    "LDAP_ADVISOR_ATTRIBUTE": "manager",
    "LDAP_ADVISING_GROUP_FILTER": None,
    "LDAP_LOGIN": None,  # None: on when the directory is configured and OIDC is not
    "LDAP_LOGIN_RATE_LIMIT": "10 per minute;50 per hour",
    # reports: a cell counting fewer students than this shows "<N"
    "REPORT_MIN_CELL": 5,
}

#: Settings read from `CAREERCENTER_<NAME>`, with how to parse each.
ENV_SETTINGS: dict[str, str] = {
    "ENV": "str",
    "INSTITUTION_NAME": "str",
    "INSTITUTION_OPEID": "str",
    "PUBLIC_URL": "str",
    "ALLOW_SQLITE": "bool",
    "DEV_LOGIN": "bool",
    "SESSION_IDLE_MINUTES": "int",
    "SESSION_ABSOLUTE_HOURS": "int",
    "RATELIMIT_STORAGE_URL": "str",
    "MAIL_FROM": "str",
    "MAIL_REPLY_TO": "str",
    "SMTP_HOST": "str",
    "SMTP_PORT": "int",
    "SMTP_USERNAME": "str",
    "SMTP_PASSWORD": "str",
    "SMTP_STARTTLS": "bool",
    "SMTP_TIMEOUT": "int",
    # -- sso (sign-in, directory) --
    "OIDC_ISSUER": "str",
    "OIDC_CLIENT_ID": "str",
    "OIDC_CLIENT_SECRET": "str",
    "OIDC_SCOPES": "str",
    "OIDC_USERNAME_CLAIM": "str",
    "OIDC_TIMEOUT": "int",
    "LDAP_URL": "str",
    "LDAP_BIND_DN": "str",
    "LDAP_BIND_PASSWORD": "str",
    "LDAP_BASE_DN": "str",
    "LDAP_USER_FILTER": "str",
    "LDAP_ROLE_MAP": "json",
    "LDAP_STARTTLS": "bool",
    "LDAP_CA_CERT_FILE": "str",
    "LDAP_TIMEOUT": "int",
    "LDAP_GROUP_BASE_DN": "str",
    "LDAP_SYNC_FILTER": "str",
    "LDAP_USERNAME_ATTRIBUTE": "str",
    "LDAP_NAME_ATTRIBUTE": "str",
    "LDAP_EMAIL_ATTRIBUTE": "str",
    "LDAP_CAMPUS_ID_ATTRIBUTE": "str",
    "LDAP_PROGRAM_ATTRIBUTE": "str",
    "LDAP_CLASS_LEVEL_ATTRIBUTE": "str",
    "LDAP_AFFILIATION_ATTRIBUTE": "str",
    "LDAP_ADVISOR_ATTRIBUTE": "str",
    "LDAP_ADVISING_GROUP_FILTER": "str",
    "LDAP_LOGIN": "bool",
    "LDAP_LOGIN_RATE_LIMIT": "str",
    # sso: saml / cas
    "SAML_IDP_METADATA": "str",
    "SAML_IDP_ENTITY_ID": "str",
    "SAML_IDP_METADATA_CERT": "str",
    "SAML_SP_ENTITY_ID": "str",
    "SAML_SP_KEY": "str",
    "SAML_SP_CERT": "str",
    "SAML_CAMPUS_ID_ATTRIBUTE": "str",
    "SAML_WANT_ASSERTIONS_ENCRYPTED": "bool",
    "SAML_SIGN_AUTHN_REQUESTS": "bool",
    "SAML_TIMEOUT": "int",
    "CAS_SERVER_URL": "str",
    "CAS_TIMEOUT": "int",
    "CAS_CAMPUS_ID_ATTRIBUTE": "str",
    "CAS_EMAIL_ATTRIBUTE": "str",
    "CAS_NAME_ATTRIBUTE": "str",
    "CAS_AFFILIATION_ATTRIBUTE": "str",
    "CAS_GROUPS_ATTRIBUTE": "str",
    "LOGIN_METHODS": "json",
    "SSO_MATCH_ORDER": "str",
    # -- internships (sign-off) --
    "SIGNOFF_LINK_DAYS": "int",
    "AMENDMENT_DAYS": "int",
    "TRANSCRIPT_LOGO": "str",
    "REGISTRAR_NAME": "str",
    "REGISTRAR_TITLE": "str",
    "SIGNOFF_REMINDER_DAYS": "str",
    "SIGNOFF_RESEND_HOURS": "int",
    "INTERNSHIP_SKILLS": "str",
    "MAIL_MESSAGE_ID_DOMAIN": "str",
    "OUTBOX_MAX_ATTEMPTS": "int",
    "OUTBOX_BACKOFF_SECONDS": "int",
    "OUTBOX_POLL_SECONDS": "int",
    "DEV_MAILBOX": "bool",
    "DATABASE_REPLICA_URL": "str",  # reports and registrar read-only pages read a streaming replica
    # -- background jobs --
    "JOBS_INLINE": "bool",
    "JOBS_LEASE_SECONDS": "int",
    "JOBS_MAX_ATTEMPTS": "int",
    "JOBS_POLL_SECONDS": "int",
    "JOBS_DRILL_PAUSE_SECONDS": "int",
    # -- credits --
    "CREDITS_TERM_STARTS": "str",
    "CREDITS_QUEUE_PAGE_SIZE": "int",
    # -- transcripts --
    "SIGNING_KEY": "str",
    "SIGNING_CERT": "str",
    "SIGNING_CHAIN": "str",
    "SIGNING_KEY_PASSPHRASE": "str",
    "LOGO": "str",
    "TRANSCRIPT_FONT": "str",
    "TRANSCRIPT_FONT_BOLD": "str",
    "TRANSCRIPT_PAGE_SIZE": "str",
    "VERIFY_RATE_LIMIT": "str",
    "VERIFY_UPLOAD_MAX_BYTES": "int",
    # -- registrar API --
    "REGISTRAR_TOKEN_LIFETIME_SECONDS": "int",
    "REGISTRAR_RATE_LIMIT": "str",
    "REGISTRAR_TOKEN_RATE_LIMIT": "str",
    "REGISTRAR_SQLITE_SETTLE_SECONDS": "int",
    "WEBHOOK_TIMEOUT_SECONDS": "int",
    "WEBHOOK_MAX_ATTEMPTS": "int",
    "WEBHOOK_BACKOFF_SECONDS": "int",
    "WEBHOOK_POLL_SECONDS": "int",
    "WEBHOOK_SECRET_OVERLAP_HOURS": "int",
    # -- credentials --
    "VC_SIGNING_KEY": "str",  # PEM file path (or PEM text): Ed25519 + P-256 private keys
    "VC_RETIRED_KEYS": "str",  # PEM file path (or PEM text): earlier issuing keys, still published
    # -- operations --
    "METRICS_ALLOW": "str",
    "METRICS_TOKEN": "str",
    "LOG_LEVEL": "str",
    "PROXY_COUNT": "int",
    # -- reports --
    "REPORT_MIN_CELL": "int",
    # -- security (issue 16) --
    "AUDIT_CHECKPOINT_KEY": "str",
    "STUDENT_EMAIL_DOMAINS": "str",
    "FREE_MAIL_DOMAINS": "str",
}

MIN_SECRET_KEY_LENGTH = 32
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _parse(name: str, raw: str, kind: str) -> Any:
    if kind == "bool":
        low = raw.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ConfigError(f"CAREERCENTER_{name} must be 1 or 0 (true/false), not {raw!r}")
    if kind == "int":
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"CAREERCENTER_{name} must be a whole number, not {raw!r}") from None
    if kind == "json":
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise ConfigError(f"CAREERCENTER_{name} is not valid JSON: {exc}") from None
    return raw


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """Read every documented `CAREERCENTER_*` variable, plus DATABASE_URL and SECRET_KEY."""
    out: dict[str, Any] = {}
    for name, kind in ENV_SETTINGS.items():
        raw = environ.get(f"CAREERCENTER_{name}")
        if raw is not None:
            key = {"ENV": "ENV_NAME", "RATELIMIT_STORAGE_URL": "RATELIMIT_STORAGE_URI"}.get(name, name)
            out[key] = _parse(name, raw, kind)
    if environ.get("DATABASE_URL"):
        out["SQLALCHEMY_DATABASE_URI"] = environ["DATABASE_URL"]
    if environ.get("SECRET_KEY"):
        out["SECRET_KEY"] = environ["SECRET_KEY"]
    return out


def normalise_database_url(url: str) -> str:
    """Accept the usual `postgres://` spellings and use the psycopg 3 driver; refuse garbage."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            "DATABASE_URL is malformed: expected e.g. postgresql://user@host:5432/dbname "
            "or sqlite:////absolute/path.sqlite3"
        ) from None
    backend = parsed.get_backend_name()
    if backend in {"postgres", "postgresql"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend != "sqlite":
        raise ConfigError(f"DATABASE_URL uses {backend!r}: only PostgreSQL (production) and SQLite are supported")
    return parsed.render_as_string(hide_password=False)


def instance_secret_key(instance_path: str) -> str:
    """Return the development secret kept in the instance folder, making it on first use."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def check_config(config: Mapping[str, Any]) -> None:
    """Refuse configurations that are unsafe or cannot work, with one line saying why."""
    env_name = config["ENV_NAME"]
    if env_name not in {"development", "production", "testing"}:
        raise ConfigError(f"CAREERCENTER_ENV must be development or production, not {env_name!r}")
    if env_name != "production":
        return
    key = config.get("SECRET_KEY") or ""
    if len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < 10:
        raise ConfigError(
            f"production needs a strong SECRET_KEY (at least {MIN_SECRET_KEY_LENGTH} random "
            "characters); make one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    if config.get("DEV_LOGIN"):
        raise ConfigError("the development login is on in production: unset CAREERCENTER_DEV_LOGIN")
    uri = config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite") and not config.get("ALLOW_SQLITE"):
        raise ConfigError(
            "production runs on PostgreSQL: set DATABASE_URL, or CAREERCENTER_ALLOW_SQLITE=1 to accept SQLite knowingly"
        )
    if not str(config.get("PUBLIC_URL") or "").startswith("https://"):
        raise ConfigError("CAREERCENTER_PUBLIC_URL must be the service's https:// address in production")
