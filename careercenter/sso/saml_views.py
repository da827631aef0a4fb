"""Routes of the SAML service provider and the CAS client. Thin: the checks live in
`careercenter.sso.saml` / `careercenter.sso.cas`, the person lookup in `federation`."""

from __future__ import annotations

import secrets

from flask import Blueprint, Response, abort, current_app, flash, redirect, request, session
from werkzeug.wrappers import Response as WerkzeugResponse

from careercenter.auth import home_url, login_person, logout_person, public
from careercenter.extensions import csrf, db
from careercenter.redirects import safe_next
from careercenter.sso import cas, saml
from careercenter.sso.errors import SignInFailed
from careercenter.sso.federation import FederatedIdentity, complete_sign_in

saml_bp = Blueprint("saml", __name__, url_prefix="/saml")
cas_bp = Blueprint("cas", __name__, url_prefix="/cas")


@saml_bp.before_request
def _saml_configured() -> None:
    if "careercenter_saml" not in current_app.extensions:
        abort(404)


@cas_bp.before_request
def _cas_configured() -> None:
    if "careercenter_cas" not in current_app.extensions:
        abort(404)


def _finish(identity: FederatedIdentity, next_path: str | None) -> WerkzeugResponse:
    person = complete_sign_in(db.session, identity)
    login_person(person, identity.method)
    db.session.commit()
    flash(f"Signed in as {person.display_name}.", "info")
    return redirect(safe_next(next_path) or home_url(person))


#: The browser binding cookie: SameSite=None so the IdP's cross-site POST carries it (https only).
BINDING_COOKIE = "careercenter_saml_binding"


@saml_bp.get("/login")
@public
def saml_login() -> WerkzeugResponse:
    """Send the browser to the campus IdP with an AuthnRequest (HTTP-Redirect binding)."""
    binding = secrets.token_urlsafe(32) if saml.binds_browser() else None
    url = saml.start_login(db.session, safe_next(request.args.get("next")), binding)
    db.session.commit()
    response = redirect(url)
    if binding:
        response.set_cookie(
            BINDING_COOKIE,
            binding,
            max_age=int(saml.REQUEST_LIFETIME.total_seconds()),
            path="/saml/",
            secure=True,
            httponly=True,
            samesite="None",
        )
    return response


@saml_bp.post("/acs")
@csrf.exempt
@public
def saml_acs() -> WerkzeugResponse:
    """The IdP's HTTP-POST of its Response. Cross-site: no session cookie, no CSRF token; the
    signature and the server-side InResponseTo check protect it."""
    pending = saml.claim_request(db.session, request.form, request.cookies.get(BINDING_COOKIE))
    next_path = pending.next_path
    db.session.commit()  # the request is used up, whatever happens next
    identity, logout = saml.validate_response(db.session, pending, request.form)
    db.session.commit()  # the assertion is used up, whatever happens next
    response = _finish(identity, next_path)
    session["saml_logout"] = logout
    response.delete_cookie(BINDING_COOKIE, path="/saml/", secure=True, httponly=True, samesite="None")
    return response


@saml_bp.get("/metadata")
@public
def saml_metadata() -> Response:
    """Our SP metadata, for the campus IdP or federation to register."""
    return Response(saml.sp_metadata(), mimetype="application/samlmetadata+xml")


@saml_bp.get("/sls")
@public
def saml_sls() -> WerkzeugResponse:
    """Single logout: the IdP's answer to our LogoutRequest, or its own LogoutRequest."""
    target, end_local = saml.process_logout(request.args)
    if end_local and session.get("method") == "saml":
        logout_person()
    if target:
        return redirect(target)
    return redirect("/")


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
def cas_callback() -> WerkzeugResponse:
    """The CAS server sends the browser back here with a service ticket; validate it."""
    next_path = session.pop("cas_next", None)
    if not session.pop("cas_started", False):
        raise cas.not_started()
    try:
        identity = cas.validate_ticket(db.session, request.args.get("ticket"))
    except SignInFailed:
        db.session.commit()  # keep the record of the ticket: it is not tried again
        raise
    db.session.commit()  # the ticket is used up, whatever happens next
    return _finish(identity, next_path)
