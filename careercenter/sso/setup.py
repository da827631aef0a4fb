"""Wire sign-in into an app: which methods are on, the directory, the refusal pages."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, render_template, session

from careercenter.config import ConfigError
from careercenter.errors import problem, wants_problem_json
from careercenter.sso.directory import Directory
from careercenter.sso.errors import SignInError
from careercenter.sso.settings import directory_settings, oidc_settings, parse_role_map


@dataclass(frozen=True)
class LoginMethod:
    """One button on the sign-in page."""

    name: str
    label: str
    url: str


def init_sso(app: Flask) -> None:
    """Read and check the sign-in settings, register the routes and the refusal page."""
    from careercenter.sso import oidc
    from careercenter.sso.views import bp, start_oidc

    config = app.config
    directory = directory_settings(config)
    oidc_conf = oidc_settings(config)
    if oidc_conf is not None and directory is None:
        raise ConfigError(
            "CAREERCENTER_OIDC_ISSUER is set but CAREERCENTER_LDAP_URL is not: the campus directory decides "
            "who someone is and which role they hold"
        )
    directory_login = config.get("LDAP_LOGIN")
    if directory_login is None:
        directory_login = directory is not None and oidc_conf is None
    if directory_login and directory is None:
        raise ConfigError("CAREERCENTER_LDAP_LOGIN=1 needs the directory: set CAREERCENTER_LDAP_URL")
    methods: list[LoginMethod] = []
    starters = {}
    if directory is not None:
        app.extensions["careercenter_directory"] = Directory(directory)
        app.extensions["careercenter_role_map"] = parse_role_map(config.get("LDAP_ROLE_MAP"))
    if oidc_conf is not None:
        oidc.init_oidc(app, oidc_conf)
        methods.append(LoginMethod("oidc", "Sign in with campus single sign-on", "/login?method=oidc"))
        starters["oidc"] = start_oidc
        app.extensions["careercenter_logout_hook"] = _oidc_logout
    app.extensions["careercenter_login_methods"] = methods
    app.extensions["careercenter_login_starters"] = starters
    app.extensions["careercenter_directory_login"] = bool(directory_login)
    app.register_blueprint(bp)
    app.register_error_handler(SignInError, _refused)


def _oidc_logout() -> str | None:
    from careercenter.sso import oidc

    if session.get("method") != "oidc" or "careercenter_oidc" not in current_app.extensions:
        return None
    return oidc.logout_url(session.get("oidc_id_token"))


def _refused(exc: SignInError) -> tuple[str, int]:
    if wants_problem_json():
        return problem(exc.status, str(exc), exc.title), exc.status  # type: ignore[return-value]
    return render_template("sso/refused.html", title=exc.title, message=str(exc), status=exc.status), exc.status
