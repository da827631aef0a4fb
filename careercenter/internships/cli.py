"""`flask internships import FILE`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from careercenter.audit.service import Actor
from careercenter.extensions import db
from careercenter.internships.importer import import_file
from careercenter.transaction import atomic_command, keep_on_error

internships_cli = AppGroup("internships", help="Micro-internships.")


@internships_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@atomic_command
def import_command(file: Path) -> None:
    """Import finished micro-internships from a platform export (CSV or JSON).

    Per row: good rows are imported, bad rows are listed with their line number; exit
    status 1 when any row (or the file) was rejected. Importing a file again changes nothing.
    """
    report = import_file(db.session, file.read_bytes(), filename=file.name, actor=Actor.system("cli import"))
    for line in report.lines():
        click.echo(line)
    if report.file_error or report.errors:
        keep_on_error()  # the good rows stay imported; exit 1 says some were rejected
        raise SystemExit(1)
