"""`flask audit …`: check the audit chain."""

from __future__ import annotations

import json
from typing import TextIO

import click
from flask import current_app
from flask.cli import AppGroup

from careercenter.audit.checkpoint import (
    CheckpointInvalid,
    check_anchor,
    load_checkpoint,
    make_checkpoint,
    signing_key,
)
from careercenter.audit.export import export_student
from careercenter.audit.service import Actor, record_disclosure, record_event, verify_chain
from careercenter.extensions import db
from careercenter.sso.models import Role
from careercenter.sso.service import get_person_by_campus_id
from careercenter.transaction import atomic_command

audit_cli = AppGroup("audit", help="Audit log commands.")


@audit_cli.command("verify")
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.File("r", encoding="utf-8"),
    help="A file written by `flask audit checkpoint`: the chain must still reach its head.",
)
@atomic_command
def verify_command(checkpoint_file: TextIO | None) -> None:
    """Walk the hash chain; print OK <n> events, or name the first broken event and exit 1.

    With --checkpoint, also fail (naming the gap) when the chain no longer reaches the head the
    checkpoint saw: a truncated tail or rewritten history.
    """
    anchor = None
    if checkpoint_file is not None:
        try:
            checkpoint = load_checkpoint(checkpoint_file.read(), signing_key(current_app.config))
        except CheckpointInvalid as exc:
            click.echo(f"BROKEN: {exc}", err=True)
            raise SystemExit(1) from None
        anchor = check_anchor(db.session, checkpoint)
    report = verify_chain(db.session)
    if not report.is_ok:
        click.echo(f"BROKEN at event {report.broken_seq}: {report.reason}", err=True)
        raise SystemExit(1)
    if anchor is not None and not anchor.ok:
        click.echo(f"BROKEN: {anchor.message}", err=True)
        raise SystemExit(1)
    click.echo(f"OK {report.count} events" + (f"; {anchor.message}" if anchor else ""))


@audit_cli.command("checkpoint")
def checkpoint_command() -> None:
    """Print a signed checkpoint of the chain (one JSON line: count, head, at, signature).

    Ship it off the machine (syslog, object storage); `flask audit verify --checkpoint FILE`
    later proves the chain still reaches it.
    """
    click.echo(json.dumps(make_checkpoint(db.session, signing_key(current_app.config)), sort_keys=True))


students_cli = AppGroup("students", help="Student record commands.")


@students_cli.command("export")
@click.argument("campus_id")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write to this file, not stdout.")
@click.option("--requested-by", default="registrar staff (command line)", help="Who asked, for the disclosure log.")
@atomic_command
def export_command(campus_id: str, output: str | None, requested_by: str) -> None:
    """Write everything held about one student as one JSON document."""
    student = get_person_by_campus_id(db.session, campus_id)
    if student is None or not student.has_role(Role.STUDENT):
        click.echo(f"no student with campus id {campus_id!r}", err=True)
        raise SystemExit(1)
    document = export_student(db.session, student)
    record_disclosure(
        db.session,
        student_id=student.id,
        party_type="person",
        party_id=None,
        party_label=requested_by,
        records="complete record export",
        interest="student's request to inspect their education records (34 CFR 99.10)",
        basis="34 CFR 99.10 right to inspect",
    )
    record_event(db.session, Actor.system("cli"), "student.exported", "person", student.id, {})
    text = json.dumps(document, indent=2, ensure_ascii=False)
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
        click.echo(f"wrote {output}")
    else:
        click.echo(text)
