"""The registrar machine API: `/oauth/token` and `/api/v1/…`, JSON and CSV, bearer tokens only.

No route here reads the session cookie or needs CSRF: the blueprint is CSRF-exempt and every
API view goes through `api_auth`, which clears any signed-in person.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, g, jsonify, request, stream_with_context

from careercenter.auth import public
from careercenter.errors import CareerCenterError, ValidationFailed, problem
from careercenter.extensions import csrf, db
from careercenter.registrar import feed, oauth, service
from careercenter.registrar.oauth import api_auth, current_client
from careercenter.registrar.openapi import openapi_document
from careercenter.sso.models import Person

bp = Blueprint("registrar", __name__)
csrf.exempt(bp)
bp.record_once(lambda state: oauth.init_app(state.app))

READ = "credits:read"
WRITE = "credits:write"
CSV_BATCH = 500


@bp.errorhandler(service.NotFound)
def _not_found(exc: service.NotFound) -> Response:
    db.session.rollback()
    return problem(404, str(exc), "Not found")


@bp.errorhandler(ValidationFailed)
def _invalid(exc: ValidationFailed) -> Response:
    db.session.rollback()
    invalid = [{"name": name, "reason": reason} for name, reason in exc.errors.items()]
    return problem(422, str(exc), "Invalid request", **{"invalid-params": invalid})


@bp.errorhandler(CareerCenterError)
def _domain_error(exc: CareerCenterError) -> Response:
    db.session.rollback()
    return problem(exc.status, str(exc), exc.title)


@bp.after_request
def _no_store(response: Response) -> Response:
    # Student records and tokens are never to be kept by shared caches.
    response.headers.setdefault("Cache-Control", "no-store")
    # How much of the client's rate limit is left (the tightest of its windows).
    response.headers.update(g.get("rate_limit_headers") or {})
    return response


# -- OAuth2 -------------------------------------------------------------------------------


@bp.post("/oauth/token")
@public
def token() -> Response:
    """Client credentials grant (client_secret_basic or client_secret_post)."""
    oauth.check_token_rate_limit()
    response = oauth.authorization_server(current_app).create_token_response()
    if response.status_code == 200:
        db.session.commit()
    else:
        db.session.rollback()
    return response


# -- the API ------------------------------------------------------------------------------


@bp.get("/api/v1/openapi.json")
@public
def openapi() -> Response:
    return jsonify(openapi_document())


def _listing(query: feed.FeedQuery, cursor: str | None, scope: str) -> Response:
    secret = current_app.config["SECRET_KEY"]
    if cursor is not None:
        query = _with(query, after=feed.read_cursor(secret, cursor, query, scope))
    horizon = feed.safe_horizon(db.session, sqlite_settle_seconds=current_app.config["REGISTRAR_SQLITE_SETTLE_SECONDS"])
    awards, has_more = feed.fetch_page(db.session, query, horizon)
    service.disclose_awards(db.session, current_client(), awards)
    body = {
        "data": [service.award_json(a) for a in awards],
        "next_cursor": feed.make_cursor(secret, query, scope, awards[-1]) if has_more else None,
    }
    db.session.commit()
    return jsonify(body)


def _with(query: feed.FeedQuery, **changes: Any) -> feed.FeedQuery:
    return replace(query, **changes)


@bp.get("/api/v1/credit-awards")
@api_auth(READ)
def list_awards() -> Response:
    query, cursor = feed.parse_feed_args(request.args)
    return _listing(query, cursor, "awards")


@bp.get("/api/v1/students/<campus_id>/credit-awards")
@api_auth(READ)
def student_awards(campus_id: str) -> Response:
    query, cursor = feed.parse_feed_args(request.args)
    student_id = None
    if len(campus_id) <= 64 and "\x00" not in campus_id:  # nothing longer, or with NUL, can be stored
        student_id = db.session.execute(sa.select(Person.id).where(Person.campus_id == campus_id)).scalar_one_or_none()
    if student_id is None:
        raise service.NotFound(f"No student has campus id {campus_id[:64]!r}.")
    return _listing(_with(query, student_id=student_id), cursor, "student")


@bp.get("/api/v1/credit-awards/<int:award_id>")
@api_auth(READ)
def get_award(award_id: int) -> Response:
    award = service.get_award(db.session, award_id)
    service.disclose_awards(db.session, current_client(), [award])
    body = service.award_json(award)
    db.session.commit()
    return jsonify(body)


@bp.post("/api/v1/credit-awards/<int:award_id>/posting")
@api_auth(WRITE)
def post_award(award_id: int) -> Response:
    body = request.get_json(silent=True)
    if body is None:
        raise ValidationFailed(
            "The body must be JSON (Content-Type: application/json).", {"body": "expected a JSON object"}
        )
    posting = service.parse_posting(body)
    award = service.post_award(db.session, current_client(), award_id, posting)
    service.disclose_awards(db.session, current_client(), [award], how="posted")
    result = service.award_json(award)
    db.session.commit()
    return jsonify(result)


CSV_COLUMNS = [
    "id",
    "student_campus_id",
    "student_name",
    "student_email",
    "course_subject",
    "course_number",
    "course_title",
    "credits",
    "grading_basis",
    "term",
    "rule_code",
    "rule_version",
    "experience_ids",
    "experience_hours",
    "approved_by",
    "approved_at",
    "approvals",
    "status",
    "sis_reference",
    "posted_at",
    "updated_at",
]


def _csv_safe(value: Any) -> Any:
    """Keep spreadsheet programs from running a cell as a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def approvals_summary(approvals: list[dict[str, Any]]) -> str:
    """The approvals trail in one cell: "Advisor review: approved by Raj Patel 2026-12-01T…Z; …"."""
    parts = []
    for a in approvals:
        who = a["decided_by"] or "a former approver"
        if a["on_behalf_of"]:
            who += f" (for {a['on_behalf_of']})"
        parts.append(f"{a['step']}: {a['decision']} by {who} {a['decided_at']}")
    return "; ".join(parts)


