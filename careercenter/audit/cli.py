"""`flask audit …`: check the audit chain."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from careercenter.audit.export import export_student
from careercenter.audit.service import Actor, record_disclosure, record_event, verify_chain
from careercenter.extensions import db
from careercenter.sso.models import Role
from careercenter.sso.service import get_person_by_campus_id
from careercenter.transaction import atomic_command

audit_cli = AppGroup("audit", help="Audit log commands.")


@audit_cli.command("verify")
@atomic_command
def verify_command() -> None:
    """Walk the hash chain; print OK <n> events, or name the first broken event and exit 1."""
    report = verify_chain(db.session)
    if report.is_ok:
        click.echo(f"OK {report.count} events")
        return
    click.echo(f"BROKEN at event {report.broken_seq}: {report.reason}", err=True)
    raise SystemExit(1)


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
