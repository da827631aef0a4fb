"""`/me/shares` (the student's share links and who viewed them) and `/shared/<token>` (the
recipient's page). Thin: the service holds the rules and writes the disclosure log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from careercenter.auth import me, public, roles_required
from careercenter.db import utcnow
from careercenter.errors import ValidationFailed
from careercenter.extensions import db
from careercenter.sharing import service
from careercenter.sharing.forms import ShareForm
from careercenter.sso.models import Role
from careercenter.transaction import writes_on_read

bp = Blueprint("sharing", __name__)

#: Form field of each error key the service reports.
_FIELDS = {"recipient", "purpose", "transcript", "credentials", "days", "typed_name"}


def _form_with_choices(form: ShareForm, student: Any) -> ShareForm:
    transcripts, credentials = service.shareable(db.session, student)
    form.transcript.choices = [("", "No transcript")] + [
        (str(t.id), f"Transcript {t.display_code}, issued {t.issued_at:%Y-%m-%d}") for t in transcripts
    ]
    form.credentials.choices = [(c.id, str(c.document.get("name"))) for c in credentials]
    return form


def _page(form: ShareForm, status: int = 200) -> tuple[str, int]:
    student = me()
    shares = service.student_shares(db.session, student)
    return (
        render_template(
            "sharing/mine.html",
            form=form,
            shares=shares,
            views=service.views_of(db.session, shares),
            now=utcnow(),
        ),
        status,
    )


@bp.get("/me/shares")
@roles_required(Role.STUDENT)
def my_shares() -> tuple[str, int]:
    return _page(_form_with_choices(ShareForm(), me()))


@bp.post("/me/shares")
@roles_required(Role.STUDENT)
def create_share() -> tuple[str, int]:
    student = me()
    form = _form_with_choices(ShareForm(), student)
    if not form.validate_on_submit():
        return _page(form, 400)
    transcript = form.transcript.data
    req = service.ShareRequest(
        recipient=form.recipient.data or "",
        purpose=form.purpose.data or "",
        transcript_id=int(transcript) if transcript and str(transcript).isdigit() else None,
        credential_ids=list(form.credentials.data or []),
        days=form.days.data if form.days.data is not None else service.DEFAULT_DAYS,
        typed_name=form.typed_name.data or "",
    )
    try:
        made = service.create_share(db.session, student, req)
    except ValidationFailed as exc:
        for name, message in exc.errors.items():
            getattr(form, name if name in _FIELDS else "recipient").errors.append(message)
        return _page(form, 422)
    link = current_app.config["PUBLIC_URL"] + url_for("sharing.shared", token=made.token)
    return render_template("sharing/created.html", share=made.share, link=link), 201


@bp.post("/me/shares/<int:share_id>/revoke")
@roles_required(Role.STUDENT)
def revoke_share(share_id: int) -> Response:
    try:
        share = service.revoke_share(db.session, me(), share_id)
    except service.ShareNotFound:
        abort(404)
    flash(f"The link for {share.recipient} no longer works.", "success")
    return redirect(url_for("sharing.my_shares"))


@bp.get("/shared/<token>")
@public
@writes_on_read
def shared(token: str) -> Response:
    """The recipient's page: exactly what was shared, each record's live status, the consent."""
    share = service.find(db.session, token)
    if share is None:
        abort(404)
    now = utcnow()
    if not share.is_live(now):
        response = make_response(render_template("sharing/gone.html", share=share, status=share.status(now)), 410)
    else:
        records = service.open_share(db.session, share, viewer=request.remote_addr or "unknown address")
        response = make_response(render_template("sharing/shared.html", records=records, now=now))
    # The token is in the URL: keep it out of caches and of other sites' Referer headers.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
