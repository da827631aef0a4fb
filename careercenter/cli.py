"""Command-line entry points: `flask seed-demo` here, one click group per domain."""

from __future__ import annotations

import click
from flask import Flask

from careercenter.extensions import db
from careercenter.transaction import atomic_command


def register_cli(app: Flask) -> None:
    from careercenter.audit.cli import audit_cli, students_cli

    app.cli.add_command(audit_cli)
    app.cli.add_command(students_cli)
    app.cli.add_command(seed_demo_command)
    # -- sso --
    from careercenter.sso.cli import directory_cli

    app.cli.add_command(directory_cli)
    # -- internships --
    from careercenter.internships.cli import internships_cli

    app.cli.add_command(internships_cli)
    # -- employers --
    from careercenter.employers.cli import employers_cli

    app.cli.add_command(employers_cli)
    # -- notify --
    from careercenter.notify.cli import outbox_cli

    app.cli.add_command(outbox_cli)
    # -- background jobs --
    from careercenter.jobs.cli import jobs_cli

    app.cli.add_command(jobs_cli)
    # -- credits --
    from careercenter.credits.cli import credits_cli

    app.cli.add_command(credits_cli)
    # -- transcripts --
    from careercenter.transcripts.cli import transcripts_cli

    app.cli.add_command(transcripts_cli)
    # -- registrar --
    from careercenter.registrar.cli import api_clients_cli, registrar_cli

    app.cli.add_command(api_clients_cli)
    app.cli.add_command(registrar_cli)
    from careercenter.registrar.webhooks.cli import webhooks_cli

    app.cli.add_command(webhooks_cli)
    # -- credentials --
    from careercenter.credentials.cli import credentials_cli

    app.cli.add_command(credentials_cli)
    # -- operations --
    from careercenter.doctor import doctor_command

    app.cli.add_command(doctor_command)


@click.command("seed-demo")
@click.option(
    "--history/--no-history",
    default=True,
    help="Add a year of generated history (a few hundred students) for the reports (default: yes).",
)
@atomic_command
def seed_demo_command(history: bool) -> None:
    """Fill an empty database with a small, realistic demo campus."""
    from careercenter.demo import DemoAlreadySeeded, seed_demo

    try:
        summary = seed_demo(db.session, history=history)
    except DemoAlreadySeeded:
        click.echo("demo data is already there; nothing changed")
        return
    for line in summary:
        click.echo(line)
