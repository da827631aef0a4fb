"""Sessions and the one access-control mechanism every view uses.

"Prove who you are" (OIDC, LDAP bind, the development login) lives in `careercenter.sso`;
each method ends in `login_person`. Here: who is signed in, for how long, and what a role may
open. Relations (an advisor's own students, a student's own records) are checked by
`student_visible_or_404` so that a record one may not see looks exactly like one that does not
exist.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from flask import Flask, abort, current_app, flash, g, redirect, request, session, url_for
from werkzeug.wrappers import Response

from careercenter.db import utcnow
from careercenter.extensions import db
from careercenter.sso.models import Person, Role
from careercenter.sso.service import can_view_student
from careercenter.sso.sessions import end_session, find_open_session, prune_sessions, start_session, touch

F = TypeVar("F", bound=Callable[..., Any])

HOME_ENDPOINTS = {
    Role.STUDENT: "main.student_home",
    Role.ADVISOR: "main.advisor_home",
    Role.FACULTY: "approvals.queue",
    Role.REGISTRAR: "main.registrar_home",
    Role.ADMIN: "main.admin_home",
    Role.STAFF: "reports.index",
}


def current_person() -> Person | None:
    """The signed-in person of this request, or None."""
    return g.get("person")


def me() -> Person:
    """The signed-in person of a view behind `login_required`/`roles_required` (never None there)."""
    person = g.get("person")
    if person is None:
        raise RuntimeError("me() called outside a signed-in request")
    return person


def login_person(person: Person, method: str) -> None:
    """Start a fresh session for `person`: the old session's contents never carry over, and the
    new one is a row (`careercenter.sso.sessions`) that sign-out ends on every server."""
    session.clear()
    now = utcnow().timestamp()
    session["sid"] = start_session(db.session, person, method, request.user_agent.string)
    prune_sessions(db.session, absolute=timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"]))
    session["pid"] = person.id
    session["method"] = method
    session["auth_at"] = now
    session["seen_at"] = now
    session.permanent = True
    g.person = person


def logout_person() -> None:
    """End this browser's session on the server (a copy of the cookie opens nothing after)."""
    token = session.get("sid")
    if token:
        end_session(db.session, token)
    session.clear()
    g.person = None


def _load_person() -> None:
    g.person = None
    token = session.get("sid")
    if token is None:
        if session.get("pid") is not None:
            session.clear()  # a cookie from before server-side sessions: sign in again
        return
    now = utcnow().timestamp()
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"]).total_seconds()
    absolute = timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"]).total_seconds()
    if now - session.get("seen_at", 0) > idle or now - session.get("auth_at", 0) > absolute:
        session.clear()
        g.session_expired = True
        return
    web_session = find_open_session(db.session, token)
    if web_session is None or web_session.person_id != session.get("pid"):
        session.clear()
        g.session_expired = True
        return
    touch(web_session)
    # Refresh the idle clock at most once a minute, so most requests do not rewrite the cookie.
    if now - session.get("seen_at", 0) > 60:
        session["seen_at"] = now
    g.person = web_session.person
    g.web_session = web_session


def home_url(person: Person) -> str:
    role = person.primary_role
    return url_for(HOME_ENDPOINTS[role]) if role else url_for("main.index")


def _unauthenticated() -> Response:
    if request.path.startswith("/api/"):
        abort(401)
    if g.get("session_expired"):
        flash("Your session has ended. Please sign in again.", "info")
    return redirect(url_for("main.login_page", next=request.full_path if request.method == "GET" else None))


def login_required(view: F) -> F:
    """Require a signed-in person; people are sent to sign in, API calls get 401."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_person() is None:
            return _unauthenticated()
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Require a signed-in person holding one of `roles`; others get 403."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            person = current_person()
            if person is None:
                return _unauthenticated()
            if not person.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapper.required_roles = roles  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


def public(view: F) -> F:
    """Mark a view as deliberately open to anyone (checked by the route-table test)."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def student_visible_or_404(student: Person | None) -> Person:
    """Return `student` if the current person may see their records, else 404."""
    viewer = current_person()
    if student is None or viewer is None or not can_view_student(db.session, viewer, student):
        abort(404)
    return student


def init_app(app: Flask) -> None:
    app.before_request(_load_person)

    @app.context_processor
    def inject_person() -> dict[str, Any]:
        return {"current_person": current_person(), "Role": Role}
