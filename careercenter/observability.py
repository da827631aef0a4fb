"""What the service is doing: request ids, one JSON log line per request, Prometheus metrics.

Logs carry the acting person's internal id and never names, emails, tokens or secrets. Metrics
about queues (outbox depth, sign-offs waiting, awards waiting to be posted) are read from the
database at scrape time, so every app server reports the same numbers; each domain provides its
own (`<domain>/metrics.py`) and `careercenter/wiring.py` registers them with `add_gauges`.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
import secrets
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy.orm import Session

from careercenter.db import utcnow

REQUEST_LOG = logging.getLogger("careercenter.request")
EVENT_LOG = logging.getLogger("careercenter.event")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "careercenter_http_requests_total",
    "HTTP requests served, by route template and status.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "careercenter_http_request_duration_seconds",
    "Time to serve a request, by route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the record's `fields`."""

    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        fields = getattr(record, "fields", None)
        if fields:
            body.update(fields)
        message = record.getMessage()
        if message:
            body["message"] = message
        if record.exc_info:
            body["error"] = self.formatException(record.exc_info).splitlines()[-1]
        return json.dumps(body, default=str, separators=(",", ":"))


def log_event(event: str, **fields: Any) -> None:
    """Write one structured line (e.g. an outbox delivery attempt). Pass ids, never secrets."""
    payload = {"event": event, **fields}
    request_id = g.get("request_id") if _has_app_ctx() else None
    if request_id:
        payload.setdefault("request_id", request_id)
    EVENT_LOG.info("", extra={"fields": payload})


def _has_app_ctx() -> bool:
    from flask import has_app_context

    return has_app_context()


def _start_request() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _REQUEST_ID.match(incoming) else secrets.token_hex(16)
    g.request_started = time.perf_counter()


def _route_label() -> str:
    # The URL template, never the concrete path: ids and codes stay out of labels and logs.
    return request.url_rule.rule if request.url_rule is not None else "<unmatched>"


def _finish_request(response: Response) -> Response:
    response.headers["X-Request-ID"] = g.get("request_id", "")
    started = g.get("request_started")
    duration = time.perf_counter() - started if started is not None else 0.0
    route = _route_label()
    REQUESTS.labels(request.method, route, str(response.status_code)).inc()
    LATENCY.labels(request.method, route).observe(duration)
    person = g.get("person")
    REQUEST_LOG.info(
        "",
        extra={
            "fields": {
                "request_id": g.get("request_id"),
                "method": request.method,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(duration * 1000, 2),
                "person_id": person.id if person is not None else None,
            }
        },
    )
    return response


GaugeFunc = Callable[[Session, datetime], Iterable[GaugeMetricFamily]]

#: the domains' queue gauges, read at scrape time; filled by `careercenter/wiring.py`.
GAUGES: list[GaugeFunc] = []


def add_gauges(func: GaugeFunc) -> None:
    """Report `func(session, now)`'s gauges on /metrics. Adding it twice is a no-op."""
    if func not in GAUGES:
        GAUGES.append(func)


class QueueCollector:
    """Gauges read from the database when Prometheus scrapes (each domain registers its own)."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from careercenter.extensions import db

        with self.app.app_context():
            now = utcnow()
            try:
                families = [family for func in GAUGES for family in func(db.session, now)]
            finally:
                db.session.remove()
        yield from families


def _metrics_allowed() -> bool:
    config = current_app.config
    token = config.get("METRICS_TOKEN")
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and secrets.compare_digest(header[7:], token):
        return True
    try:
        remote = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    networks = [n.strip() for n in str(config.get("METRICS_ALLOW", "")).split(",") if n.strip()]
    return any(remote in ipaddress.ip_network(n, strict=False) for n in networks)


def metrics_view() -> Response:
    """Prometheus text format; only from configured addresses or with the metrics token."""
    if not _metrics_allowed():
        abort(403)
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Several gunicorn workers: sum what every worker process has counted.
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (REQUESTS, LATENCY):
            registry.register(collector)
    registry.register(QueueCollector(current_app._get_current_object()))  # type: ignore[attr-defined]
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def readyz_view() -> tuple[Response, int]:
    """Readiness: 503 until the database answers and is at the latest migration."""
    from flask import jsonify

    from careercenter.config import ConfigError
    from careercenter.preflight import database_status

    try:
        current, head = database_status(current_app._get_current_object())  # type: ignore[attr-defined]
    except ConfigError:
        return jsonify(status="unavailable", database="unreachable"), 503
    if current != head:
        return jsonify(status="unavailable", database="not migrated", current=current, head=head), 503
    return jsonify(status="ready", migration=current), 200


def configure_logging(app: Flask) -> None:
    """JSON lines on stderr for the careercenter loggers.

    Under tests the records propagate to pytest's capture instead (no handler of ours).
    """
    logger = logging.getLogger("careercenter")
    logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    if app.testing:
        return
    if not any(getattr(h, "_careercenter", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler._careercenter = True  # type: ignore[attr-defined]
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.propagate = False


def init_app(app: Flask) -> None:
    configure_logging(app)
    app.before_request(_start_request)
    app.after_request(_finish_request)
