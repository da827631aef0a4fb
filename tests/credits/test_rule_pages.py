"""`/rules`: versions listed, a version's text and its differences, the YAML editor checked like
`flask credits load-rules`, Preview against a term's requests, Publish as a new version."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.audit.models import AuditEvent
from careercenter.audit.service import Actor
from careercenter.credits import rule_editing, rule_versions
from careercenter.credits.models import CreditRequest, CreditRule, RequestState
from careercenter.credits.rules import parse_rules_text
from careercenter.sso.models import Role

RULES = """
rules:
  - code: INTR-295
    name: Internship practicum
    course: {subject: INTR, number: "295", title: Internship Practicum}
    grading_basis: P/NP
    hours_per_credit: 45
    credit_increment: 0.5
    min_credits: 1
    max_credits: 3
    min_hours_per_experience: 5
    categories: [Marketing, Data analysis]
    open_from: 2025FA
"""


@pytest.fixture()
def staff(make_person: Any) -> Any:
    return make_person({Role.STAFF}, name="Priya Staff", program=None, class_level=None)


@pytest.fixture()
def rule(session: Any) -> CreditRule:
    rule_versions.load_rules(session, parse_rules_text(RULES), Actor.system("test"))
    session.commit()
    return session.execute(sa.select(CreditRule).where(CreditRule.code == "INTR-295")).scalar_one()


def _text(client: Any) -> str:
    html = client.get("/rules/INTR-295/edit").get_data(as_text=True)
    raw = re.search(r'<textarea id="rule-text"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    return (
        raw.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    )


def test_the_editor_text_is_the_rule_itself(client: Any, login: Any, staff: Any, rule: CreditRule) -> None:
    login(staff)
    text = _text(client)
    assert text.startswith("code: INTR-295\nname: Internship practicum\n")
    assert "course:\n  subject: INTR\n" in text and "max_credits: 3\n" in text
    draft = rule_editing.check_draft(text, "INTR-295")
    assert draft.problems == [] and draft.spec is not None
    assert draft.spec.content_hash() == rule.content_hash  # unchanged text is the same rule


def test_publish_makes_a_new_version_with_its_differences(
    client: Any, login: Any, staff: Any, rule: CreditRule, session: Any
) -> None:
    login(staff)
    text = _text(client).replace("max_credits: 3", "max_credits: 4")
    response = client.post("/rules/INTR-295/edit", data={"text": text, "action": "publish", "term": "2026SU"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/rules/INTR-295/v2")
    versions = session.execute(sa.select(CreditRule).order_by(CreditRule.version)).scalars().all()
    assert [(v.version, v.status.value) for v in versions] == [(1, "superseded"), (2, "active")]
    assert versions[1].definition["max_credits"] == "4"
    event = (
        session.execute(
            sa.select(AuditEvent).where(AuditEvent.action == "credit_rule.loaded").order_by(AuditEvent.seq.desc())
        )
        .scalars()
        .first()
    )
    assert (event.actor_type, event.actor_id) == ("person", str(staff.id))

    page = client.get("/rules/INTR-295/v2").get_data(as_text=True)
    assert "What changed from version 1" in page
    assert re.search(r"<del>.*?- max_credits: 3</del>", page) and re.search(r"<ins>.*?\+ max_credits: 4</ins>", page)
    listing = client.get("/rules").get_data(as_text=True)
    assert "Version 2" in listing and "Version 1" in listing and "superseded" in listing

    again = client.post("/rules/INTR-295/edit", data={"text": text, "action": "publish"}, follow_redirects=True)
    assert "INTR-295 v2 unchanged" in again.get_data(as_text=True)
    assert session.execute(sa.select(sa.func.count()).select_from(CreditRule)).scalar_one() == 2


def _request(session: Any, student: Any, rule: CreditRule, experience: Any, *, eligible: bool, credits: str) -> Any:
    request = CreditRequest(
        student_id=student.id,
        rule_id=rule.id,
        term="2026SU",
        state=RequestState.APPROVED if eligible else RequestState.DENIED,
        reflection="",
        evaluation={"eligible": eligible},
        is_eligible=eligible,
        computed_credits=Decimal(credits),
        submitted_at=datetime(2026, 7, 1, 12, tzinfo=UTC),
    )
    request.experiences = [experience]
    session.add(request)
    session.flush()
    return request


def test_preview_evaluates_the_draft_against_a_terms_requests(
    client: Any, login: Any, staff: Any, rule: CreditRule, session: Any, make_student: Any, verified_experience: Any
) -> None:
    made = []
    for hours, category in (("45", "Marketing"), ("90", "Marketing"), ("45", "Data analysis")):
        student = make_student()
        experience = verified_experience(
            student, hours=hours, category=category, start_date=date(2026, 6, 1), end_date=date(2026, 6, 20)
        )
        made.append(_request(session, student, rule, experience, eligible=True, credits=str(int(hours) // 45)))
    session.commit()
    login(staff)
    text = _text(client).replace("- Data analysis\n", "").replace("hours_per_credit: 45", "hours_per_credit: 30")
    response = client.post("/rules/INTR-295/edit", data={"text": text, "action": "preview", "term": "2026SU"})
    html = " ".join(response.get_data(as_text=True).split())
    assert response.status_code == 200
    assert (
        "Of 3 requests submitted under INTR-295 in 2026SU, <strong>2</strong> would pass, for <strong>4.5</strong>"
        in html
    )
    rows = re.findall(r'<th scope="row" data-label="Request">#(\d+)</th>(.*?)</tr>', html)
    changed = {int(i): re.sub(r"<[^>]+>", " ", rest).split() for i, rest in rows}
    assert set(changed) == {made[0].id, made[1].id, made[2].id}
    assert "does not meet it" in " ".join(changed[made[2].id])
    assert session.execute(sa.select(sa.func.count()).select_from(CreditRule)).scalar_one() == 1  # nothing saved


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("code: INTR-295\nname: [unclosed\n", "not valid YAML at line 3, column 1"),
        ("- just a list\n", "must be a mapping of settings"),
        (RULES.replace("rules:\n  - ", "").replace("\n    ", "\n") + "colour: blue\n", "colour: unknown key"),
        (
            RULES.replace("rules:\n  - ", "").replace("\n    ", "\n").replace("max_credits: 3", "max_credits: -1"),
            "max_credits",
        ),
        (
            RULES.replace("rules:\n  - ", "").replace("\n    ", "\n").replace("INTR-295", "BUS-390"),
            "this page edits INTR-295",
        ),
        ("x" * 20_001, "longer than 20,000 characters"),
    ],
)
def test_bad_drafts_are_refused_and_change_nothing(
    client: Any, login: Any, staff: Any, rule: CreditRule, session: Any, text: str, message: str
) -> None:
    login(staff)
    response = client.post("/rules/INTR-295/edit", data={"text": text, "action": "publish"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "<title>Error: " in html
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert message in summary and 'href="#rule-text"' in summary
    assert 'aria-invalid="true"' in html
    assert session.execute(sa.select(sa.func.count()).select_from(CreditRule)).scalar_one() == 1


def test_bad_term_and_missing_action(client: Any, login: Any, staff: Any, rule: CreditRule) -> None:
    login(staff)
    text = _text(client)
    bad_term = client.post("/rules/INTR-295/edit", data={"text": text, "action": "preview", "term": "SPRING"})
    assert bad_term.status_code == 422 and 'href="#rule-term"' in bad_term.get_data(as_text=True)
    no_action = client.post("/rules/INTR-295/edit", data={"text": text})
    assert no_action.status_code == 422 and "Choose Preview or Publish." in no_action.get_data(as_text=True)


def test_unknown_rules_and_versions_are_404(client: Any, login: Any, staff: Any, rule: CreditRule) -> None:
    login(staff)
    assert client.get("/rules/NOPE-1/edit").status_code == 404
    assert client.get("/rules/INTR-295/v9").status_code == 404


def test_a_route_step_nobody_can_decide_is_not_published(
    client: Any, login: Any, staff: Any, rule: CreditRule, session: Any
) -> None:
    login(staff)
    text = _text(client) + "approval:\n- {step: Department chair, by: {pool: math-chairs}}\n"
    response = client.post("/rules/INTR-295/edit", data={"text": text, "action": "publish"})
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert 'INTR-295: step "Department chair" (nobody can decide it): nobody can decide this step today' in html
    assert session.execute(sa.select(sa.func.count()).select_from(CreditRule)).scalar_one() == 1
