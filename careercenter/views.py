"""Pages every role shares: the front page, sign-in choices, role homes, health."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from careercenter.auth import (
    current_person,
    home_url,
    login_required,
    logout_person,
    public,
    roles_required,
)
from careercenter.extensions import db
from careercenter.homepanels import render_panels
from careercenter.redirects import safe_next
from careercenter.sso.models import Role
from careercenter.sso.sessions import open_sessions
from careercenter.todo import todo_for

bp = Blueprint("main", __name__)

_FAVICON = (Path(__file__).parent / "static" / "favicon.ico").read_bytes()


@bp.get("/")
@public
def index() -> str | Response:
    person = current_person()
    if person is not None:
        return redirect(home_url(person))
    return render_template("main/index.html")


def render_login_page(directory_form: Any = None) -> str:
    """The sign-in choices: every configured method, the directory form, the development login."""
    methods = current_app.extensions.get("careercenter_login_methods", [])
    if directory_form is None and current_app.extensions.get("careercenter_directory_login"):
        from careercenter.sso.forms import DirectoryLoginForm

        directory_form = DirectoryLoginForm(formdata=None, next=safe_next(request.args.get("next")))
    return render_template(
        "main/login.html",
        methods=methods,
        directory_form=directory_form,
        dev_login=current_app.config["DEV_LOGIN"],
        next=safe_next(request.args.get("next")),
    )


@bp.get("/login")
@public
def login_page() -> str | Response:
    """Sign in. With single sign-on as the only method this starts it at once; otherwise (or
    with `?method=<name>` chosen) it shows the choices or starts the chosen method."""
    person = current_person()
    if person is not None:
        return redirect(home_url(person))
    starters = current_app.extensions.get("careercenter_login_starters", {})
    chosen = request.args.get("method")
    if chosen:
        if chosen not in starters:
            abort(404)
        return starters[chosen](safe_next(request.args.get("next")))
    methods = current_app.extensions.get("careercenter_login_methods", [])
    only_sso = (
        len(methods) == 1
        and methods[0].name in starters
        and not current_app.config["DEV_LOGIN"]
        and not current_app.extensions.get("careercenter_directory_login")
    )
    if only_sso:
        return starters[methods[0].name](safe_next(request.args.get("next")))
    return render_login_page()


@bp.post("/logout")
@public
def logout() -> Response:
    """End the local session and, where the provider offers it, the provider's (sso.setup)."""
    hook = current_app.extensions.get("careercenter_logout_hook")
    target = hook() if hook and current_person() else None
    logout_person()
    flash("You have signed out.", "info")
    return redirect(target or url_for("main.index"))


def _home(role: Role, template: str, extra_errors: list[tuple[str, str]] | None = None) -> str:
    person = current_person()
    assert person is not None
    return render_template(
        template,
        panels=render_panels(role, person),
        role=role,
        todo=todo_for(db.session, person, role),
        extra_errors=extra_errors,
    )


def render_admin_home(extra_errors: list[tuple[str, str]]) -> str:
    """The admin's home again, with errors of one of its forms in the error summary."""
    return _home(Role.ADMIN, "main/home.html", extra_errors)


@bp.get("/student")
@roles_required(Role.STUDENT)
def student_home() -> str:
    return _home(Role.STUDENT, "main/home.html")


@bp.get("/advisor")
@roles_required(Role.ADVISOR)
def advisor_home() -> str:
    return _home(Role.ADVISOR, "main/home.html")


@bp.get("/registrar")
@roles_required(Role.REGISTRAR, Role.ADMIN)
def registrar_home() -> str:
    return _home(Role.REGISTRAR, "main/home.html")


@bp.get("/admin")
@roles_required(Role.ADMIN)
def admin_home() -> str:
    return _home(Role.ADMIN, "main/home.html")


@bp.get("/me")
@login_required
def me() -> str:
    return render_me()


def render_me(extra_errors: list[tuple[str, str]] | None = None) -> str:
    """`/me`: the person's settings and sessions (with the errors of one of its forms, when a
    form's answer shows the page again)."""
    person = current_person()
    assert person is not None
    sessions = open_sessions(
        db.session,
        person.id,
        idle=timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"]),
        absolute=timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"]),
    )
    return render_template(
        "main/me.html", sessions=sessions, this_session=g.get("web_session"), extra_errors=extra_errors
    )


@bp.get("/favicon.ico")
@public
def favicon() -> Response:
    """The site icon browsers ask for at /favicon.ico."""
    response = Response(_FAVICON, mimetype="image/vnd.microsoft.icon")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


@bp.get("/readyz")
@public
def readyz() -> tuple[Response, int]:
    """Readiness for the load balancer: 503 until the database is reachable and migrated."""
    from careercenter.observability import readyz_view

    return readyz_view()


@bp.get("/metrics")
@public
def metrics() -> Response:
    """Prometheus metrics, for configured addresses or holders of the metrics token."""
    from careercenter.observability import metrics_view

    return metrics_view()


@bp.get("/healthz")
@public
def healthz() -> tuple[Response, int]:
    """Liveness: 200 when the database answers a query, 503 when it does not."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return jsonify(status="error", database="unreachable"), 503  # a 503 rolls back (transaction.py)
    return jsonify(status="ok", database="ok"), 200
