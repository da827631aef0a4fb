"""`flask directory …`: the campus directory from the command line."""

from __future__ import annotations

import click
from flask import current_app

from careercenter.extensions import db
from careercenter.sso.errors import DirectoryUnavailable
from careercenter.transaction import atomic_command


@click.group("directory")
def directory_cli() -> None:
    """The campus directory (CAREERCENTER_LDAP_*)."""


@directory_cli.command("sync")
@atomic_command
def sync_command() -> None:
    """Import students, advisors and advisor assignments; deactivate people the directory dropped.

    Prints each person added, changed and removed, then a summary line. Safe to run again.
    """
    from careercenter.sso.sync import sync_directory

    directory = current_app.extensions.get("careercenter_directory")
    if directory is None:
        raise click.ClickException(
            "no directory is configured: set CAREERCENTER_LDAP_URL and CAREERCENTER_LDAP_BASE_DN"
        )
    try:
        report = sync_directory(db.session, directory, current_app.extensions["careercenter_role_map"])
    except DirectoryUnavailable as exc:
        raise click.ClickException(f"nothing changed: {exc}") from None
    for line in report.lines():
        click.echo(line)
