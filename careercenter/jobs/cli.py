"""`flask jobs run [--once]`: the background jobs worker (transcripts are rendered and signed here)."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from careercenter.extensions import db
from careercenter.jobs.service import run_due
from careercenter.transaction import atomic_command

jobs_cli = AppGroup("jobs", help="Background jobs.")


def _line(counts: dict[str, int]) -> str:
    return f"jobs: done {counts['done']}, retrying {counts['retrying']}, failed {counts['failed']}"


@jobs_cli.command("run")
@click.option("--once", is_flag=True, help="Run what is due now, then exit.")
@atomic_command
def run_command(once: bool) -> None:
    """Run queued jobs. Without --once it loops until SIGTERM or Ctrl-C, polling every
    CAREERCENTER_JOBS_POLL_SECONDS (default 1). Each job commits its own units of work."""
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    if not once:
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
    poll = max(0.2, float(current_app.config.get("JOBS_POLL_SECONDS") or 1))
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    while True:
        try:
            counts = run_due(db.session, app)
        except SQLAlchemyError as exc:  # a busy or briefly unreachable database: try again
            db.session.rollback()
            click.echo(f"jobs: database error, retrying: {type(exc).__name__}", err=True)
            counts = {"done": 0, "retrying": 0, "failed": 0}
        if once:
            click.echo(_line(counts))
            return
        if any(counts.values()):
            click.echo(_line(counts))
        if stop.wait(poll):
            return
