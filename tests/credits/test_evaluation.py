"""The pure evaluation: one table test per kind of check, and hypothesis for the invariants."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from careercenter.credits.evaluation import ExperienceFacts, PriorAward, StudentFacts, evaluate
from careercenter.credits.rules import RuleSpec
from careercenter.credits.terms import DEFAULT_CALENDAR, Calendar

TODAY = date(2026, 10, 1)  # 2026FA
D = Decimal

BASE = RuleSpec(
    code="INTR-295",
    name="Internship practicum",
    course_subject="INTR",
    course_number="295",
    course_title="Internship Practicum",
    grading_basis="P/NP",
    hours_per_credit=D(45),
    credit_increment=D("0.5"),
    min_credits=D(1),
    max_credits=D(3),
    open_from="2025FA",
)
STUDENT = StudentFacts("Computer Science", "junior")


def exp(i: int = 1, hours: str = "20", **kw: object) -> ExperienceFacts:
    values: dict[str, object] = {
        "id": i,
        "label": f"Employer {i} – Project {i}",
        "is_verified": True,
        "verified_hours": D(hours),
        "category": "Data analysis",
        "end_date": TODAY - timedelta(days=10),
        "skill_ratings": {"communication": 4, "technical skill": 4},
    }
    values.update(kw)
    return ExperienceFacts(**values)  # type: ignore[arg-type]


def check(result: object, code: str) -> object:
    matches = [c for c in result.checks if c.code == code]  # type: ignore[attr-defined]
    assert len(matches) == 1, f"no single {code} check in {result}"
    return matches[0]


def test_the_issue_example_in_words() -> None:
    result = evaluate(BASE, STUDENT, [exp(1, "15"), exp(2, "12.5"), exp(3, "11")], [], TODAY)
    assert not result.eligible and result.credits == 0
    assert check(result, "hours").text == "Needs at least 45 verified hours; found 38.5 hours in 3 micro-internships."


def test_credits_round_down_to_the_increment_and_stop_at_the_maximum() -> None:
    assert evaluate(BASE, STUDENT, [exp(1, "50"), exp(2, "20")], [], TODAY).credits == D("1.5")  # 70/45 = 1.55
    assert evaluate(BASE, STUDENT, [exp(1, "44.99"), exp(2, "45")], [], TODAY).credits == D("1.5")
    assert evaluate(BASE, STUDENT, [exp(1, "90")], [], TODAY).credits == D(2)
    assert evaluate(BASE, STUDENT, [exp(i, "40") for i in range(1, 6)], [], TODAY).credits == D(3)


@pytest.mark.parametrize(
    ("rule_change", "student", "experiences", "code", "passes", "words"),
    [
        ({}, STUDENT, [exp(1, "44")], "hours", False, "found 44 hours in 1 micro-internship"),
        ({"categories": ("Marketing",)}, STUDENT, [exp(1, "50")], "category", False, "is Data analysis"),
        ({"categories": ("Data analysis",)}, STUDENT, [exp(1, "50")], "category", True, "all 1 are"),
        (
            {"min_hours_per_experience": D(10)},
            STUDENT,
            [exp(1, "40"), exp(2, "8")],
            "min_hours_each",
            False,
            "Employer 2 – Project 2 has 8",
        ),
        ({"min_supervisor_rating": D("4.5")}, STUDENT, [exp(1, "50")], "min_rating", False, "averages 4"),
        (
            {"min_supervisor_rating": D(3)},
            STUDENT,
            [exp(1, "50", skill_ratings={})],
            "min_rating",
            False,
            "has no ratings",
        ),
        (
            {"required_skills": ("teamwork",)},
            STUDENT,
            [exp(1, "50")],
            "required_skills",
            False,
            "no rating for teamwork",
        ),
        ({"required_skills": ("Communication",)}, STUDENT, [exp(1, "50")], "required_skills", True, "all were rated"),
        ({"completed_within_days": 5}, STUDENT, [exp(1, "50")], "completed_within", False, "ended 2026-09-21"),
        ({"completed_within_days": 30}, STUDENT, [exp(1, "50")], "completed_within", True, "all 1 did"),
        (
            {"completed_within_days": 30},
            STUDENT,
            [exp(1, "50", end_date=TODAY + timedelta(days=3))],
            "completed_within",
            False,
            "ended 2026-10-04",
        ),
        ({"max_experiences": 2}, STUDENT, [exp(1), exp(2), exp(3)], "combine", False, "this request has 3"),
        (
            {"programs": ("Business Administration",)},
            STUDENT,
            [exp(1, "50")],
            "program",
            False,
            "the student's program is Computer Science",
        ),
        ({"class_levels": ("senior",)}, STUDENT, [exp(1, "50")], "class_level", False, "the student is junior"),
        ({"open_from": "2027SP"}, STUDENT, [exp(1, "50")], "term_open", False, "not open in 2026FA"),
        ({"open_until": "2026SU"}, STUDENT, [exp(1, "50")], "term_open", False, "not open in 2026FA"),
        ({"retired": True}, STUDENT, [exp(1, "50")], "term_open", False, "is retired"),
        ({}, STUDENT, [exp(1, "50", is_verified=False)], "verified", False, "not signed off: Employer 1"),
        (
            {},
            STUDENT,
            [exp(1, "50", counted_in="credit request 7 (approved)")],
            "not_counted_before",
            False,
            "already counted in credit request 7 (approved)",
        ),
        ({}, STUDENT, [], "experiences", False, "none was chosen"),
    ],
)
def test_each_kind_of_check(
    rule_change: dict[str, object],
    student: StudentFacts,
    experiences: list[ExperienceFacts],
    code: str,
    passes: bool,
    words: str,
) -> None:
    result = evaluate(replace(BASE, **rule_change), student, experiences, [], TODAY)
    found = check(result, code)
    assert found.passed is passes  # type: ignore[attr-defined]
    assert words in found.text  # type: ignore[attr-defined]
    if not passes:
        assert not result.eligible and result.credits == 0


def test_reflection_word_count() -> None:
    rule = replace(BASE, reflection_required=True, reflection_min_words=300)
    short = evaluate(rule, STUDENT, [exp(1, "50")], [], TODAY, reflection="word " * 299)
    assert check(short, "reflection").text == "Needs a written reflection of at least 300 words; it has 299 words."
    assert not short.eligible
    assert evaluate(rule, STUDENT, [exp(1, "50")], [], TODAY, reflection="word " * 300).eligible
    assert all(c.code != "reflection" for c in evaluate(BASE, STUDENT, [exp(1, "50")], [], TODAY).checks)


def test_term_credit_cap_counts_earlier_awards_of_the_same_rule_in_the_term() -> None:
    rule = replace(BASE, term_credit_cap=D(3))
    prior = [
        PriorAward("INTR-295", "2026FA", D(2)),
        PriorAward("INTR-295", "2026SP", D(3)),
        PriorAward("OTHER", "2026FA", D(3)),
    ]
    result = evaluate(rule, STUDENT, [exp(1, "135")], prior, TODAY)
    assert result.eligible and result.credits == D(1)
    assert "2 already awarded in 2026FA, so 1 can be granted" in check(result, "term_credit_cap").text
    full = evaluate(rule, STUDENT, [exp(1, "135")], [*prior, PriorAward("INTR-295", "2026FA", D("1.5"))], TODAY)
    assert not full.eligible and not check(full, "term_credit_cap").passed


def test_lifetime_caps_in_credits_and_uses() -> None:
    prior = [PriorAward("INTR-295", "2025FA", D(2)), PriorAward("INTR-295", "2026SP", D("1.5"))]
    result = evaluate(replace(BASE, lifetime_credit_cap=D(5)), STUDENT, [exp(1, "135")], prior, TODAY)
    assert result.credits == D("1.5")
    uses = evaluate(replace(BASE, lifetime_use_cap=2), STUDENT, [exp(1, "135")], prior, TODAY)
    assert not uses.eligible
    assert check(uses, "lifetime_use_cap").text == "INTR 295 may be awarded 2 times in all; awarded 2 times so far."
    term_uses = evaluate(replace(BASE, term_use_cap=1), STUDENT, [exp(1, "135")], prior, TODAY)
    assert term_uses.eligible


def test_a_fixed_half_credit_unit() -> None:
    rule = replace(BASE, hours_per_credit=D(30), min_credits=D("0.5"), max_credits=D("0.5"))
    assert evaluate(rule, STUDENT, [exp(1, "15")], [], TODAY).credits == D("0.5")
    assert evaluate(rule, STUDENT, [exp(1, "90")], [], TODAY).credits == D("0.5")
    assert not evaluate(rule, STUDENT, [exp(1, "14.5")], [], TODAY).eligible


def test_evaluation_round_trips_through_json() -> None:
    from careercenter.credits.evaluation import Evaluation

    result = evaluate(BASE, STUDENT, [exp(1, "50")], [], TODAY)
    assert Evaluation.from_dict(result.to_dict()) == result


def test_terms_follow_the_calendar() -> None:
    assert DEFAULT_CALENDAR.term_for(date(2026, 3, 10)) == "2026SP"
    assert DEFAULT_CALENDAR.term_for(date(2026, 7, 1)) == "2026SU"
    assert DEFAULT_CALENDAR.term_for(date(2026, 8, 15)) == "2026FA"
    quarters = Calendar.parse("WI=01-05,SP=03-30,SU=06-22,FA=09-21")
    assert quarters.term_for(date(2026, 1, 2)) == "2025FA"
    assert quarters.term_key("2026WI") < quarters.term_key("2026FA") < quarters.term_key("2027WI")


# ---- invariants ---------------------------------------------------------------------------------

hours = st.decimals(min_value=D("0.25"), max_value=D(80), places=2)
steps = st.sampled_from([D("0.25"), D("0.5"), D(1)])


@st.composite
def rules(draw: st.DrawFn) -> RuleSpec:
    step = draw(steps)
    low = step * draw(st.integers(1, 4))
    high = low + step * draw(st.integers(0, 8))
    return replace(
        BASE,
        hours_per_credit=draw(st.decimals(min_value=D(10), max_value=D(60), places=1)),
        credit_increment=step,
        min_credits=low,
        max_credits=high,
        min_hours_per_experience=draw(st.sampled_from([D(0), D(5)])),
        min_supervisor_rating=draw(st.sampled_from([None, D(3)])),
        term_credit_cap=draw(st.sampled_from([None, D(2), D(4)])),
        lifetime_credit_cap=draw(st.sampled_from([None, D(6)])),
        lifetime_use_cap=draw(st.sampled_from([None, 3])),
        categories=draw(st.sampled_from([(), ("Data analysis",)])),
    )


@st.composite
def experience_lists(draw: st.DrawFn, min_size: int = 0) -> list[ExperienceFacts]:
    n = draw(st.integers(min_size, 6))
    return [
        exp(
            i,
            str(draw(hours)),
            category=draw(st.sampled_from(["Data analysis", "Marketing"])),
            skill_ratings={"communication": draw(st.integers(1, 5))},
            counted_in=draw(st.sampled_from([None, None, None, "credit request 1 (submitted)"])),
        )
        for i in range(1, n + 1)
    ]


priors = st.lists(
    st.builds(
        PriorAward,
        st.sampled_from(["INTR-295", "OTHER"]),
        st.sampled_from(["2026FA", "2026SP"]),
        st.sampled_from([D("0.5"), D(1), D(2)]),
    ),
    max_size=4,
)


def qualifies(rule: RuleSpec, e: ExperienceFacts) -> bool:
    rating_ok = rule.min_supervisor_rating is None or (e.average_rating or 0) >= rule.min_supervisor_rating
    return (
        e.is_verified
        and e.counted_in is None
        and (not rule.categories or e.category in rule.categories)
        and e.verified_hours >= rule.min_hours_per_experience
        and rating_ok
    )


@settings(max_examples=300, deadline=None)
@given(rules(), experience_lists(), priors)
def test_credits_never_exceed_the_caps_or_what_the_hours_allow(
    rule: RuleSpec, exps: list[ExperienceFacts], prior: list[PriorAward]
) -> None:
    result = evaluate(rule, STUDENT, exps, prior, TODAY)
    assert result.credits <= rule.max_credits
    assert result.credits * rule.hours_per_credit <= sum((e.verified_hours for e in exps), D(0))
    assert (result.credits / rule.credit_increment) % 1 == 0
    same = [p for p in prior if p.rule_code == rule.code]
    if rule.term_credit_cap is not None:
        used = sum((p.credits for p in same if p.term == "2026FA"), D(0))
        assert result.credits <= max(D(0), rule.term_credit_cap - used)
    if rule.lifetime_credit_cap is not None:
        assert result.credits <= max(D(0), rule.lifetime_credit_cap - sum((p.credits for p in same), D(0)))
    if result.eligible:
        assert rule.min_credits <= result.credits
    else:
        assert result.credits == 0


@settings(max_examples=300, deadline=None)
@given(rules(), experience_lists(), priors, st.data())
def test_adding_a_qualifying_experience_never_lowers_credits(
    rule: RuleSpec, exps: list[ExperienceFacts], prior: list[PriorAward], data: st.DataObject
) -> None:
    before = evaluate(rule, STUDENT, exps, prior, TODAY)
    extra = exp(
        99,
        str(data.draw(st.decimals(min_value=max(rule.min_hours_per_experience, D("0.25")), max_value=D(80), places=2))),
        category="Data analysis",
        skill_ratings={"communication": 5},
    )
    assert qualifies(rule, extra)
    after = evaluate(rule, STUDENT, [*exps, extra], prior, TODAY)
    assert after.credits >= before.credits
    if before.eligible:
        assert after.eligible


@settings(max_examples=200, deadline=None)
@given(rules(), experience_lists(), priors, st.randoms(use_true_random=False))
def test_the_order_of_experiences_does_not_matter(
    rule: RuleSpec, exps: list[ExperienceFacts], prior: list[PriorAward], rnd: object
) -> None:
    shuffled = list(exps)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert evaluate(rule, STUDENT, exps, prior, TODAY) == evaluate(rule, STUDENT, shuffled, prior, TODAY)


@settings(max_examples=300, deadline=None)
@given(rules(), experience_lists(), priors, st.sampled_from([STUDENT, StudentFacts("Biology", "senior")]))
def test_an_ineligible_result_always_names_a_failed_check(
    rule: RuleSpec, exps: list[ExperienceFacts], prior: list[PriorAward], student: StudentFacts
) -> None:
    rule = replace(rule, programs=("Computer Science",))
    result = evaluate(rule, student, exps, prior, TODAY)
    assert result.eligible == (not result.failed)
    for failed in result.failed:
        assert failed.text.strip()
