"""The registrar machine API: `/oauth/token` and `/api/v1/…`, JSON and CSV, bearer tokens only.

No route here reads the session cookie or needs CSRF: the blueprint is CSRF-exempt and every
API view goes through `api_auth`, which clears any signed-in person.
"""

from __future__ import annotations

import json
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, g, jsonify, request, stream_with_context

from careercenter.auth import public
from careercenter.bodies import json_body
from careercenter.errors import CareerCenterError, ValidationFailed, problem
from careercenter.extensions import csrf, db
from careercenter.registrar import csv_export, feed, feed_sql, oauth, service
from careercenter.registrar.oauth import api_auth, current_client
from careercenter.registrar.openapi import openapi_document
from careercenter.sso.models import Person
from careercenter.transaction import writes_on_read

#: A posting is a status, an SIS reference and a note: a few hundred bytes.
POSTING_MAX_BYTES = 64 * 1024

bp = Blueprint("registrar", __name__)
csrf.exempt(bp)
bp.record_once(lambda state: oauth.init_app(state.app))

READ = "credits:read"
WRITE = "credits:write"


@bp.errorhandler(service.NotFound)
def _not_found(exc: service.NotFound) -> Response:
    return problem(404, str(exc), "Not found")


@bp.errorhandler(ValidationFailed)
def _invalid(exc: ValidationFailed) -> Response:
    invalid = [{"name": name, "reason": reason} for name, reason in exc.errors.items()]
    return problem(422, str(exc), "Invalid request", **{"invalid-params": invalid})


@bp.errorhandler(CareerCenterError)
def _domain_error(exc: CareerCenterError) -> Response:
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
    try:
        return oauth.authorization_server(current_app).create_token_response()
    except ValueError:  # authlib unpacks a malformed Authorization header ("Bearer  ", bad Basic) unguarded
        body = {"error": "invalid_client", "error_description": "The Authorization header is malformed."}
        return Response(json.dumps(body), status=401, mimetype="application/json")


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
    if feed_sql.enabled(db.session):  # PostgreSQL builds the page; the bytes pass through
        body = feed_sql.page_body(
            db.session,
            query,
            horizon,
            current_client(),
            lambda at, last_id: feed.make_cursor(secret, query, scope, SimpleNamespace(updated_at=at, id=last_id)),
        )
        if current_app.debug:  # jsonify indents in debug mode: answer what the ORM path answers
            return jsonify(json.loads(b"".join(body)))
        return Response(body, mimetype="application/json")  # a list: Werkzeug sums its pieces' lengths
    awards, has_more = feed.fetch_page(db.session, query, horizon)
    service.disclose_awards(db.session, current_client(), awards)
    statements = service.statements_for(db.session, awards)
    body = {
        "data": [service.award_json(a, statements) for a in awards],
        "next_cursor": feed.make_cursor(secret, query, scope, awards[-1]) if has_more else None,
    }
    return jsonify(body)


def _with(query: feed.FeedQuery, **changes: Any) -> feed.FeedQuery:
    return replace(query, **changes)


@bp.get("/api/v1/credit-awards")
@api_auth(READ)
@writes_on_read
def list_awards() -> Response:
    query, cursor = feed.parse_feed_args(request.args)
    return _listing(query, cursor, "awards")


@bp.get("/api/v1/students/<campus_id>/credit-awards")
@api_auth(READ)
@writes_on_read
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
@writes_on_read
def get_award(award_id: int) -> Response:
    award = service.get_award(db.session, award_id)
    service.disclose_awards(db.session, current_client(), [award])
    return jsonify(service.award_json(award, service.statements_for(db.session, [award])))


@bp.post("/api/v1/credit-awards/<int:award_id>/posting")
@api_auth(WRITE)
def post_award(award_id: int) -> Response:
    body = json_body(POSTING_MAX_BYTES)
    posting = service.parse_posting(body)
    award = service.post_award(db.session, current_client(), award_id, posting)
    service.disclose_awards(db.session, current_client(), [award], how="posted")
    return jsonify(service.award_json(award))


@bp.get("/api/v1/credit-awards.csv")
@api_auth(READ)
@writes_on_read
def awards_csv() -> Response:
    """Every matching award as CSV, streamed batch by batch in constant memory."""
    query, _ = feed.parse_feed_args(request.args, paged=False)
    client = current_client()
    horizon = feed.safe_horizon(db.session, sqlite_settle_seconds=current_app.config["REGISTRAR_SQLITE_SETTLE_SECONDS"])
    stream = feed_sql.stream_csv if feed_sql.enabled(db.session) else csv_export.stream_csv
    rows = stream(db.session, query, horizon, client.id)
    response = Response(stream_with_context(rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="credit-awards.csv"'
    return response
