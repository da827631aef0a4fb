"""Issue 21 item 5: webhooks to the SIS. Subscriptions under `webhooks:manage`; events written
to an outbox table in the award's own transaction; the worker delivers them, signed per the
Standard Webhooks spec, to a real HTTP receiver on 127.0.0.1 that verifies each with the same
library: down then back (nothing lost), slow (timeout), 500 (retries), a tampered body refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from careercenter import signals
from careercenter.audit.service import Actor
from careercenter.credits import awards as credit_awards
from careercenter.credits import decisions
from careercenter.credits.models import AWARD_TRANSITIONS, AwardStatus
from careercenter.db import utcnow
from careercenter.registrar.webhooks import signing
from careercenter.registrar.webhooks.models import DeliveryState, WebhookDelivery, WebhookSubscription
from careercenter.registrar.webhooks.worker import deliver_due
from careercenter.statemachine import move
from tests.credits.helpers import submitted_request
from tests.factories import verified_experience
from tests.peers.webhooks import WebhookReceiver

MANAGE = "webhooks:manage"


@pytest.fixture()
def receiver() -> Iterator[WebhookReceiver]:
    peer = WebhookReceiver().start()
    try:
        yield peer
    finally:
        peer.stop()


@pytest.fixture()
def subscribe(client: Any, bearer: Any) -> Any:
    """Subscribe `url` through the API; return (headers, answer JSON)."""

    def do(url: str, events: list[str] | None = None, headers: dict[str, str] | None = None) -> Any:
        headers = headers or bearer(MANAGE)
        body = {"url": url, "events": events or ["award.ready", "award.rescinded"]}
        response = client.post("/api/v1/webhooks", json=body, headers=headers)
        assert response.status_code == 201, response.get_json()
        return headers, response

    return do


def _approve(session: Any, make_student: Any, make_advisor: Any) -> Any:
    """An award made by the real approval service (which announces `award.ready`)."""
    student = make_student()
    advisor = make_advisor([student])
    experience = verified_experience(session, student, hours="45")
    request = submitted_request(session, student, [experience])
    award = decisions.approve_request(session, request, advisor, "Good work.")
    session.commit()
    return award


def _deliveries(session: Any) -> list[WebhookDelivery]:
    session.expire_all()
    return list(session.execute(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)).scalars())


# -- the API -----------------------------------------------------------------------------------


def test_subscribe_list_and_delete(client: Any, bearer: Any, subscribe: Any, session: Any) -> None:
    headers, answer = subscribe("https://sis.example.edu/hooks", ["award.ready"])
    body = answer.get_json()
    assert body["secret"].startswith("whsec_") and body["events"] == ["award.ready"]
    assert answer.headers["Location"] == f"/api/v1/webhooks/{body['id']}"
    stored = session.get(WebhookSubscription, body["id"])
    assert body["secret"] not in stored.secret_encrypted  # kept encrypted, not plain
    listed = client.get("/api/v1/webhooks", headers=headers).get_json()["data"]
    assert [s["id"] for s in listed] == [body["id"]] and "secret" not in listed[0]
    other = bearer(MANAGE)  # another registrar system sees none of it
    assert client.get("/api/v1/webhooks", headers=other).get_json()["data"] == []
    assert client.get(f"/api/v1/webhooks/{body['id']}", headers=other).status_code == 404
    assert client.delete(f"/api/v1/webhooks/{body['id']}", headers=other).status_code == 404
    assert client.delete(f"/api/v1/webhooks/{body['id']}", headers=headers).status_code == 204
    assert client.get("/api/v1/webhooks", headers=headers).get_json()["data"] == []
    assert client.get(f"/api/v1/webhooks/{body['id']}/deliveries", headers=headers).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"url": "ftp://sis.example.edu/x", "events": ["award.ready"]},
        {"url": "https://sis.example.edu/x", "events": ["award.deleted"]},
        {"url": "https://sis.example.edu/x", "events": []},
        {"url": "https://user:pw@sis.example.edu/x", "events": ["award.ready"]},
        {"url": "https://sis.example.edu/x", "events": ["award.ready"], "extra": 1},
        ["not", "an", "object"],
    ],
)
def test_bad_subscriptions_are_refused(client: Any, bearer: Any, session: Any, body: Any) -> None:
    response = client.post("/api/v1/webhooks", json=body, headers=bearer(MANAGE))
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert session.execute(sa.select(sa.func.count()).select_from(WebhookSubscription)).scalar_one() == 0


def test_scope_is_required(client: Any, bearer: Any) -> None:
    body = {"url": "https://sis.example.edu/x", "events": ["award.ready"]}
    assert client.post("/api/v1/webhooks", json=body, headers=bearer("credits:read")).status_code == 403
    assert client.get("/api/v1/webhooks").status_code == 401


def test_secret_is_stored_encrypted_with_a_key_from_secret_key(app: Any) -> None:
    secret = signing.new_secret()
    token = signing.encrypt(app.config, secret)
    assert secret not in token and signing.decrypt(app.config, token) == secret
    with pytest.raises(signing.SecretUnreadable):
        signing.decrypt({"SECRET_KEY": "another-" + "y" * 40}, token)


# -- events and delivery -------------------------------------------------------------------------


def test_award_events_are_delivered_signed_and_verified(
    app: Any,
    client: Any,
    bearer: Any,
    session: Any,
    subscribe: Any,
    receiver: WebhookReceiver,
    make_student: Any,
    make_advisor: Any,
) -> None:
    _, answer = subscribe(receiver.url)
    receiver.secrets = [answer.get_json()["secret"]]
    subscribe("http://127.0.0.1:9/only-rescinded", ["award.rescinded"])
    award = _approve(session, make_student, make_advisor)
    # The delivery row was written in the award's own transaction (the outbox).
    assert [(d.event, d.award_id) for d in _deliveries(session)] == [("award.ready", award.id)]
    report = deliver_due(session, app.config)
    assert report.delivered == 1, report.errors
    (event,) = receiver.events.values()
    assert event["type"] == "award.ready"
    assert event["data"]["award_id"] == award.id
    assert event["data"]["updated_at"] == award.updated_at.isoformat().replace("+00:00", "Z")
    assert "student" not in json.dumps(event)  # the event names the award only; the pull feed discloses
    # The event's updated_at finds the award in the pull feed.
    feed = client.get(
        "/api/v1/credit-awards",
        query_string={"updated_since": event["data"]["updated_at"]},
        headers=bearer("credits:read"),
    )
    assert award.id in [a["id"] for a in feed.get_json()["data"]]

    # Posted, then rescinded by registrar staff: award.rescinded reaches both subscriptions' outbox.
    move(
        session,
        award,
        AwardStatus.POSTED,
        transitions=AWARD_TRANSITIONS,
        actor=Actor.system("sis"),
        action="credit_award.posted",
        attribute="status",
    )
    credit_awards.rescind_award(session, award, Actor.system("registrar"), "entered in error")
    session.commit()
    rescinded = [d for d in _deliveries(session) if d.event == "award.rescinded"]
    assert len(rescinded) == 2
    deliver_due(session, app.config)
    assert [e["type"] for e in receiver.events.values()] == ["award.ready", "award.rescinded"]


def test_down_then_back_loses_nothing_and_500_is_retried(
    app: Any, session: Any, subscribe: Any, receiver: WebhookReceiver, make_award: Any
) -> None:
    _, answer = subscribe(receiver.url)
    receiver.secrets = [answer.get_json()["secret"]]
    receiver.stop()  # the SIS is down
    awards = [make_award() for _ in range(3)]
    for award in awards:
        signals.award_ready.send("test", session=session, award=award)
    session.commit()
    now = utcnow()
    report = deliver_due(session, app.config, now=now)
    assert report.retrying == 3 and report.delivered == 0
    assert {d.last_error for d in _deliveries(session)} == {"connection failed: ConnectionError"}
    receiver.mode = "error"
    receiver.start()  # back, but answering 500
    later = now + timedelta(hours=1)
    report = deliver_due(session, app.config, now=later)
    assert report.retrying == 3 and {d.last_status_code for d in _deliveries(session)} == {500}
    assert deliver_due(session, app.config, now=later).retrying == 0  # backoff: nothing due yet
    receiver.mode = "ok"
    report = deliver_due(session, app.config, now=later + timedelta(hours=2))
    assert report.delivered == 3
    assert sorted(e["data"]["award_id"] for e in receiver.events.values()) == sorted(a.id for a in awards)
    rows = _deliveries(session)
    assert {d.state for d in rows} == {DeliveryState.DELIVERED} and {d.attempts for d in rows} == {3}


def test_slow_receiver_times_out_and_gives_up_after_the_last_attempt(
    app: Any, session: Any, subscribe: Any, receiver: WebhookReceiver, make_award: Any, monkeypatch: Any
) -> None:
    monkeypatch.setitem(app.config, "WEBHOOK_TIMEOUT_SECONDS", 1)
    monkeypatch.setitem(app.config, "WEBHOOK_MAX_ATTEMPTS", 2)
    _, answer = subscribe(receiver.url)
    receiver.secrets = [answer.get_json()["secret"]]
    receiver.mode, receiver.slow_seconds = "slow", 2.5
    signals.award_ready.send("test", session=session, award=make_award())
    session.commit()
    now = utcnow()
    assert deliver_due(session, app.config, now=now).retrying == 1
    (row,) = _deliveries(session)
    assert row.last_error == "no answer within 1 s" and row.state is DeliveryState.PENDING
    assert deliver_due(session, app.config, now=now + timedelta(hours=1)).failed == 1
    assert _deliveries(session)[0].state is DeliveryState.FAILED


def test_tampered_body_is_refused_by_the_receiver(
    app: Any, session: Any, subscribe: Any, receiver: WebhookReceiver, make_award: Any
) -> None:
    _, answer = subscribe(receiver.url)
    receiver.secrets = [answer.get_json()["secret"]]
    award = make_award()
    signals.award_ready.send("test", session=session, award=award)
    session.commit()
    assert deliver_due(session, app.config).delivered == 1
    headers, body = receiver.raw[-1]
    tampered = body.replace(f'"award_id":{award.id}'.encode(), f'"award_id":{award.id + 1}'.encode())
    assert tampered != body
    assert receiver.post(headers, tampered) == 400
    assert receiver.refused == ["No matching signature found"]
    stale = dict(headers, **{"webhook-timestamp": str(int((utcnow() - timedelta(hours=1)).timestamp()))})
    assert receiver.post(stale, body) == 400  # an old capture replayed later is refused too
    assert len(receiver.events) == 1


def test_deliveries_log_redelivery_and_secret_rotation(
    app: Any, client: Any, session: Any, subscribe: Any, receiver: WebhookReceiver, make_award: Any
) -> None:
    headers, answer = subscribe(receiver.url)
    sub_id, old_secret = answer.get_json()["id"], answer.get_json()["secret"]
    receiver.secrets = [old_secret]
    signals.award_ready.send("test", session=session, award=make_award())
    session.commit()
    deliver_due(session, app.config)
    log = client.get(f"/api/v1/webhooks/{sub_id}/deliveries", headers=headers).get_json()["data"]
    assert [(d["status"], d["attempts"], d["last_status_code"]) for d in log] == [("delivered", 1, 204)]

    rotated = client.post(f"/api/v1/webhooks/{sub_id}/rotate-secret", headers=headers)
    assert rotated.status_code == 200
    new_secret = rotated.get_json()["secret"]
    assert new_secret != old_secret and rotated.get_json()["previous_secret_expires_at"]
    # Redelivery on request: the same message id, signed now by both secrets (the overlap).
    again = client.post(f"/api/v1/webhooks/{sub_id}/deliveries/{log[0]['id']}/redeliver", headers=headers)
    assert again.status_code == 202 and again.get_json()["status"] == "pending"
    receiver.secrets = [new_secret]  # a receiver already switched to the new secret
    assert deliver_due(session, app.config).delivered == 1
    signature = receiver.raw[-1][0]["webhook-signature"]
    assert len(signature.split(" ")) == 2 and receiver.raw[-1][0]["webhook-id"] == log[0]["message_id"]
    receiver.secrets = [old_secret]  # one still on the old secret also verifies, during the overlap
    client.post(f"/api/v1/webhooks/{sub_id}/deliveries/{log[0]['id']}/redeliver", headers=headers)
    assert deliver_due(session, app.config).delivered == 1
    # After the overlap only the new secret signs.
    row = session.get(WebhookSubscription, sub_id)
    row.previous_secret_expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    client.post(f"/api/v1/webhooks/{sub_id}/deliveries/{log[0]['id']}/redeliver", headers=headers)
    deliver_due(session, app.config)
    assert len(receiver.raw[-1][0]["webhook-signature"].split(" ")) == 1
    assert receiver.refused == ["No matching signature found"]
    assert client.post(f"/api/v1/webhooks/{sub_id}/deliveries/999999/redeliver", headers=headers).status_code == 404
