#!/usr/bin/env python3
"""A small receiver of careercenter's webhooks: verifies each with the Standard Webhooks library
and prints it.

    python examples/webhook_receiver.py --port 8765 --secret whsec_…    # the secret seed-demo printed

Each verified event prints one line, e.g.
    verified award.ready: award 12 updated_at 2026-12-06T17:40:00.123456Z (msg_…)
A message whose signature, body or timestamp does not check out is answered 400 and printed as
`refused: …`; a repeat of a message already seen (same webhook-id) is acknowledged, not re-processed.
An event says only which award changed: fetch it from the registrar API (GET the `href`), which
stays the source of truth; a missed event is found by the next pull anyway.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

MAX_BODY = 64 * 1024


class Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], secrets: list[str], out: Any = sys.stdout) -> None:
        super().__init__(address, Handler)
        self.verifiers = [Webhook(s) for s in secrets]
        self.out = out
        self.seen: set[str] = set()
        self.lock = threading.Lock()

    def verify(self, body: bytes, headers: dict[str, str]) -> Any:
        """The parsed event if any of our secrets verifies it; else WebhookVerificationError."""
        error: WebhookVerificationError | None = None
        for verifier in self.verifiers:
            try:
                return verifier.verify(body, headers)
            except WebhookVerificationError as exc:
                error = exc
        raise error or WebhookVerificationError("no secret configured")

    def say(self, line: str) -> None:
        with self.lock:
            print(line, file=self.out, flush=True)


class Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:  # noqa: N802 (the http.server name)
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY:
            self._answer(413)
            return
        body = self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            event = self.server.verify(body, headers)
        except WebhookVerificationError as exc:
            self.server.say(f"refused: {exc}")
            self._answer(400)
            return
        message_id = headers["webhook-id"]
        with self.server.lock:
            repeat = message_id in self.server.seen
            self.server.seen.add(message_id)
        if repeat:
            self.server.say(f"repeat of {message_id} acknowledged")
        else:
            data = event.get("data", {})
            self.server.say(
                f"verified {event.get('type')}: award {data.get('award_id')} "
                f"updated_at {data.get('updated_at')} ({message_id})"
            )
        self._answer(204)

    def _answer(self, status: int) -> None:
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet: the lines above say what happened."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--secret",
        action="append",
        default=[],
        help="whsec_… signing secret; repeat it during a rotation (default: $WEBHOOK_SECRET)",
    )
    args = parser.parse_args(argv)
    secrets = args.secret or [s for s in os.environ.get("WEBHOOK_SECRET", "").split() if s]
    if not secrets:
        parser.error("give --secret whsec_… (printed by `flask seed-demo` or the POST /api/v1/webhooks answer)")
    server = Receiver((args.host, args.port), secrets)
    print(f"listening on http://{args.host}:{server.server_port}/webhooks", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
