"""Sign-in routes: the OIDC callback and the directory login form.

Thin: each method proves who someone is (`oidc.finish_login`, `Directory.authenticate`), then
`resolve_person` says who they are here, `login_person` starts a fresh session; the request boundary commits.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, session
from werkzeug.wrappers import Response

from careercenter.auth import home_url, login_person, public
from careercenter.extensions import db, limiter
from careercenter.redirects import safe_next
from careercenter.sso import oidc
from careercenter.sso.errors import InvalidCredentials
from careercenter.sso.federation import FederatedIdentity, complete_sign_in
from careercenter.sso.forms import DirectoryLoginForm
from careercenter.sso.models import Person
from careercenter.sso.service import Identity, resolve_person
from careercenter.transaction import writes_on_read
from careercenter.views import render_login_page

bp = Blueprint("sso", __name__)

NEXT_KEY = "login_next"


def finish_sign_in(person: Person, method: str, target: str | None, **session_values: str) -> Response:
    """Start `person`'s session, say so, and go on to `target` (or their home): every method ends here."""
    login_person(person, method)
    session.update(session_values)
    flash(f"Signed in as {person.display_name}.", "info")
    return redirect(safe_next(target) or home_url(person))


def finish_federated(identity: FederatedIdentity, next_path: str | None) -> Response:
    """Sign in the person a SAML or CAS identity names (refused ones raise `SignInRefused`)."""
    person = complete_sign_in(db.session, identity)
    return finish_sign_in(person, identity.method, next_path)


def start_oidc(next_target: str | None) -> Response:
    """Remember where to go afterwards, then send the browser to the provider."""
    response = oidc.start_login()
    session[NEXT_KEY] = safe_next(next_target)
    return response


@bp.get("/auth/callback")
@public
@writes_on_read
def callback() -> Response:
    """Where the provider sends the browser back with `code` and `state`."""
    if "careercenter_oidc" not in current_app.extensions:
        abort(404)
    target = session.get(NEXT_KEY)
    identity, id_token = oidc.finish_login()
    person = resolve_person(
        db.session,
        current_app.extensions["careercenter_directory"],
        identity,
        current_app.extensions["careercenter_role_map"],
    )
    return finish_sign_in(person, "oidc", target, oidc_id_token=id_token)


def _rate_limit() -> str:
    return str(current_app.config["LDAP_LOGIN_RATE_LIMIT"])


def _username_key() -> str:
    # A second budget per username, so guessing one person's password from many addresses is
    # as slow as from one.
    return "directory-login:" + (request.form.get("username") or "").strip().lower()[:256]


@bp.post("/login/directory")
@public
@limiter.limit(_rate_limit)
@limiter.limit(_rate_limit, key_func=_username_key)
def directory_login() -> Response | tuple[str, int]:
    """The directory login form: bind as the person with their password."""
    if not current_app.extensions.get("careercenter_directory_login"):
        abort(404)
    form = DirectoryLoginForm()
    if not form.validate_on_submit():
        return render_login_page(directory_form=form), 400
    directory = current_app.extensions["careercenter_directory"]
    try:
        entry = directory.authenticate(form.username.data.strip(), form.password.data)
    except InvalidCredentials as exc:
        form.password.errors = [str(exc)]
        return render_login_page(directory_form=form), 401
    identity = Identity(method="ldap", subject=f"ldap:{entry.dn}"[:255], username=entry.username, email=entry.email)
    person = resolve_person(db.session, directory, identity, current_app.extensions["careercenter_role_map"])
    return finish_sign_in(person, "ldap", form.next.data or request.args.get("next"))
