"""`flask webhooks run [--once]`: the webhook delivery worker."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from careercenter.extensions import db
from careercenter.registrar.webhooks.worker import deliver_due
from careercenter.workers import run_until_stopped

log = logging.getLogger(__name__)

IDLE_LINE = "webhooks: delivered 0, retrying 0, failed 0"

webhooks_cli = AppGroup("webhooks", help="Webhook deliveries to registrar systems.")


@webhooks_cli.command("run")
@click.option("--once", is_flag=True, help="Attempt what is due now, then exit.")
def run_command(once: bool) -> None:
    """Deliver queued webhook events, signed, with retries.

    Without --once it loops until SIGTERM or Ctrl-C, polling every CAREERCENTER_WEBHOOK_POLL_SECONDS.
    """
    poll = max(1, int(current_app.config.get("WEBHOOK_POLL_SECONDS") or 5))

    def one_pass() -> list[str]:
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
        return lines if once or lines not in ([IDLE_LINE], []) else []

    run_until_stopped(one_pass, once=once, poll=poll)
