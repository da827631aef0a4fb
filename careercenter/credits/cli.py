"""`flask credits load-rules FILE` and `flask credits list-rules`."""

from __future__ import annotations

import sys
from typing import IO

import click

from careercenter.audit.service import Actor
from careercenter.credits import rule_versions
from careercenter.credits.escalation import escalate_due
from careercenter.credits.route_check import check_routes
from careercenter.credits.rules import RuleFileError, RuleSpec, parse_rules_text
from careercenter.extensions import db
from careercenter.transaction import atomic_command


@click.group("credits")
def credits_cli() -> None:
    """Course-credit rules."""


@credits_cli.command("load-rules")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@atomic_command
def load_rules_command(file: IO[str]) -> None:
    """Validate a whole rules file, then load it: a changed rule becomes a new version.

    Nothing is loaded when any rule is invalid, or when a step of a rule's approval route can be
    decided by nobody; each problem is printed with its path (or the rule's code and step).
    """
    specs = _parse_or_exit(file)
    routes = check_routes(db.session, specs)
    if not routes.is_ok:
        for item in routes.undecidable:
            click.echo(f"error: {item}", err=True)
        click.echo(f"{file.name}: {len(routes.undecidable)} undecidable step(s); no rule was loaded", err=True)
        sys.exit(1)
    lines = rule_versions.load_rules(db.session, specs, Actor.system("flask credits load-rules"))
    for line in lines:
        click.echo(line)


def _parse_or_exit(file: IO[str]) -> list[RuleSpec]:
    try:
        return parse_rules_text(file.read(), rule_versions.calendar())
    except RuleFileError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        click.echo(f"{file.name}: {len(exc.problems)} problem(s); no rule was loaded", err=True)
        sys.exit(1)


@credits_cli.command("route-check")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@atomic_command
def route_check_command(file: IO[str]) -> None:
    """Print who could decide each step of each rule's approval route today; exit 1 when a
    step can be decided by nobody (its rule's code and the step's label are printed)."""
    specs = _parse_or_exit(file)
    report = check_routes(db.session, specs)
    for line in report.lines:
        click.echo(line)
    if not report.is_ok:
        click.echo(f"{file.name}: {len(report.undecidable)} step(s) nobody can decide", err=True)
        sys.exit(1)


@credits_cli.command("escalate")
@atomic_command
def escalate_command() -> None:
    """Remind approvers at half a step's deadline, escalate steps past it, send daily digests
    (run by a timer; running it twice does nothing twice)."""
    for line in escalate_due(db.session).lines():
        click.echo(line)


@credits_cli.command("list-rules")
@click.option("--active", "active_only", is_flag=True, help="Only the versions in force.")
@atomic_command
def list_rules_command(active_only: bool) -> None:
    """Print code, version, course and status of every rule version."""
    rules = rule_versions.active_rules(db.session) if active_only else rule_versions.all_rule_versions(db.session)
    if not rules:
        click.echo("no credit rules loaded")
        return
    for rule in rules:
        spec = rule_versions.spec_of(rule)
        click.echo(
            f"{rule.code}\tv{rule.version}\t{rule.course_label} {rule.course_title} "
            f"({rule_versions.credit_range(spec)} cr, {rule.grading_basis})\t{rule.status.value}"
        )
