"""`flask jobs run [--once]`: the background jobs worker (transcripts are rendered and signed here)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from careercenter.extensions import db
from careercenter.jobs.service import run_due
from careercenter.transaction import atomic_command
from careercenter.workers import run_until_stopped

jobs_cli = AppGroup("jobs", help="Background jobs.")


def _line(counts: dict[str, int]) -> str:
    return f"jobs: done {counts['done']}, retrying {counts['retrying']}, failed {counts['failed']}"


@jobs_cli.command("run")
@click.option("--once", is_flag=True, help="Run what is due now, then exit.")
@atomic_command
def run_command(once: bool) -> None:
    """Run queued jobs. Without --once it loops until SIGTERM or Ctrl-C, polling every
    CAREERCENTER_JOBS_POLL_SECONDS (default 1). Each job commits its own units of work."""
    poll = max(0.2, float(current_app.config.get("JOBS_POLL_SECONDS") or 1))
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def one_pass() -> list[str]:
        try:
            counts = run_due(db.session, app)
        except SQLAlchemyError as exc:  # a busy or briefly unreachable database: try again
            db.session.rollback()
            click.echo(f"jobs: database error, retrying: {type(exc).__name__}", err=True)
            counts = {"done": 0, "retrying": 0, "failed": 0}
        return [_line(counts)] if once or any(counts.values()) else []

    run_until_stopped(one_pass, once=once, poll=poll)
