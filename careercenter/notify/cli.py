"""`flask outbox run [--once]`: the mail worker."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from careercenter.audit.service import Actor
from careercenter.errors import Conflict
from careercenter.extensions import db
from careercenter.internships.signoff_tasks import run_due_signoff_tasks
from careercenter.notify.delivery import header_text
from careercenter.notify.models import OutboxMessage, OutboxState
from careercenter.notify.service import requeue_message, undelivered_messages
from careercenter.notify.worker import SmtpNotConfigured, deliver_due
from careercenter.transaction import atomic_command, unit_of_work
from careercenter.workers import run_until_stopped

log = logging.getLogger(__name__)

IDLE_LINE = "outbox: sent 0, retrying 0, failed 0"

outbox_cli = AppGroup("outbox", help="The mail outbox.")


def run_pass() -> list[str]:
    """One pass: queue due sign-off reminders and close expired links (one unit of work), then
    deliver what is due (a unit per claim and per outcome)."""
    with unit_of_work(db.session):
        lines = run_due_signoff_tasks(db.session)
    report = deliver_due(db.session, current_app.config)
    lines.append(report.line())
    lines.extend(f"  not delivered: {error}" for error in report.errors)
    return lines


@outbox_cli.command("run")
@click.option("--once", is_flag=True, help="Drain what is due now, then exit.")
@atomic_command
def run_command(once: bool) -> None:
    """Deliver queued mail by SMTP, with retries; also sends sign-off reminders when due.

    Without --once it loops until SIGTERM or Ctrl-C, polling every CAREERCENTER_OUTBOX_POLL_SECONDS.
    Each pass commits its own units of work (`run_pass`); `@atomic_command` only ends the command.
    """
    poll = max(1, int(current_app.config.get("OUTBOX_POLL_SECONDS") or 5))

    def one_pass() -> list[str]:
        try:
            lines = run_pass()
        except SQLAlchemyError:
            # A busy or briefly unreachable database must not kill the worker: the next pass
            # picks up where this one stopped. (A message whose outcome could not be written
            # stays queued and goes out again after its lease, with the same Message-ID.) The
            # unit of work that failed has rolled back.
            if once:
                raise
            log.exception("outbox pass failed; retrying in %s s", poll)
            lines = []
        except SmtpNotConfigured:
            click.echo(
                "CAREERCENTER_SMTP_HOST is not set: mail stays in the outbox "
                "(in development mode read it at /dev/mailbox)",
                err=True,
            )
            raise SystemExit(1) from None
        return lines if once or lines not in ([IDLE_LINE], []) else []

    run_until_stopped(one_pass, once=once, poll=poll)


@outbox_cli.command("list")
@click.option("--failed", "only_failed", is_flag=True, help="Only messages that failed, with the reason.")
def list_command(only_failed: bool) -> None:
    """List undelivered messages: id, state, kind, attempts, recipient, and the last error."""
    messages = undelivered_messages(db.session, limit=1000)
    if only_failed:
        messages = [m for m in messages if m.state is OutboxState.FAILED]
    for m in messages:
        click.echo(
            f"{m.id}\t{m.state.value}\t{m.kind}\tattempts {m.attempts}\tto {header_text(m.to_address)}"
            f"\t{header_text(m.last_error or '')}"
        )
    click.echo(f"{len(messages)} message(s)")


@outbox_cli.command("retry")
@click.argument("message_id", type=int)
@atomic_command
def retry_command(message_id: int) -> None:
    """Queue a failed message again (after fixing what made it fail)."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        click.echo(f"no outbox message {message_id}", err=True)
        raise SystemExit(1)
    try:
        requeue_message(db.session, message, Actor.system("cli"))
    except Conflict as exc:
        click.echo(f"message {message_id}: {exc}", err=True)
        raise SystemExit(1) from None
    click.echo(f"message {message_id} queued again")
