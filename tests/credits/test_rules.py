"""The rules file: validation with paths, nothing loaded on error, versions, and the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.audit.models import AuditEvent
from careercenter.credits.models import CreditRule, RuleStatus
from careercenter.credits.rules import RuleFileError, parse_rules_text
from tests.credits.helpers import TEST_RULES

DEMO = Path(__file__).resolve().parents[2] / "careercenter" / "credits" / "demo_rules.yaml"

GOOD = """
rules:
  - code: PDEV-110
    name: Professional development unit
    course: {subject: PDEV, number: "110", title: Professional Development Unit}
    grading_basis: P/NP
    hours_per_credit: 30
    credit_increment: 0.5
    min_credits: 0.5
    max_credits: 0.5
    open_from: 2026SP
"""


def _rules(session: Any) -> list[CreditRule]:
    return list(session.execute(sa.select(CreditRule).order_by(CreditRule.code, CreditRule.version)).scalars())


def test_the_demo_rules_file_is_valid_and_has_what_the_issue_asks() -> None:
    specs = {s.code: s for s in parse_rules_text(DEMO.read_text())}
    intr = specs["INTR-295"]
    assert (intr.grading_basis, intr.hours_per_credit, intr.credit_increment) == ("P/NP", 45, 0.5)
    assert (intr.min_credits, intr.max_credits) == (1, 3)
    assert specs["PDEV-110"].min_credits == specs["PDEV-110"].max_credits == 0.5
    assert specs["CSCI-397"].programs == ("Computer Science",)
    assert specs["BUS-390"].reflection_required and specs["BUS-390"].reflection_min_words == 300


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("hours_per_credit: 30", "hours_per_credit: -3"), "rules[1].hours_per_credit: must be a positive number"),
        (("hours_per_credit: 30", "hours_per_credit: lots"), "rules[1].hours_per_credit: must be a positive number"),
        (
            ("min_credits: 0.5", "min_credits: 0.75"),
            "rules[1].min_credits: must be a multiple of credit_increment (0.5)",
        ),
        (("max_credits: 0.5", "max_credits: 0"), "rules[1].max_credits: must be a positive number"),
        (("grading_basis: P/NP", "grading_basis: A-F"), "rules[1].grading_basis: must be one of P/NP, S/U, letter"),
        (("open_from: 2026SP", "open_from: spring"), "rules[1].open_from: must be a term code"),
        (("open_from: 2026SP", "open_from: 2026SP\n    colour: blue"), "rules[1].colour: unknown key"),
        (
            ("open_from: 2026SP", "open_from: 2026SP\n    class_levels: [junior, alien]"),
            "rules[1].class_levels: alien is not a class level",
        ),
        (
            ("open_from: 2026SP", "open_from: 2026SP\n    reflection_min_words: 300"),
            "rules[1].reflection_min_words: set reflection_required: true",
        ),
        (
            ("open_from: 2026SP", "open_from: 2026SP\n    open_until: 2025FA"),
            "rules[1].open_until: must not be before open_from",
        ),
        (("code: PDEV-110", "code: INTR-295"), "rules[1].code: INTR-295 is already defined by rules[0]"),
        (("    name: Professional development unit\n", ""), "rules[1].name: is required"),
        (("title: Professional Development Unit}", "title: }"), "rules[1].course.title: is required"),
    ],
)
def test_an_invalid_rule_is_reported_with_its_path_and_nothing_is_loaded(
    runner: Any, session: Any, tmp_path: Path, change: tuple[str, str], problem: str
) -> None:
    text = TEST_RULES.split("  - code: BUS-390")[0] + GOOD.split("rules:\n")[1].replace(*change)
    with pytest.raises(RuleFileError) as caught:
        parse_rules_text(text)
    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    result = runner.invoke(args=["credits", "load-rules", str(path)])
    assert result.exit_code == 1
    assert f"error: {problem}" in result.output
    assert "no rule was loaded" in result.output
    assert _rules(session) == []  # the valid INTR-295 before it was not loaded either


def test_not_yaml_at_all(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError, match="not valid YAML at line 3"):
        parse_rules_text("rules:\n  - code: [unclosed\n")
    with pytest.raises(RuleFileError, match="a list under `rules:`"):
        parse_rules_text("- just a list\n")


def test_load_list_and_version(runner: Any, session: Any, tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(TEST_RULES)
    result = runner.invoke(args=["credits", "load-rules", str(path)])
    assert result.exit_code == 0, result.output
    assert "INTR-295 v1 loaded (INTR 295, 1–3 credits, active)" in result.output
    assert "BUS-390 v1 loaded" in result.output

    again = runner.invoke(args=["credits", "load-rules", str(path)])
    assert "INTR-295 v1 unchanged" in again.output and "BUS-390 v1 unchanged" in again.output
    assert len(_rules(session)) == 2

    path.write_text(
        TEST_RULES.replace(
            "hours_per_credit: 45\n    credit_increment: 0.5", "hours_per_credit: 40\n    credit_increment: 0.5"
        )
    )
    changed = runner.invoke(args=["credits", "load-rules", str(path)])
    assert "INTR-295 v2 loaded (INTR 295, 1–3 credits, active); v1 superseded" in changed.output
    assert "BUS-390 v1 unchanged" in changed.output
    versions = [(r.code, r.version, r.status) for r in _rules(session)]
    assert versions == [
        ("BUS-390", 1, RuleStatus.ACTIVE),
        ("INTR-295", 1, RuleStatus.SUPERSEDED),
        ("INTR-295", 2, RuleStatus.ACTIVE),
    ]
    v1, v2 = (r for r in _rules(session) if r.code == "INTR-295")
    assert v1.content_hash != v2.content_hash
    assert v2.definition["hours_per_credit"] == "40"

    listed = runner.invoke(args=["credits", "list-rules"])
    assert listed.output.splitlines() == [
        "BUS-390\tv1\tBUS 390 Business Field Experience (1–3 cr, P/NP)\tactive",
        "INTR-295\tv1\tINTR 295 Internship Practicum (1–3 cr, P/NP)\tsuperseded",
        "INTR-295\tv2\tINTR 295 Internship Practicum (1–3 cr, P/NP)\tactive",
    ]
    active = runner.invoke(args=["credits", "list-rules", "--active"])
    assert len(active.output.splitlines()) == 2
    actions = session.execute(sa.select(AuditEvent.action).order_by(AuditEvent.seq)).scalars().all()
    assert actions.count("credit_rule.loaded") == 3 and actions.count("credit_rule.superseded") == 1


def test_list_rules_when_empty(runner: Any, session: Any) -> None:
    assert runner.invoke(args=["credits", "list-rules"]).output == "no credit rules loaded\n"


def test_a_bad_term_calendar_stops_start_up(make_app: Any) -> None:
    from careercenter.config import ConfigError

    with pytest.raises(ConfigError, match="CAREERCENTER_CREDITS_TERM_STARTS: term start 'FALL=08-15'"):
        make_app(CREDITS_TERM_STARTS="SP=01-01,FALL=08-15")
    with pytest.raises(ConfigError, match="CAREERCENTER_CREDITS_QUEUE_PAGE_SIZE"):
        make_app(CREDITS_QUEUE_PAGE_SIZE=0)


def test_retiring_a_rule_and_bringing_it_back(runner: Any, session: Any, tmp_path: Path) -> None:
    from careercenter.credits import rule_versions

    path = tmp_path / "rules.yaml"
    path.write_text(GOOD)
    runner.invoke(args=["credits", "load-rules", str(path)])
    path.write_text(GOOD + "    retired: true\n")
    retired = runner.invoke(args=["credits", "load-rules", str(path)])
    assert "PDEV-110 v2 loaded (PDEV 110, 0.5 credits, retired); v1 superseded" in retired.output
    assert rule_versions.active_rules(session) == []
    path.write_text(GOOD)
    back = runner.invoke(args=["credits", "load-rules", str(path)])
    assert "PDEV-110 v3 loaded (PDEV 110, 0.5 credits, active); v2 superseded" in back.output
    assert [(r.version, r.status) for r in _rules(session)] == [
        (1, RuleStatus.SUPERSEDED),
        (2, RuleStatus.SUPERSEDED),
        (3, RuleStatus.ACTIVE),
    ]
