"""Wire SAML and CAS into an app, and arrange every sign-in method on the login page in the
order and with the labels the campus gives (`CAREERCENTER_LOGIN_METHODS`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, redirect, session, url_for
from werkzeug.wrappers import Response

from careercenter.config import ConfigError
from careercenter.sso import cas, saml
from careercenter.sso.federation import MATCH_KEYS, match_order
from careercenter.sso.saml_settings import saml_settings
from careercenter.sso.settings import parse_role_map
from careercenter.sso.setup import LoginMethod

DEFAULT_LABELS = {
    "saml": "Sign in with campus single sign-on (Shibboleth)",
    "cas": "Sign in with campus CAS",
}


def parse_login_methods(raw: Any) -> list[tuple[str, str | None]]:
    """Check `CAREERCENTER_LOGIN_METHODS`: a JSON list of {"method": ..., "label": ...}."""
    if raw in (None, "", []):
        return []
    if not isinstance(raw, list):
        raise ConfigError(
            'CAREERCENTER_LOGIN_METHODS must be a JSON list such as [{"method": "saml", "label": "Campus sign-in"}]'
        )
    out: list[tuple[str, str | None]] = []
    for item in raw:
        if isinstance(item, str):
            item = {"method": item}
        if not isinstance(item, Mapping) or not isinstance(item.get("method"), str):
            raise ConfigError(f'CAREERCENTER_LOGIN_METHODS: each entry needs a "method", not {item!r}')
        label = item.get("label")
        if label is not None and (not isinstance(label, str) or not label.strip()):
            raise ConfigError(f"CAREERCENTER_LOGIN_METHODS: the label of {item['method']!r} must be text")
        name = item["method"].strip().lower()
        if name in {n for n, _ in out}:
            raise ConfigError(f"CAREERCENTER_LOGIN_METHODS lists {name!r} twice")
        out.append((name, label.strip() if label else None))
    return out


def init_campus_sign_in(app: Flask) -> None:
    """Configure SAML and CAS (when set), then order and label every sign-in method.

    Call after the OIDC/directory set-up, which registers its own methods first.
    """
    from careercenter.sso.cas_views import cas_bp
    from careercenter.sso.saml_views import saml_bp

    config = app.config
    order = match_order(config)
    if not order or set(order) - MATCH_KEYS:
        raise ConfigError(
            f"CAREERCENTER_SSO_MATCH_ORDER must list campus_id and/or email, e.g. campus_id,email, not {order!r}"
        )
    methods = list(app.extensions.get("careercenter_login_methods", []))
    starters: dict[str, Callable[[str | None], Response]] = app.extensions.setdefault("careercenter_login_starters", {})
    saml_conf = saml_settings(config)
    if saml_conf is not None:
        saml.init_saml(app, saml_conf)
        methods.append(LoginMethod("saml", DEFAULT_LABELS["saml"], "/saml/login"))
        starters["saml"] = lambda next_path: redirect(url_for("saml.saml_login", next=next_path))
    cas_conf = cas.cas_settings(config)
    if cas_conf is not None:
        cas.init_cas(app, cas_conf)
        methods.append(LoginMethod("cas", DEFAULT_LABELS["cas"], "/cas/login"))
        starters["cas"] = lambda next_path: redirect(url_for("cas.cas_login", next=next_path))
        _allow_form_action(app, cas_conf.origin)
    if (saml_conf or cas_conf) and config.get("LDAP_LOGIN") is None:
        # A campus with Shibboleth or CAS wants passwords typed there, not into a form here.
        app.extensions["careercenter_directory_login"] = False
    if (saml_conf or cas_conf) and "careercenter_role_map" not in app.extensions:
        # No directory: the same role map applies to the affiliations and groups SAML/CAS release.
        app.extensions["careercenter_role_map"] = parse_role_map(config.get("LDAP_ROLE_MAP"))
    app.extensions["careercenter_login_methods"] = arrange(methods, parse_login_methods(config.get("LOGIN_METHODS")))
    previous = app.extensions.get("careercenter_logout_hook")
    app.extensions["careercenter_logout_hook"] = lambda: _logout_target(previous)
    app.register_blueprint(saml_bp)
    app.register_blueprint(cas_bp)


def arrange(methods: list[Any], wanted: list[tuple[str, str | None]]) -> list[Any]:
    """The configured methods in the campus's order with its labels; unlisted ones after."""
    if not wanted:
        return methods
    by_name = {getattr(m, "name", None): m for m in methods}
    ordered = []
    for name, label in wanted:
        method = by_name.pop(name, None)
        if method is None:
            available = ", ".join(n for n in by_name if n) or "none"
            raise ConfigError(
                f"CAREERCENTER_LOGIN_METHODS lists {name!r}, which is not configured (configured: {available})"
            )
        ordered.append(LoginMethod(name, label or method.label, method.url))
    return ordered + list(by_name.values())


def _allow_form_action(app: Flask, origin: str) -> None:
    extra = list(app.config.get("CSP_FORM_ACTION_EXTRA", []))
    if origin not in extra:
        app.config["CSP_FORM_ACTION_EXTRA"] = [*extra, origin]


def _logout_target(previous: Callable[[], str | None] | None) -> str | None:
    """Where POST /logout sends the browser: the IdP's single logout for SAML and CAS."""
    method = session.get("method")
    if method == "saml":
        return saml.logout_url(session.get("saml_logout"))
    if method == "cas":
        return cas.logout_url()
    return previous() if previous else None
