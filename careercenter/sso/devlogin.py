"""The development login: pick a demo person and be them. Never registered in production."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from careercenter.audit.service import Actor, record_event
from careercenter.auth import home_url, login_person, public
from careercenter.extensions import db
from careercenter.redirects import safe_next
from careercenter.sso.models import Person

bp = Blueprint("devlogin", __name__, url_prefix="/dev")


@bp.before_request
def _only_when_enabled() -> None:
    # Belt and braces: the blueprint is not even registered unless DEV_LOGIN is on.
    if not current_app.config["DEV_LOGIN"] or current_app.config["IS_PRODUCTION"]:
        abort(404)


@bp.get("/login")
@public
def choose() -> str:
    people = (
        db.session.execute(
            sa.select(Person)
            .where(Person.is_demo.is_(True), Person.is_active.is_(True))
            .options(selectinload(Person.pool_memberships))  # each row shows the person's pools
            .order_by(Person.id)
        )
        .scalars()
        .all()
    )
    return render_template("sso/devlogin.html", people=people, next=safe_next(request.args.get("next")))


@bp.post("/login")
@public
def login() -> Response:
    try:
        person_id = int(request.form.get("person_id", ""))
    except ValueError:
        abort(400)
    person = db.session.get(Person, person_id)
    if person is None or not person.is_demo or not person.is_active:
        abort(404)
    login_person(person, "dev")
    record_event(db.session, Actor.person(person), "auth.login", "person", person.id, {"method": "dev"})
    flash(f"Signed in as {person.display_name} (development login).", "info")
    return redirect(safe_next(request.form.get("next")) or home_url(person))
