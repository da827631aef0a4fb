"""Transcript pages: the student's list, registrar staff's desk, and the public verification."""

from __future__ import annotations

import re
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from careercenter import transaction
from careercenter.audit.service import Actor, disclose_to_person
from careercenter.auth import login_required, me, public, roles_required
from careercenter.confirm import ask_first
from careercenter.errors import CareerCenterError
from careercenter.extensions import db, limiter
from careercenter.jobs import service as jobs
from careercenter.jobs.models import Job, JobState
from careercenter.sso.models import Person, Role
from careercenter.sso.service import find_person_by_campus_id
from careercenter.transcripts import jobs as transcript_jobs
from careercenter.transcripts import service, supersede, verification
from careercenter.transcripts.forms import (
    IssueForStudentForm,
    ReissueForm,
    RequestTranscriptForm,
    RevokeForm,
    UploadForm,
)
from careercenter.transcripts.models import Transcript, TranscriptState
from careercenter.transcripts.render import SetupError
from careercenter.transcripts.signing import SigningUnavailable

bp = Blueprint("transcripts", __name__)

STAFF = (Role.REGISTRAR, Role.ADMIN)
DEFAULT_VERIFY_LIMIT = "30 per minute"
DEFAULT_UPLOAD_MAX = 5 * 1024 * 1024


def _verify_limit() -> str:
    return current_app.config.get("VERIFY_RATE_LIMIT") or DEFAULT_VERIFY_LIMIT


_CANNOT_ISSUE = (
    "Transcripts cannot be issued right now (the signing setup is incomplete; the error is "
    "logged for the operators). Please try again later, or contact the career center."
)


class CannotIssue(CareerCenterError):
    status = 503
    title = "Temporarily unavailable"


def _issue(student: Person) -> Transcript:
    """Issue through the service — a reissue: the student's current transcripts become superseded
    by the new one; a missing key or font becomes a clear 503 for people."""
    person = me()
    try:
        settings = service.settings_from_app(current_app)
        return supersede.reissue(db.session, student, settings, actor=Actor.person(person), issued_by=person)
    except (SigningUnavailable, SetupError) as exc:
        # The operator's log says what to fix; people get a plain sentence.
        current_app.logger.error("transcripts cannot be issued: %s", exc)
        raise CannotIssue(_CANNOT_ISSUE) from None


def _visible_transcript(transcript_id: int) -> Transcript:
    """The transcript if the viewer is its student or registrar staff; 404 for another student's."""
    person = me()
    if not person.has_role(Role.STUDENT, *STAFF):
        abort(403)
    transcript = db.session.get(Transcript, transcript_id)
    if transcript is None:
        abort(404)
    if transcript.student_id != person.id and not person.has_role(*STAFF):
        abort(404)
    return transcript


# ---- the student ---------------------------------------------------------------------------


@bp.get("/transcripts")
@roles_required(Role.STUDENT)
def my_transcripts() -> str:
    person = me()
    return render_template(
        "transcripts/list.html",
        transcripts=service.transcripts_of(db.session, person.id),
        form=RequestTranscriptForm(),
        has_verified=bool(service.verified_experiences(db.session, person.id)),
        offers=supersede.open_offers(db.session, person.id),
    )


@bp.post("/transcripts")
@roles_required(Role.STUDENT)
def request_transcript() -> Response | tuple[str, int]:
    person = me()
    form = RequestTranscriptForm()
    if not form.validate_on_submit():
        flash("The form expired; please try again.", "error")
        return redirect(url_for("transcripts.my_transcripts"))
    try:
        transcript_jobs.check_can_request(db.session, person)
        job = jobs.enqueue(db.session, transcript_jobs.KIND, {"student_id": person.id}, owner_id=person.id)
        if not jobs.runs_inline(current_app.config):  # a jobs worker renders and signs it
            return redirect(url_for("transcripts.preparing", job_id=job.id), code=303)
        transcript_id = _run_inline(job)["transcript_id"]
    except CareerCenterError as exc:
        transaction.doom()
        flash(str(exc), "error")
        return redirect(url_for("transcripts.my_transcripts"))
    flash("Your transcript is ready: it is signed, and its verification code is on every page.", "success")
    return redirect(url_for("transcripts.show", transcript_id=transcript_id))


def _run_inline(job: Job) -> dict[str, Any]:
    """Development: the request runs its own job (a missing key or font: the same 503 sentence)."""
    try:
        return jobs.run_inline(db.session, job, current_app._get_current_object())  # type: ignore[attr-defined]
    except (SigningUnavailable, SetupError) as exc:
        current_app.logger.error("transcripts cannot be issued: %s", exc)
        raise CannotIssue(_CANNOT_ISSUE) from None


