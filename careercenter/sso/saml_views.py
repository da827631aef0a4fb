"""Routes of the SAML service provider. Thin: the checks live in `careercenter.sso.saml`, the
person lookup in `federation`, the session start in `sso.views.finish_federated`."""

from __future__ import annotations

import secrets

from flask import Blueprint, Response, abort, current_app, redirect, request, session
from werkzeug.wrappers import Response as WerkzeugResponse

from careercenter import transaction
from careercenter.auth import logout_person, public
from careercenter.extensions import csrf, db
from careercenter.redirects import safe_next
from careercenter.sso import saml
from careercenter.sso.views import finish_federated

saml_bp = Blueprint("saml", __name__, url_prefix="/saml")


@saml_bp.before_request
def _saml_configured() -> None:
    if "careercenter_saml" not in current_app.extensions:
        abort(404)


#: The browser binding cookie: SameSite=None so the IdP's cross-site POST carries it (https only).
BINDING_COOKIE = "careercenter_saml_binding"


@saml_bp.get("/login")
@public
@transaction.writes_on_read
def saml_login() -> WerkzeugResponse:
    """Send the browser to the campus IdP with an AuthnRequest (HTTP-Redirect binding)."""
    binding = secrets.token_urlsafe(32) if saml.binds_browser() else None
    url = saml.start_login(db.session, safe_next(request.args.get("next")), binding)
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
    # The request is used up, and (once checked) so is the assertion, whatever happens next:
    # a refused sign-in still keeps both records.
    transaction.keep_on_error()
    identity, logout = saml.validate_response(db.session, pending, request.form)
    response = finish_federated(identity, next_path)
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
@transaction.writes_on_read
def saml_sls() -> WerkzeugResponse:
    """Single logout: the IdP's answer to our LogoutRequest, or its own LogoutRequest."""
    target, end_local = saml.process_logout(request.args)
    if end_local and session.get("method") == "saml":
        logout_person()
    if target:
        return redirect(target)
    return redirect("/")
