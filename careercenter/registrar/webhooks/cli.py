"""`flask webhooks run [--once]`: the webhook delivery worker."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from careercenter.extensions import db
from careercenter.registrar.webhooks.worker import deliver_due

log = logging.getLogger(__name__)

IDLE_LINE = "webhooks: delivered 0, retrying 0, failed 0"

webhooks_cli = AppGroup("webhooks", help="Webhook deliveries to registrar systems.")


@webhooks_cli.command("run")
@click.option("--once", is_flag=True, help="Attempt what is due now, then exit.")
def run_command(once: bool) -> None:
    """Deliver queued webhook events, signed, with retries.

    Without --once it loops until SIGTERM or Ctrl-C, polling every CAREERCENTER_WEBHOOK_POLL_SECONDS.
    """
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    if not once:
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
    poll = max(1, int(current_app.config.get("WEBHOOK_POLL_SECONDS") or 5))
    while True:
        try:
            report = deliver_due(db.session, current_app.config)
            lines = [report.line(), *(f"  not delivered: {error}" for error in report.errors)]
        except SQLAlchemyError:
            # A busy database must not kill the worker; an unrecorded outcome is retried after its lease.
            db.session.rollback()
            if once:
                raise
            log.exception("webhooks pass failed; retrying in %s s", poll)
            lines = []
        if once or lines not in ([IDLE_LINE], []):
            for line in lines:
                click.echo(line)
        if once:
            return
        db.session.remove()
        if stop.wait(poll):
            return
