"""`flask employers …`: load evaluation forms; attach experiences recorded without an employer
record (older rows, or rows written outside the services) to employer records."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from careercenter.audit.service import Actor
from careercenter.employers import forms_service
from careercenter.employers import service as employers
from careercenter.employers.forms_config import FormFileError
from careercenter.extensions import db
from careercenter.transaction import atomic_command

employers_cli = AppGroup("employers", help="The employer directory and evaluation forms.")


@employers_cli.command("load-forms")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@atomic_command
def load_forms(path: Path) -> None:
    """Load evaluation forms from a YAML file; a changed form becomes a new version."""
    try:
        specs = forms_service.parse_forms_text(path.read_text(encoding="utf-8"), forms_service.base_url())
    except FormFileError as exc:
        for problem in exc.problems:
            click.echo(f"error: {path}: {problem}", err=True)
        raise SystemExit(1) from None
    for line in forms_service.load_forms(db.session, specs, Actor.system("flask employers load-forms")):
        click.echo(line)


@employers_cli.command("backfill")
@atomic_command
def backfill() -> None:
    """Give every experience without an employer record one (by its exact employer name)."""
    count = employers.backfill(db.session, Actor.system("flask employers backfill"))
    click.echo(f"experiences attached to employer records: {count}")
