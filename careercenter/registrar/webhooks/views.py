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
from careercenter.registrar.schemas import rfc3339
from careercenter.registrar.webhooks import schemas, service

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


def _json(model: Any, status: int = 200) -> Response:
    response = jsonify(model.model_dump(mode="json"))
    response.status_code = status
    return response


@bp.post("/api/v1/webhooks")
@api_auth(SCOPE)
def create() -> Response:
    """Subscribe; the answer holds the signing secret, which is never shown again."""
    url, events = service.parse_request(request.get_json(silent=True), current_app.config)
    made = service.create_subscription(db.session, current_client(), url, events, current_app.config)
    response = _json(schemas.WebhookCreated.made(made.subscription, made.secret), 201)
    response.headers["Location"] = url_for(".show", subscription_id=made.subscription.id, _external=False)
    return response


@bp.get("/api/v1/webhooks")
@api_auth(SCOPE)
def index() -> Response:
    rows = service.list_subscriptions(db.session, current_client())
    return _json(schemas.WebhookList.model_construct(data=[schemas.Webhook.of(r) for r in rows]))


@bp.get("/api/v1/webhooks/<int:subscription_id>")
@api_auth(SCOPE)
def show(subscription_id: int) -> Response:
    return _json(schemas.Webhook.of(service.get_subscription(db.session, current_client(), subscription_id)))


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
    return _json(schemas.DeliveryList.model_construct(data=[schemas.Delivery.of(r) for r in rows]))


@bp.post("/api/v1/webhooks/<int:subscription_id>/deliveries/<int:delivery_id>/redeliver")
@api_auth(SCOPE)
def redeliver(subscription_id: int, delivery_id: int) -> Response:
    row = service.redeliver(db.session, current_client(), subscription_id, delivery_id)
    return _json(schemas.Delivery.of(row), 202)


@bp.post("/api/v1/webhooks/<int:subscription_id>/rotate-secret")
@api_auth(SCOPE)
def rotate_secret(subscription_id: int) -> Response:
    """A new secret (shown once); the old one also signs until `previous_secret_expires_at`."""
    made = service.rotate_secret(db.session, current_client(), subscription_id, current_app.config)
    return _json(
        schemas.WebhookRotated.model_construct(
            id=made.subscription.id,
            secret=made.secret,
            previous_secret_expires_at=rfc3339(made.subscription.previous_secret_expires_at),
        )
    )