def _csv_row(award: Any) -> list[Any]:
    data = service.award_json(award)
    return [
        data["id"],
        data["student"]["campus_id"],
        _csv_safe(data["student"]["name"]),
        data["student"]["email"],
        data["course"]["subject"],
        data["course"]["number"],
        _csv_safe(data["course"]["title"]),
        data["credits"],
        data["grading_basis"],
        data["term"],
        data["rule"]["code"],
        data["rule"]["version"],
        " ".join(str(e["id"]) for e in data["experiences"]),
        service.decimal_string(sum((e.verified_hours or e.hours for e in award.request.experiences), start=0)),
        _csv_safe(data["approved_by"] or ""),
        data["approved_at"],
        _csv_safe(approvals_summary(data["approvals"])),
        data["status"],
        _csv_safe(data["sis_reference"] or ""),
        data["posted_at"] or "",
        data["updated_at"],
    ]


@bp.get("/api/v1/credit-awards.csv")
@api_auth(READ)
def awards_csv() -> Response:
    """Every matching award as CSV, streamed batch by batch in constant memory."""
    query, _ = feed.parse_feed_args(request.args, paged=False)
    client = current_client()
    horizon = feed.safe_horizon(db.session, sqlite_settle_seconds=current_app.config["REGISTRAR_SQLITE_SETTLE_SECONDS"])
    client_pk = client.id

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        batch_query = _with(query, limit=CSV_BATCH)
        while True:
            awards, has_more = feed.fetch_page(db.session, batch_query, horizon)
            for award in awards:
                writer.writerow(_csv_row(award))
            if awards:
                reader = db.session.get(type(client), client_pk)
                service.disclose_awards(db.session, reader, awards, how="exported")
                batch_query = _with(batch_query, after=(awards[-1].updated_at, awards[-1].id))
            db.session.commit()
            db.session.expunge_all()  # constant memory: forget the batch just written
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            if not has_more:
                return

    response = Response(stream_with_context(rows()), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="credit-awards.csv"'
    return response