def _own_job(job_id: int) -> Job:
    """The student's own transcript request; 404 for anyone else's, as for one that does not exist."""
    job = jobs.job_of(db.session, job_id, me().id)
    if job is None:
        abort(404)
    return job


@bp.get("/transcripts/requests/<int:job_id>")
@roles_required(Role.STUDENT)
def preparing(job_id: int) -> Response | str:
    """ "Preparing your transcript…" until the worker is done, then the transcript: with JavaScript
    the page polls `preparing_status`; without, a meta refresh reloads it every two seconds."""
    job = _own_job(job_id)
    if job.state is JobState.DONE and job.result:
        flash("Your transcript is ready: it is signed, and its verification code is on every page.", "success")
        return redirect(url_for("transcripts.show", transcript_id=job.result["transcript_id"]), code=303)
    return render_template("transcripts/preparing.html", job=job, failed=job.state is JobState.FAILED)


@bp.get("/transcripts/requests/<int:job_id>.json")
@roles_required(Role.STUDENT)
def preparing_status(job_id: int) -> Response:
    """The request's state for the page's script: queued, running, ready (with the PDF's URL) or failed."""
    response = jsonify(transcript_jobs.request_status(_own_job(job_id)))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/transcripts/<int:transcript_id>")
@login_required
@transaction.writes_on_read
def show(transcript_id: int) -> str:
    """The accessible HTML twin of one transcript (what the PDF states, as a web page)."""
    transcript = _visible_transcript(transcript_id)
    person = me()
    disclose_to_person(
        db.session,
        person,
        transcript.student,
        f"transcript {transcript.display_code} (HTML)",
        "registrar staff reviewing an issued transcript",
    )
    return render_template(
        "transcripts/show.html",
        transcript=transcript,
        snap=transcript.snapshot,
        revoke_form=RevokeForm() if person.has_role(*STAFF) and not transcript.is_revoked else None,
        reissue_form=ReissueForm() if transcript.state is TranscriptState.ISSUED else None,
        is_owner=person.id == transcript.student_id,
    )


@bp.post("/transcripts/<int:transcript_id>/reissue")
@login_required
def reissue(transcript_id: int) -> Response:
    """The student or registrar staff reissue: this transcript becomes superseded by a new one."""
    transcript = _visible_transcript(transcript_id)
    if not ReissueForm().validate_on_submit():
        flash("The form expired; please try again.", "error")
        return redirect(url_for("transcripts.show", transcript_id=transcript.id))
    if transcript.state is not TranscriptState.ISSUED:
        transaction.doom()
        flash("This transcript was already superseded or revoked; reissue from the newest one.", "error")
        return redirect(url_for("transcripts.show", transcript_id=transcript.id))
    try:
        new = _issue(transcript.student)
    except CareerCenterError as exc:
        transaction.doom()
        flash(str(exc), "error")
        return redirect(url_for("transcripts.show", transcript_id=transcript.id))
    flash("A new transcript is issued; the earlier one now verifies as superseded.", "success")
    return redirect(url_for("transcripts.show", transcript_id=new.id))


@bp.get("/transcripts/<int:transcript_id>/pdf")
@login_required
@transaction.writes_on_read
def download(transcript_id: int) -> Response:
    """The signed PDF exactly as issued (the same bytes on every download)."""
    transcript = _visible_transcript(transcript_id)
    person = me()
    disclose_to_person(
        db.session,
        person,
        transcript.student,
        f"transcript {transcript.display_code} (signed PDF)",
        "registrar staff downloading an issued transcript",
    )
    snap = transcript.snapshot
    campus_id = re.sub(r"[^A-Za-z0-9_-]", "", snap["student"]["campus_id"])[:40]
    filename = f"transcript-{campus_id}-{snap['issued_on']}-{transcript.verification_code[:8]}.pdf"
    response = make_response(transcript.pdf)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ---- registrar staff -----------------------------------------------------------------------


@bp.get("/registrar/transcripts")
@roles_required(*STAFF)
def registrar_list() -> str:
    q = (request.args.get("q") or "").strip()[:64]
    return render_template(
        "transcripts/registrar.html",
        transcripts=service.recent_transcripts(db.session, campus_id=q or None),
        form=IssueForStudentForm(),
        q=q,
    )


@bp.post("/registrar/transcripts")
@roles_required(*STAFF)
def registrar_issue() -> Response | tuple[str, int]:
    form = IssueForStudentForm()

    def again(status: int) -> tuple[str, int]:
        return (
            render_template(
                "transcripts/registrar.html",
                transcripts=service.recent_transcripts(db.session),
                form=form,
                q="",
            ),
            status,
        )

    if not form.validate_on_submit():
        return again(422)
    student = find_person_by_campus_id(db.session, form.campus_id.data)
    if student is None or not student.has_role(Role.STUDENT):
        form.campus_id.errors.append("No student has this campus ID.")
        return again(422)
    try:
        transcript = _issue(student)
    except CareerCenterError as exc:
        form.campus_id.errors.append(str(exc))
        return again(exc.status)
    flash(f"Transcript issued to {student.display_name}.", "success")
    return redirect(url_for("transcripts.show", transcript_id=transcript.id))


