"""A webhook receiver on 127.0.0.1 that verifies every request with the Standard Webhooks
library (the same one the service signs with), and can be down, slow, or failing."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:  # noqa: N802
        peer: WebhookReceiver = self.server.peer
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        status = peer.receive(body, headers)
        if peer.mode == "slow":
            time.sleep(peer.slow_seconds)
        try:
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()
        except OSError:
            pass  # the sender gave up waiting (the point of "slow")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """No access log in test output."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    peer: WebhookReceiver


class WebhookReceiver:
    """``.url``; ``.secrets`` verify; ``.mode`` is "ok", "error" (500) or "slow".

    ``.events`` maps webhook-id → the verified event (first receipt); ``.requests`` counts every
    request; ``.refused`` lists the reasons of refused ones. ``stop()``/``start()`` keep the port.
    """

    def __init__(self, secrets: list[str] | None = None) -> None:
        self.secrets = list(secrets or [])
        self.mode = "ok"
        self.slow_seconds = 2.0
        self.events: dict[str, dict[str, Any]] = {}
        self.raw: list[tuple[dict[str, str], bytes]] = []
        self.refused: list[str] = []
        self.requests = 0
        self.port = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks"

    def start(self) -> WebhookReceiver:
        server = _Server(("127.0.0.1", self.port), _Handler)
        server.peer = self
        self.port = server.server_port
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def receive(self, body: bytes, headers: dict[str, str]) -> int:
        with self._lock:
            self.requests += 1
            self.raw.append((headers, body))
            if self.mode == "error":
                return 500
            error = "no secret"
            for secret in self.secrets:
                try:
                    event = Webhook(secret).verify(body, headers)
                except WebhookVerificationError as exc:
                    error = str(exc)
                    continue
                self.events.setdefault(headers["webhook-id"], event)
                return 204
            self.refused.append(error)
            return 400

    def post(self, headers: dict[str, str], body: bytes) -> int:
        """Send a request to this receiver as anyone could (to try tampered ones)."""
        import requests

        return requests.post(self.url, data=body, headers=headers, timeout=5).status_code

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _headers, body in self.raw]
