"""The sign-in settings, read once from the app config and checked at start-up."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from careercenter.config import ConfigError
from careercenter.sso.models import Role


@dataclass(frozen=True)
class DirectorySettings:
    """How to reach the campus directory and read a person's entry."""

    url: str
    #: None: the server's one naming context, read from its root DSE at first use.
    base_dn: str | None
    bind_dn: str | None = None
    bind_password: str | None = None
    user_filter: str = "(|(uid={username})(mail={email}))"
    starttls: bool = False
    ca_cert_file: str | None = None
    timeout: float = 5.0
    group_base_dn: str | None = None
    sync_filter: str = "(objectClass=inetOrgPerson)"
    username_attribute: str = "uid"
    name_attribute: str = "displayName"
    email_attribute: str = "mail"
    campus_id_attribute: str = "employeeNumber"
    program_attribute: str = "departmentNumber"
    class_level_attribute: str = "title"
    affiliation_attribute: str = "eduPersonAffiliation"
    advisor_attribute: str | None = "manager"
    advising_group_filter: str | None = None


#: An approver pool's name, as `pool:NAME` in the role map and `{pool: NAME}` in a route.
POOL_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    client_id: str
    client_secret: str | None
    scopes: str = "openid email profile"
    username_claim: str = "preferred_username"
    timeout: float = 10.0

    @property
    def origin(self) -> str:
        parts = urlsplit(self.issuer)
        return f"{parts.scheme}://{parts.netloc}"


def parse_role_map(raw: Any) -> dict[str, Role | str]:
    """Check `CAREERCENTER_LDAP_ROLE_MAP`: group DN or affiliation value -> role name, or
    `pool:NAME` for an approver pool (whose members also hold the faculty role)."""
    if not isinstance(raw, Mapping) or not raw:
        raise ConfigError(
            "CAREERCENTER_LDAP_ROLE_MAP must be a JSON object from a group DN or an eduPersonAffiliation "
            'value to a role, e.g. {"student": "student"}'
        )
    out: dict[str, Role | str] = {}
    for key, value in raw.items():
        text = str(value).strip().lower()
        if text.startswith("pool:"):
            if not POOL_NAME.match(text.removeprefix("pool:")):
                raise ConfigError(
                    f"CAREERCENTER_LDAP_ROLE_MAP maps {key!r} to {value!r}: a pool name is letters, digits, - and _"
                )
            out[normalise_key(str(key))] = text
            continue
        try:
            role = Role(text)
        except ValueError:
            names = ", ".join(r.value for r in Role)
            raise ConfigError(
                f"CAREERCENTER_LDAP_ROLE_MAP maps {key!r} to {value!r}, which is not a role ({names}) nor pool:NAME"
            ) from None
        out[normalise_key(str(key))] = role
    return out


def normalise_key(value: str) -> str:
    """Compare group DNs and affiliation values without regard to case or spacing after commas."""
    if "=" in value:
        import ldap.dn

        try:
            return ldap.dn.dn2str(ldap.dn.str2dn(value.strip())).lower()
        except ldap.DECODING_ERROR:
            raise ConfigError(f"CAREERCENTER_LDAP_ROLE_MAP has a malformed group DN: {value!r}") from None
    return value.strip().lower()


