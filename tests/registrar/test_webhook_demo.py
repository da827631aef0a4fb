"""The demo: `flask seed-demo` subscribes the demo registrar client and says how to start
examples/webhook_receiver.py; `flask webhooks run --once` delivers the queued events to it and
the example prints each one verified."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from careercenter.demo import seed_demo
from careercenter.extensions import db
from careercenter.registrar.webhooks.models import WebhookSubscription
from tests.credentials.reference import free_port

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "webhook_receiver.py"


def test_demo_subscription_reaches_the_example_receiver(committed_db: Any) -> None:
    app = committed_db
    with app.app_context():
        summary = seed_demo(db.session, history=False)
        db.session.commit()
        port = free_port()
        subscription = db.session.execute(sa.select(WebhookSubscription)).scalar_one()
        assert subscription.url == "http://127.0.0.1:8765/webhooks"
        subscription.url = f"http://127.0.0.1:{port}/webhooks"  # a free port for this test run
        db.session.commit()
        db.session.remove()
    text = "\n".join(summary)
    queued = int(re.search(r"(\d+) event\(s\) queued", text).group(1))
    assert queued >= 1
    command = re.search(r"python examples/webhook_receiver\.py --port 8765 --secret (whsec_\S+)", text)
    assert command and "flask webhooks run" in text
    receiver = subprocess.Popen(
        [sys.executable, str(EXAMPLE), "--port", str(port), "--secret", command.group(1)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert receiver.stdout is not None
        assert receiver.stdout.readline().startswith("listening on")
        result = app.test_cli_runner().invoke(args=["webhooks", "run", "--once"])
        assert result.exit_code == 0, result.output
        assert f"webhooks: delivered {queued}, retrying 0, failed 0" in result.output
        time.sleep(0.2)
    finally:
        receiver.terminate()
        out, _ = receiver.communicate(timeout=10)
    verified = [line for line in out.splitlines() if line.startswith("verified award.ready: award ")]
    assert len(verified) == queued, out
