"""Issue 20 item 2: a rule may require `supervisor_domain_verified: true`; the pure evaluation
explains the check like the others (the facts come in with each experience)."""

from __future__ import annotations

from dataclasses import replace

from careercenter.credits.evaluation import evaluate
from careercenter.credits.rules import parse_rules_text
from tests.credits.test_evaluation import BASE, STUDENT, TODAY, check, exp

RULE = replace(BASE, supervisor_domain_verified=True)


def test_verified_domains_pass_with_a_sentence() -> None:
    facts = [
        exp(
            1,
            "30",
            supervisor_domain="cedarvalleycu.org",
            supervisor_domain_verified=True,
            supervisor_badge="matches a verified domain of Cedar Valley Credit Union",
        ),
        exp(2, "30", supervisor_domain="acme.example", supervisor_domain_verified=True),
    ]
    result = evaluate(RULE, STUDENT, facts, [], TODAY)
    found = check(result, "supervisor_domain_verified")
    assert found.passed  # type: ignore[attr-defined]
    assert found.text == "Each supervisor must sign from a verified domain of their employer; all 2 did."  # type: ignore[attr-defined]
    assert result.eligible


def test_a_personal_address_fails_and_names_the_experience() -> None:
    facts = [exp(1, "50", supervisor_domain="gmail.com", supervisor_badge="personal address")]
    result = evaluate(RULE, STUDENT, facts, [], TODAY)
    found = check(result, "supervisor_domain_verified")
    assert not found.passed and not result.eligible  # type: ignore[attr-defined]
    assert found.text == (  # type: ignore[attr-defined]
        "Each supervisor must sign from a verified domain of their employer; "
        "Employer 1 – Project 1 was signed from gmail.com (personal address)."
    )
    assert found in result.failed


def test_rules_without_the_key_do_not_check() -> None:
    result = evaluate(BASE, STUDENT, [exp(1, "50", supervisor_domain="gmail.com")], [], TODAY)
    assert not [c for c in result.checks if c.code == "supervisor_domain_verified"]


def test_the_rules_file_reads_the_key() -> None:
    text = """
rules:
  - code: BUS-390
    name: Business
    course: {subject: BUS, number: "390", title: Business}
    grading_basis: P/NP
    hours_per_credit: 45
    min_credits: 1
    max_credits: 3
    open_from: 2025FA
    supervisor_domain_verified: true
"""
    [spec] = parse_rules_text(text)
    assert spec.supervisor_domain_verified is True
    assert spec.definition()["supervisor_domain_verified"] is True
    bad = text.replace("supervisor_domain_verified: true", "supervisor_domain_verified: maybe")
    try:
        parse_rules_text(bad)
    except ValueError as exc:
        assert "rules[0].supervisor_domain_verified: must be true or false" in str(exc)
    else:
        raise AssertionError("a non-boolean was accepted")


def test_the_rule_in_plain_words_says_so() -> None:
    from careercenter.credits.rule_text import requirements

    assert "Each supervisor must sign from a verified web domain of their employer." in requirements(RULE)
    assert not [line for line in requirements(BASE) if "verified web domain" in line]
