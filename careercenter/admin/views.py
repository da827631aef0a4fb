"""The admin's pages: people and roles, and `flask doctor`'s results; the admin home's cards."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, render_template
from markupsafe import Markup

from careercenter.admin import service
from careercenter.auth import roles_required
from careercenter.doctor import run_checks
from careercenter.extensions import db
from careercenter.sso.models import Person, Role

bp = Blueprint("admin", __name__)


def _session_limits() -> dict[str, timedelta]:
    config = current_app.config
    return {
        "idle": timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
        "absolute": timedelta(hours=config["SESSION_ABSOLUTE_HOURS"]),
    }


@bp.get("/admin/people")
@roles_required(Role.ADMIN)
def people() -> str:
    """Everyone the service knows, their roles, last directory sync and last sign-in."""
    return render_template("admin/people.html", rows=service.people_with_roles(db.session, **_session_limits()))


@bp.get("/admin/doctor")
@roles_required(Role.ADMIN)
def doctor() -> str:
    """`flask doctor` as a page: every configured integration checked now, one row each."""
    results = run_checks(current_app._get_current_object())  # type: ignore[attr-defined]
    return render_template("admin/doctor.html", results=results)


def admin_panel(person: Person) -> Markup:
    return Markup(render_template("admin/_panel.html", summary=service.summary(db.session, **_session_limits())))  # noqa: S704 (autoescaped)
