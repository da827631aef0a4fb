"""`/api/v1/webhooks…`: registrar systems manage their subscriptions (scope `webhooks:manage`).

Bearer tokens only (no session, no CSRF), like the rest of the registrar API. Another
client's subscription answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from careercenter.errors import ValidationFailed, problem
from careercenter.extensions import csrf, db
from careercenter.registrar.oauth import api_auth, current_client
from careercenter.registrar.webhooks import service
from careercenter.registrar.webhooks.models import WebhookDelivery, WebhookSubscription

SCOPE = "webhooks:manage"
MAX_LIMIT = 200

bp = Blueprint("registrar_webhooks", __name__)
csrf.exempt(bp)


@bp.errorhandler(service.SubscriptionNotFound)
def _not_found(exc: service.SubscriptionNotFound) -> Response:
    return problem(404, str(exc), "Not found")


@bp.errorhandler(ValidationFailed)
def _invalid(exc: ValidationFailed) -> Response:
    invalid = [{"name": name, "reason": reason} for name, reason in exc.errors.items()]
    return problem(422, str(exc), "Invalid request", **{"invalid-params": invalid})


@bp.after_request
def _no_store(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _time(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def subscription_json(row: WebhookSubscription) -> dict[str, Any]:
    return {
        "id": row.id,
        "url": row.url,
        "events": list(row.events),
        "created_at": _time(row.created_at),
        "previous_secret_expires_at": _time(row.previous_secret_expires_at),
    }


def delivery_json(row: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": row.id,
        "message_id": row.message_id,
        "event": row.event,
        "award_id": row.award_id,
        "status": row.state.value,
        "attempts": row.attempts,
        "last_status_code": row.last_status_code,
        "last_error": row.last_error,
        "next_attempt_at": _time(row.next_attempt_at) if row.state.value == "pending" else None,
        "delivered_at": _time(row.delivered_at),
        "created_at": _time(row.created_at),
    }


@bp.post("/api/v1/webhooks")
@api_auth(SCOPE)
def create() -> Response:
    """Subscribe; the answer holds the signing secret, which is never shown again."""
    url, events = service.parse_request(request.get_json(silent=True), current_app.config)
    made = service.create_subscription(db.session, current_client(), url, events, current_app.config)
    response = jsonify({**subscription_json(made.subscription), "secret": made.secret})
    response.status_code = 201
    response.headers["Location"] = url_for(".show", subscription_id=made.subscription.id, _external=False)
    return response


@bp.get("/api/v1/webhooks")
@api_auth(SCOPE)
def index() -> Response:
    rows = service.list_subscriptions(db.session, current_client())
    return jsonify({"data": [subscription_json(r) for r in rows]})


@bp.get("/api/v1/webhooks/<int:subscription_id>")
@api_auth(SCOPE)
def show(subscription_id: int) -> Response:
    return jsonify(subscription_json(service.get_subscription(db.session, current_client(), subscription_id)))


@bp.delete("/api/v1/webhooks/<int:subscription_id>")
@api_auth(SCOPE)
def delete(subscription_id: int) -> Response:
    service.end_subscription(db.session, current_client(), subscription_id)
    return Response(status=204)


@bp.get("/api/v1/webhooks/<int:subscription_id>/deliveries")
@api_auth(SCOPE)
def deliveries(subscription_id: int) -> Response:
    raw = request.args.get("limit", "50")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ValidationFailed(f"limit must be a whole number from 1 to {MAX_LIMIT}.", {"limit": "out of range"})
    subscription = service.get_subscription(db.session, current_client(), subscription_id)
    rows = service.deliveries(db.session, subscription, int(raw))
    return jsonify({"data": [delivery_json(r) for r in rows]})


@bp.post("/api/v1/webhooks/<int:subscription_id>/deliveries/<int:delivery_id>/redeliver")
@api_auth(SCOPE)
def redeliver(subscription_id: int, delivery_id: int) -> Response:
    row = service.redeliver(db.session, current_client(), subscription_id, delivery_id)
    response = jsonify(delivery_json(row))
    response.status_code = 202
    return response


@bp.post("/api/v1/webhooks/<int:subscription_id>/rotate-secret")
@api_auth(SCOPE)
def rotate_secret(subscription_id: int) -> Response:
    """A new secret (shown once); the old one also signs until `previous_secret_expires_at`."""
    made = service.rotate_secret(db.session, current_client(), subscription_id, current_app.config)
    return jsonify(
        {
            "id": made.subscription.id,
            "secret": made.secret,
            "previous_secret_expires_at": _time(made.subscription.previous_secret_expires_at),
        }
    )
