"""Request ids, JSON request logs, Prometheus metrics and readiness."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from careercenter.notify.models import OutboxState
from careercenter.notify.service import queue_message
from careercenter.observability import JsonFormatter


def test_request_id_is_made_or_kept(client: Any) -> None:
    made = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    kept = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c2e-0001"}).headers["X-Request-ID"]
    assert kept == "lb-7f3a9c2e-0001"
    # Anything that could smuggle text into logs or headers is replaced, not echoed.
    forged = client.get("/healthz", headers={"X-Request-ID": 'x" "admin"=1 <script>'}).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", forged)


def test_one_json_line_per_request_without_personal_data(
    client: Any, caplog: Any, make_student: Any, login: Any
) -> None:
    student = make_student(name="Maya Okafor", email="maya.okafor@students.example.edu")
    login(student)
    caplog.set_level(logging.INFO, logger="careercenter.request")
    caplog.clear()
    client.get("/student", headers={"X-Request-ID": "req-abcdef12"})
    records = [r for r in caplog.records if r.name == "careercenter.request"]
    assert len(records) == 1
    line = JsonFormatter().format(records[0])
    body = json.loads(line)
    assert body["request_id"] == "req-abcdef12"
    assert body["method"] == "GET" and body["route"] == "/student" and body["status"] == 200
    assert body["person_id"] == student.id and isinstance(body["duration_ms"], float)
    assert "Maya" not in line and "maya.okafor" not in line and "session" not in line.lower()


def test_route_label_is_the_template_not_the_path(client: Any, caplog: Any) -> None:
    caplog.set_level(logging.INFO, logger="careercenter.request")
    client.get("/registrar/students/S-SECRET-ID/disclosures")
    body = json.loads(JsonFormatter().format([r for r in caplog.records if r.name == "careercenter.request"][-1]))
    assert body["route"] == "/registrar/students/<campus_id>/disclosures"


def test_metrics_only_for_allowed_addresses_or_token(client: Any, make_app: Any) -> None:
    assert client.get("/metrics").status_code == 200
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", environ_base=outside).status_code == 403
    app = make_app(METRICS_TOKEN="m" * 40)
    other = app.test_client()
    assert other.get("/metrics", environ_base=outside, headers={"Authorization": "Bearer wrong"}).status_code == 403
    ok = other.get("/metrics", environ_base=outside, headers={"Authorization": "Bearer " + "m" * 40})
    assert ok.status_code == 200 and "careercenter_http_requests_total" in ok.get_data(as_text=True)


def _gauge(text: str, name: str) -> float:
    match = re.search(rf"^{name} (\S+)$", text, re.M)
    assert match, f"{name} not in metrics"
    return float(match.group(1))


def test_outbox_depth_moves_as_mail_is_queued_and_sent(client: Any, session: Any) -> None:
    before = _gauge(client.get("/metrics").get_data(as_text=True), "careercenter_outbox_depth")
    message = queue_message(session, to="pat@acme.example.com", subject="Hello", text="Hi", kind="test")
    session.commit()
    text = client.get("/metrics").get_data(as_text=True)
    assert _gauge(text, "careercenter_outbox_depth") == before + 1
    assert _gauge(text, "careercenter_outbox_oldest_age_seconds") >= 0
    message.state = OutboxState.SENT
    session.commit()
    assert _gauge(client.get("/metrics").get_data(as_text=True), "careercenter_outbox_depth") == before


def test_request_counter_counts_by_route(client: Any) -> None:
    client.get("/healthz")
    text = client.get("/metrics").get_data(as_text=True)
    assert re.search(r'careercenter_http_requests_total\{method="GET",route="/healthz",status="200"\} [1-9]', text)


def test_readyz_ready_on_a_migrated_database(client: Any) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200 and response.get_json()["status"] == "ready"


def test_readyz_503_until_migrated_or_reachable(make_app: Any, tmp_path: Any) -> None:
    empty = make_app(database_url=f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    response = empty.test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["database"] == "not migrated"
    down = make_app(database_url="postgresql://nobody@127.0.0.1:9/nothing")
    response = down.test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["database"] == "unreachable"
