"""A person's own sessions (`/me`'s "Sign out everywhere") and an admin's deactivation of a person.

Both end sessions on the server (`careercenter.sso.sessions`), so they hold on every app server.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from careercenter.audit.service import Actor
from careercenter.auth import login_required, logout_person, me, roles_required
from careercenter.extensions import db
from careercenter.sso.models import Person, Role
from careercenter.sso.sessions import deactivate_person, end_all_sessions

bp = Blueprint("people", __name__)


@bp.post("/me/sessions/end-all")
@login_required
def end_all() -> Response:
    """Sign out everywhere: end every session of the signed-in person, this one included."""
    end_all_sessions(db.session, me().id)
    logout_person()
    flash("You have signed out everywhere: every browser signed in as you must sign in again.", "info")
    return redirect(url_for("main.login_page"))


@bp.post("/admin/people/deactivate")
@roles_required(Role.ADMIN)
def deactivate() -> Response | tuple[str, int]:
    """Deactivate a person by campus ID: they can no longer sign in, and every session ends now."""
    from careercenter.views import render_admin_home

    campus_id = (request.form.get("campus_id") or "").strip()
    person = db.session.execute(sa.select(Person).where(Person.campus_id == campus_id)).scalar_one_or_none()
    if person is None:
        message = (
            "Enter the campus ID of a person to deactivate." if not campus_id else ("No person has that campus ID.")
        )
        return render_admin_home([("deactivate-campus-id", message)]), 422
    if person.id == me().id:
        flash("You cannot deactivate yourself.", "error")
        return redirect(url_for("main.admin_home"))
    ended = deactivate_person(db.session, person, Actor.person(me()), "deactivated by an admin")
    flash(f"{person.display_name} ({person.campus_id}) is deactivated; {ended} session(s) ended.", "info")
    return redirect(url_for("main.admin_home"))
