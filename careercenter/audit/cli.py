"""`flask audit …`: check the audit chain."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from careercenter.audit.service import verify_chain
from careercenter.extensions import db

audit_cli = AppGroup("audit", help="Audit log commands.")


@audit_cli.command("verify")
def verify_command() -> None:
    """Walk the hash chain; print OK <n> events, or name the first broken event and exit 1."""
    report = verify_chain(db.session)
    if report.is_ok:
        click.echo(f"OK {report.count} events")
        return
    click.echo(f"BROKEN at event {report.broken_seq}: {report.reason}", err=True)
    raise SystemExit(1)