def directory_settings(config: Mapping[str, Any]) -> DirectorySettings | None:
    """The directory settings, or None when `CAREERCENTER_LDAP_URL` is not set."""
    url = config.get("LDAP_URL")
    if not url:
        return None
    scheme = urlsplit(url).scheme.lower()
    if scheme not in {"ldap", "ldaps"}:
        raise ConfigError(f"CAREERCENTER_LDAP_URL must start with ldap:// or ldaps://, not {url!r}")
    user_filter = config.get("LDAP_USER_FILTER") or DirectorySettings.user_filter
    if "{username}" not in user_filter and "{email}" not in user_filter:
        raise ConfigError("CAREERCENTER_LDAP_USER_FILTER must contain {username} or {email}")
    if config.get("LDAP_BIND_DN") and not config.get("LDAP_BIND_PASSWORD"):
        raise ConfigError("CAREERCENTER_LDAP_BIND_PASSWORD is required with CAREERCENTER_LDAP_BIND_DN")
    if config.get("IS_PRODUCTION") and scheme == "ldap" and not config.get("LDAP_STARTTLS"):
        raise ConfigError(
            "production sends directory passwords encrypted only: "
            "use an ldaps:// URL or set CAREERCENTER_LDAP_STARTTLS=1"
        )
    timeout = float(config.get("LDAP_TIMEOUT") or 5)
    if timeout <= 0:
        raise ConfigError("CAREERCENTER_LDAP_TIMEOUT must be a positive number of seconds")
    return DirectorySettings(
        url=url,
        base_dn=config.get("LDAP_BASE_DN") or None,
        bind_dn=config.get("LDAP_BIND_DN") or None,
        bind_password=config.get("LDAP_BIND_PASSWORD") or None,
        user_filter=user_filter,
        starttls=bool(config.get("LDAP_STARTTLS")),
        ca_cert_file=config.get("LDAP_CA_CERT_FILE") or None,
        timeout=timeout,
        group_base_dn=config.get("LDAP_GROUP_BASE_DN") or None,
        sync_filter=config.get("LDAP_SYNC_FILTER") or DirectorySettings.sync_filter,
        username_attribute=config.get("LDAP_USERNAME_ATTRIBUTE") or "uid",
        name_attribute=config.get("LDAP_NAME_ATTRIBUTE") or "displayName",
        email_attribute=config.get("LDAP_EMAIL_ATTRIBUTE") or "mail",
        campus_id_attribute=config.get("LDAP_CAMPUS_ID_ATTRIBUTE") or "employeeNumber",
        program_attribute=config.get("LDAP_PROGRAM_ATTRIBUTE") or "departmentNumber",
        class_level_attribute=config.get("LDAP_CLASS_LEVEL_ATTRIBUTE") or "title",
        affiliation_attribute=config.get("LDAP_AFFILIATION_ATTRIBUTE") or "eduPersonAffiliation",
        advisor_attribute=config.get("LDAP_ADVISOR_ATTRIBUTE") or None,
        advising_group_filter=config.get("LDAP_ADVISING_GROUP_FILTER") or None,
    )


def oidc_settings(config: Mapping[str, Any]) -> OidcSettings | None:
    """The OIDC client settings, or None when `CAREERCENTER_OIDC_ISSUER` is not set."""
    issuer = config.get("OIDC_ISSUER")
    if not issuer:
        return None
    parts = urlsplit(issuer)
    if parts.scheme not in {"https", "http"} or not parts.netloc:
        raise ConfigError(f"CAREERCENTER_OIDC_ISSUER must be the provider's https:// issuer URL, not {issuer!r}")
    if config.get("IS_PRODUCTION") and parts.scheme != "https":
        raise ConfigError("CAREERCENTER_OIDC_ISSUER must be an https:// URL in production")
    if not config.get("OIDC_CLIENT_ID"):
        raise ConfigError("CAREERCENTER_OIDC_CLIENT_ID is required with CAREERCENTER_OIDC_ISSUER")
    scopes = str(config.get("OIDC_SCOPES") or "openid email profile")
    if "openid" not in scopes.split():
        raise ConfigError("CAREERCENTER_OIDC_SCOPES must include openid")
    return OidcSettings(
        issuer=issuer,  # compared exactly with the discovery document and each ID token
        client_id=config["OIDC_CLIENT_ID"],
        client_secret=config.get("OIDC_CLIENT_SECRET") or None,
        scopes=scopes,
        username_claim=config.get("OIDC_USERNAME_CLAIM") or "preferred_username",
        timeout=float(config.get("OIDC_TIMEOUT") or 10),
    )
