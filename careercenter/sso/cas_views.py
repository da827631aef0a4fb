"""Routes of the CAS client. Thin: the ticket check lives in `careercenter.sso.cas`, the person
lookup in `federation`."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, request, session
from werkzeug.wrappers import Response as WerkzeugResponse

from careercenter import transaction
from careercenter.auth import public
from careercenter.extensions import db
from careercenter.redirects import safe_next
from careercenter.sso import cas
from careercenter.sso.errors import SignInFailed
from careercenter.sso.views import finish_federated

cas_bp = Blueprint("cas", __name__, url_prefix="/cas")


@cas_bp.before_request
def _cas_configured() -> None:
    if "careercenter_cas" not in current_app.extensions:
        abort(404)


@cas_bp.get("/login")
@public
def cas_login() -> WerkzeugResponse:
    """Send the browser to the CAS server's login with our fixed service URL."""
    session["cas_next"] = safe_next(request.args.get("next"))
    # The callback is a top-level GET, so the (SameSite=Lax) session comes back with it: only a
    # browser that started here may finish, so an attacker's ticket link signs nobody in.
    session["cas_started"] = True
    return redirect(cas.login_url())


@cas_bp.get("/callback")
@public
@transaction.writes_on_read
def cas_callback() -> WerkzeugResponse:
    """The CAS server sends the browser back here with a service ticket; validate it."""
    next_path = session.pop("cas_next", None)
    if not session.pop("cas_started", False):
        raise cas.not_started()
    try:
        identity = cas.validate_ticket(db.session, request.args.get("ticket"))
    except SignInFailed:
        transaction.keep_on_error()  # keep the record of the ticket: it is not tried again
        raise
    transaction.keep_on_error()  # the ticket is used up, whatever happens next
    return finish_federated(identity, next_path)
