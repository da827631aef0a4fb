"""Routes: the issuer profile, status lists, a student's credentials, the registrar API's CLR,
and the public credential verifier."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from markupsafe import Markup

from careercenter import transaction
from careercenter.auth import me, public, roles_required
from careercenter.bodies import UnreadableBody, decode_utf8, request_bytes
from careercenter.credentials import issuance, verification
from careercenter.credentials import issuer as issuer_mod
from careercenter.credentials import status as credential_status
from careercenter.credentials.forms import VerifyForm
from careercenter.credentials.keys import SigningKeyError
from careercenter.credentials.models import CredentialKind, IssuedCredential
from careercenter.errors import problem, render_error
from careercenter.extensions import csrf, db, limiter
from careercenter.registrar.oauth import api_auth
from careercenter.sso.models import Person, Role

bp = Blueprint("credentials", __name__)

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger(__name__)

JSONLD = "application/ld+json"
#: A credential is a few kilobytes; a CLR about 4 KB per record it bundles.
MAX_SUBMISSION = 2 * 1024 * 1024


#: The registrar API's OAuth2 bearer-token check (scope, revocation, expiry, per-client rate
#: limit); it leaves the client in `g.api_client`.
require_api_scope = api_auth


@bp.errorhandler(SigningKeyError)
def no_signing_key(exc: SigningKeyError) -> Any:
    """A missing or broken issuing key is the operator's to fix: say so, and log it."""
    log.error("credentials cannot be issued or checked: %s", exc)
    message = "Verifiable credentials are unavailable: the issuing key is not configured."
    if not current_app.config.get("IS_PRODUCTION"):
        message += " Make a development key with: flask credentials make-dev-key"
    return render_error(503, message)


def _json(body: Any, *, mimetype: str = "application/json", filename: str | None = None) -> Response:
    response = Response(json.dumps(body, indent=2, ensure_ascii=False) + "\n", mimetype=mimetype)
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# ---- public documents -------------------------------------------------------------------------


@bp.get("/issuer")
@public
def issuer() -> Response:
    """The institution's issuer profile, with the public keys its credentials are signed with."""
    response = _json(issuer_mod.issuer_profile(current_app.config), mimetype=JSONLD)
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/credentials/status/<int:list_id>")
@public
def status_list(list_id: int) -> Response:
    """The signed Bitstring Status List credential (revocation) for list `list_id`."""
    try:
        document = credential_status.status_list_credential(db.session, list_id, current_app.config)
    except issuance.CredentialNotFound:
        abort(404)
    response = _json(document, mimetype=JSONLD)
    # Short-lived: a revocation must reach verifiers quickly.
    response.headers["Cache-Control"] = "public, max-age=60"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# ---- the student's own credentials -------------------------------------------------------------


@bp.get("/me/credentials")
@roles_required(Role.STUDENT)
@transaction.writes_on_read
def my_credentials() -> str:
    """The student's credentials: each verified experience and posted award, and the CLR."""
    student = me()
    rows = issuance.record_credentials(db.session, student, current_app.config)
    return render_template(
        "credentials/mine.html",
        credentials=rows,
        issuer_url=issuer_mod.issuer_id(current_app.config),
        CredentialKind=CredentialKind,
    )


def _filename(row: Any, ext: str) -> str:
    return f"{row.kind.value}-{row.credential_id.rsplit(':', 1)[-1]}.{ext}"


@bp.get("/me/credentials/<uuid:credential_uuid>.json")
@roles_required(Role.STUDENT)
def my_credential_json(credential_uuid: Any) -> Response:
    row = _own(credential_uuid)
    return _json(row.document, mimetype=JSONLD, filename=_filename(row, "json"))


@bp.get("/me/credentials/<uuid:credential_uuid>.jwt")
@roles_required(Role.STUDENT)
def my_credential_jwt(credential_uuid: Any) -> Response:
    row = _own(credential_uuid)
    response = Response(row.jwt, mimetype="application/jwt")
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(row, "jwt")}"'
    return response


def _own(credential_uuid: Any) -> Any:
    student = me()
    try:
        return issuance.student_credential(db.session, student, f"urn:uuid:{credential_uuid}")
    except issuance.CredentialNotFound:
        abort(404)


@bp.get("/me/credentials/clr.json")
@roles_required(Role.STUDENT)
@transaction.writes_on_read
def my_clr_json() -> Response:
    student = me()
    row = _my_clr(student)
    if row is None:
        return redirect(url_for("credentials.my_credentials"))
    return _json(row.document, mimetype=JSONLD, filename=f"clr-{student.campus_id}.json")


@bp.get("/me/credentials/clr.jwt")
@roles_required(Role.STUDENT)
@transaction.writes_on_read
def my_clr_jwt() -> Response:
    student = me()
    row = _my_clr(student)
    if row is None:
        return redirect(url_for("credentials.my_credentials"))
    response = Response(row.jwt, mimetype="application/jwt")
    response.headers["Content-Disposition"] = f'attachment; filename="clr-{student.campus_id}.jwt"'
    return response


def _my_clr(student: Person) -> IssuedCredential | None:
    try:
        row = issuance.clr_for(db.session, student, current_app.config)
    except issuance.NothingToBundle as exc:
        transaction.doom()
        flash(str(exc), "info")
        return None
    return row


def student_panel(person: Any) -> Markup:
    return Markup(render_template("credentials/_panel.html"))  # noqa: S704 (an autoescaped template)


# ---- the registrar systems' API -----------------------------------------------------------------


@bp.get("/api/v1/students/<campus_id>/clr")
@public  # protected by the OAuth2 bearer token and scope below, not by a campus session
@require_api_scope("credits:read")
@transaction.writes_on_read
def api_student_clr(campus_id: str) -> Response:
    """The student's CLR 2.0 (JSON-LD, signed), for a registrar system; disclosure-logged."""
    try:
        document = issuance.clr_for_student(db.session, campus_id, g.api_client, current_app.config)
    except issuance.CredentialNotFound:
        return problem(404, f"No student with campus id {campus_id}.")
    except issuance.NothingToBundle as exc:
        return problem(409, str(exc))
    return _json(document, mimetype=JSONLD)


# ---- verification -------------------------------------------------------------------------------


@bp.get("/verify/credential")
@public
def verify_page() -> str:
    return render_template("credentials/verify.html", form=VerifyForm(), result=None)


@bp.post("/verify/credential")
@public
@csrf.exempt  # it changes nothing, and verifiers post to it from anywhere
@limiter.limit("30 per minute")  # canonicalization costs CPU: no free denial of service
def verify_credential() -> Any:
    """Check a credential: a JSON or JWT request body, or the form (pasted text or a file)."""
    wants_json = request.mimetype in {"application/json", "application/ld+json", "application/jwt", "text/plain"}
    if wants_json:
        try:
            text = decode_utf8(request_bytes(MAX_SUBMISSION))
            result = verification.verify_submission(db.session, text, current_app.config)
        except UnreadableBody as exc:
            return problem(exc.status, "A credential or record is at most 2 MB." if exc.status == 413 else str(exc))
        except verification.BadSubmission as exc:
            return problem(400, str(exc))
        return _json(result.as_dict())
    form = VerifyForm()
    result = None
    if form.validate_on_submit():
        text = form.text_value()
        try:
            result = verification.verify_submission(db.session, text, current_app.config)
        except verification.BadSubmission as exc:
            form.credential.errors.append(str(exc))
    status = 200 if result is not None or request.method == "GET" else 422
    return render_template("credentials/verify.html", form=form, result=result), status