@bp.post("/transcripts/<int:transcript_id>/revoke")
@roles_required(*STAFF)
def revoke(transcript_id: int) -> Response | tuple[str, int]:
    transcript = db.session.get(Transcript, transcript_id)
    if transcript is None:
        abort(404)
    form = RevokeForm()
    person = me()
    if form.validate_on_submit() and not transcript.is_revoked:
        page = ask_first(
            title="Revoke this transcript?",
            consequence=f"The transcript of {transcript.snapshot['student']['name']} will no longer stand: its "
            "verification page and every check of the file will say it was revoked, with your reason. "
            "This cannot be undone.",
            button="Yes, revoke the transcript",
            cancel_url=url_for("transcripts.show", transcript_id=transcript.id),
        )
        if page is not None:
            return page, 200
    if form.validate_on_submit():
        try:
            service.revoke_transcript(
                db.session, transcript, reason=form.reason.data, actor=Actor.person(person), revoked_by=person
            )
        except CareerCenterError as exc:
            form.reason.errors.append(str(exc))
        else:
            flash("The transcript is revoked; its verification page now says so.", "success")
            return redirect(url_for("transcripts.show", transcript_id=transcript.id))
    status = 409 if transcript.is_revoked else 422
    return (
        render_template(
            "transcripts/show.html",
            transcript=transcript,
            snap=transcript.snapshot,
            revoke_form=form if not transcript.is_revoked else None,
            reissue_form=ReissueForm() if transcript.state is TranscriptState.ISSUED else None,
            is_owner=False,
        ),
        status,
    )


# ---- public verification -------------------------------------------------------------------


@bp.get("/verify")
@public
@limiter.limit(_verify_limit)
def verify_form() -> Response | str:
    """Enter a code, or upload a PDF. `?code=` (the code form, no JS needed) leads to its page."""
    raw = request.args.get("code")
    if raw is not None:
        code = service.normalise_code(raw)
        if code:
            return redirect(url_for("transcripts.verify_code", code=code))
        return make_response(
            render_template(
                "transcripts/verify_form.html",
                form=UploadForm(),
                code=raw[:80],
                code_error="A verification code has 32 letters and digits (2–7), as printed on the transcript.",
            ),
            422,
        )
    return render_template("transcripts/verify_form.html", form=UploadForm(), code="", code_error=None)


@bp.post("/verify")
@public
@limiter.limit(_verify_limit)
def verify_upload() -> Response | tuple[str, int]:
    """Whether an uploaded file is exactly a PDF issued here (SHA-256 of the bytes)."""
    form = UploadForm()
    status = 422
    if form.validate_on_submit():
        upload = form.pdf.data
        limit = int(current_app.config.get("VERIFY_UPLOAD_MAX_BYTES") or DEFAULT_UPLOAD_MAX)
        data = upload.stream.read(limit + 1)
        if len(data) > limit:
            form.pdf.errors.append(f"The file is larger than {limit // (1024 * 1024)} MB: no transcript is that big.")
            status = 413
        elif not data.startswith(b"%PDF-"):
            form.pdf.errors.append("This is not a PDF file. Choose the transcript's .pdf file.")
            status = 415
        else:
            transcript = service.find_by_pdf(db.session, data)
            return (
                render_template(
                    "transcripts/verify_upload.html",
                    transcript=transcript,
                    status=verification.verification_status(transcript),
                    filename=(upload.filename or "upload.pdf")[:120],
                    size=len(data),
                ),
                200,
            )
    return render_template("transcripts/verify_form.html", form=form, code="", code_error=None), status


@bp.get("/verify/<code>")
@public
@limiter.limit(_verify_limit)
def verify_code(code: str) -> tuple[str, int]:
    transcript = service.find_by_code(db.session, code)
    status = verification.verification_status(transcript)
    return (
        render_template(
            "transcripts/verify.html",
            transcript=transcript,
            status=status,
            credentials=verification.credential_statuses(db.session, transcript),
            snap=transcript.snapshot if transcript else None,
            code=code[:80],
        ),
        404 if transcript is None else 200,
    )


@bp.get("/verify/<code>.json")
@public
@limiter.limit(_verify_limit)
def verify_code_json(code: str) -> tuple[Response, int]:
    transcript = service.find_by_code(db.session, code)
    credentials = verification.credential_statuses(db.session, transcript)
    body = verification.verification_document(transcript, code[:80], credentials)
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, 404 if transcript is None else 200
