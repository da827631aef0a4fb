"""Students request credit, advisors decide, registrar staff rescind: through the web and the service."""

from __future__ import annotations

import re
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from careercenter import signals
from careercenter.audit.models import AuditEvent, Disclosure
from careercenter.credits import approvals, decisions
from careercenter.credits import requests as credit_requests
from careercenter.credits.approval_models import ApprovalWait, Delegation
from careercenter.credits.models import AwardStatus, CreditAward, CreditRequest, CreditRule, RequestState
from careercenter.errors import Conflict
from careercenter.extensions import db
from careercenter.internships.models import ExperienceState
from careercenter.notify.models import OutboxMessage
from careercenter.sso.models import Person, Role
from tests.credits.helpers import load_test_rules, posted_award, submitted_request
from tests.factories import verified_experience

REFLECTION = " ".join(["I learned to plan work, estimate time, and explain results to a busy owner."] * 25)


@pytest.fixture()
def people(session: Any, make_student: Any, make_advisor: Any, make_person: Any) -> dict[str, Any]:
    maya = make_student(name="Maya Okafor", email="maya@students.example.edu")
    liam = make_student(name="Liam Chen", program="Business Administration")
    dana = make_advisor([maya], name="Dana Whitfield")
    raj = make_advisor([liam], name="Raj Patel")
    karen = make_person(Role.REGISTRAR, name="Karen Mbeki", program=None, class_level=None)
    load_test_rules(session)
    return {"maya": maya, "liam": liam, "dana": dana, "raj": raj, "karen": karen}


def _actions(session: Any) -> list[str]:
    return list(session.execute(sa.select(AuditEvent.action).order_by(AuditEvent.seq)).scalars())


def _requests(session: Any) -> list[CreditRequest]:
    return list(session.execute(sa.select(CreditRequest).order_by(CreditRequest.id)).scalars())


# ---- the student ---------------------------------------------------------------------------------


def test_student_checks_then_submits_a_request_combining_two_experiences(
    client: Any, login: Any, session: Any, people: dict[str, Any]
) -> None:
    maya = people["maya"]
    a = verified_experience(session, maya, "30", employer="Cobalt Freight", title="Delay dashboard")
    b = verified_experience(session, maya, "22.5", employer="Lumen Books", title="Inventory API")
    verified_experience(session, maya, "10", state=ExperienceState.AWAITING_SIGNOFF, verified_hours=None)
    login(maya)
    page = client.get("/credits/new").get_data(as_text=True)
    assert '<label for="rule">Rule</label>' in page
    assert "Cobalt Freight – Delay dashboard (30 verified hours" in page
    assert page.count('name="experiences"') == 2  # the unverified one is not offered
    assert "Submit request" not in page  # only after the evaluation was shown

    form = {"rule": "INTR-295", "experiences": [a.id, b.id], "reflection": "", "action": "check"}
    checked = client.post("/credits/new", data=form)
    body = checked.get_data(as_text=True)
    assert checked.status_code == 200
    assert "Meets the rule: 1 credit</strong>" in body
    assert "Needs at least 45 verified hours; found 52.5 hours in 2 micro-internships." in body
    assert "Submit request" in body
    assert _requests(session) == []  # checking saves nothing

    submitted = client.post("/credits/new", data={**form, "action": "submit"})
    assert submitted.status_code == 303
    [request] = _requests(session)
    assert submitted.headers["Location"].endswith(f"/credits/requests/{request.id}")
    assert request.state is RequestState.SUBMITTED
    assert request.is_eligible and request.computed_credits == Decimal("1")
    assert {e.id for e in request.experiences} == {a.id, b.id}
    assert request.rule.version == 1 and request.term == request.evaluation["term"]
    assert "credit_request.submitted" in _actions(session)
    detail = client.get(submitted.headers["Location"]).get_data(as_text=True)
    assert "submitted" in detail and "Found 52.5" not in detail and "found 52.5 hours" in detail
    assert session.execute(sa.select(sa.func.count()).select_from(Disclosure)).scalar_one() == 0


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"rule": "", "action": "submit"}, "rule", "Choose a rule from the list."),
        ({"rule": "NOPE-1", "action": "submit"}, "rule", "Choose a rule from the list."),
        (
            {"rule": "INTR-295", "action": "submit", "experiences": []},
            "experiences",
            "Choose at least one verified micro-internship.",
        ),
        (
            {"rule": "INTR-295", "action": "submit", "experiences": ["OTHER"]},
            "experiences",
            "Choose only your own verified micro-internships",
        ),
        (
            {"rule": "INTR-295", "action": "submit", "experiences": ["DRAFT"]},
            "experiences",
            "Choose only your own verified micro-internships",
        ),
        (
            {"rule": "INTR-295", "action": "submit", "experiences": ["HELD"]},
            "experiences",
            "Choose only your own verified micro-internships",
        ),
    ],
)
def test_bad_request_input_changes_nothing(
    client: Any, login: Any, session: Any, people: dict[str, Any], form: dict[str, Any], field: str, message: str
) -> None:
    maya, liam = people["maya"], people["liam"]
    ids = {
        "OTHER": verified_experience(session, liam, "50").id,
        "DRAFT": verified_experience(session, maya, "50", state=ExperienceState.DRAFT, verified_hours=None).id,
        "HELD": submitted_request(session, maya, [verified_experience(session, maya, "50")]).experiences[0].id,
    }
    before = len(_requests(session))
    form = {**form, "experiences": [ids.get(x, x) for x in form.get("experiences", [])]}
    login(maya)
    response = client.post("/credits/new", data=form)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'<p class="error" id="{field}-error">{message}' in body
    assert len(_requests(session)) == before


def test_an_ineligible_request_can_be_submitted_and_says_why(
    client: Any, login: Any, session: Any, people: dict[str, Any]
) -> None:
    maya = people["maya"]
    exp = verified_experience(session, maya, "38.5")
    login(maya)
    form = {"rule": "BUS-390", "experiences": [exp.id], "reflection": "Too short.", "action": "submit"}
    assert client.post("/credits/new", data=form).status_code == 303
    [request] = _requests(session)
    assert request.is_eligible is False and request.computed_credits == 0
    texts = [c["text"] for c in request.evaluation["checks"] if not c["passed"]]
    assert texts == [
        "Needs at least 45 verified hours; found 38.5 hours in 1 micro-internship.",
        "Needs a written reflection of at least 300 words; it has 2 words.",
    ]


def test_a_request_keeps_its_rule_version(runner: Any, session: Any, people: dict[str, Any], tmp_path: Any) -> None:
    from tests.credits.helpers import TEST_RULES

    maya = people["maya"]
    request = submitted_request(session, maya, [verified_experience(session, maya, "50")])
    v1 = request.rule
    path = tmp_path / "r.yaml"
    path.write_text(
        TEST_RULES.replace(
            "hours_per_credit: 45\n    credit_increment: 0.5", "hours_per_credit: 60\n    credit_increment: 0.5"
        )
    )
    assert "v2 loaded" in runner.invoke(args=["credits", "load-rules", str(path)]).output
    session.refresh(request)
    assert request.rule_id == v1.id and request.rule.version == 1
    decisions.return_request(session, request, people["dana"], "Add a reflection, please.")
    draft = credit_requests.prepare_request(
        session, maya, "INTR-295", [e.id for e in request.experiences], "", request=request
    )
    assert draft.rule.id == v1.id  # the returned request is still judged under version 1
    assert draft.evaluation.credits == Decimal("1")  # 50 h / 45, not / 60


# ---- the advisor --------------------------------------------------------------------------------


def test_advisor_sees_everything_and_the_viewing_is_disclosed(
    client: Any, login: Any, session: Any, people: dict[str, Any]
) -> None:
    maya = people["maya"]
    exp = verified_experience(
        session,
        maya,
        "50",
        skill_ratings={"communication": 5, "teamwork": 3},
        supervisor_feedback="Asked sharp questions.",
    )
    request = submitted_request(session, maya, [exp], code="BUS-390", reflection=REFLECTION)
    login(people["dana"])
    body = client.get(f"/credits/requests/{request.id}").get_data(as_text=True)
    assert "Needs a written reflection of at least 300 words; it has 350 words." in body
    assert "50 hours confirmed by the supervisor" in body
    assert "communication: 5 of 5; teamwork: 3 of 5" in body
    assert "Asked sharp questions." in body
    assert "I learned to plan work" in body
    for label in ("Credits to grant", "Reason for fewer credits", "Comment"):
        assert f">{label}</label>" in body
    for action in ("Approve", "Deny", "Return"):
        assert f'value="{action.lower()}"' in body and f">{action}</button>" in body
    [entry] = session.execute(sa.select(Disclosure)).scalars().all()
    assert entry.student_id == maya.id and entry.party_id == str(people["dana"].id)
    assert f"request {request.id}" in entry.records and "advisor" in entry.interest


def test_approve_creates_the_award_and_emails_the_student(
    client: Any, login: Any, session: Any, people: dict[str, Any]
) -> None:
    maya = people["maya"]
    request = submitted_request(session, maya, [verified_experience(session, maya, "100")])
    assert request.computed_credits == Decimal("2")
    login(people["dana"])
    url = f"/credits/requests/{request.id}/decision"
    base = {"action": "approve", "version": request.version_id, "comment": "Well done."}

    more = client.post(url, data={**base, "credits": "2.5"})
    assert more.status_code == 422
    assert "You can grant at most 2 credits" in more.get_data(as_text=True)
    no_reason = client.post(url, data={**base, "credits": "1.5"})
    assert '<p class="error" id="reason-error">Say why you grant fewer than the 2 credits' in no_reason.get_data(
        as_text=True
    )
    odd = client.post(url, data={**base, "credits": "1.25", "reason": "x"})
    assert "Credits go in steps of 0.5." in odd.get_data(as_text=True)
    session.refresh(request)
    assert request.state is RequestState.SUBMITTED
    assert session.execute(sa.select(CreditAward)).first() is None

    done = client.post(url, data={**base, "credits": "1.5", "reason": "Part of the hours were training."})
    assert done.status_code == 303
    session.refresh(request)
    assert request.state is RequestState.APPROVED and request.decided_by_id == people["dana"].id
    assert request.reduction_reason == "Part of the hours were training."
    award = session.execute(sa.select(CreditAward)).scalar_one()
    assert (award.credits, award.status, award.term, award.grading_basis) == (
        Decimal("1.5"),
        AwardStatus.PENDING,
        request.term,
        "P/NP",
    )
    [mail] = session.execute(sa.select(OutboxMessage).where(OutboxMessage.to_address == maya.email)).scalars().all()
    assert mail.to_address == "maya@students.example.edu"
    assert mail.subject == "Credit request approved: INTR 295"
    assert "approved: 1.5 credits, P/NP" in mail.body_text and "Part of the hours were training." in mail.body_text
    assert {"credit_request.approved", "credit_award.created"} <= set(_actions(session))

    login(maya)
    mine = client.get(f"/credits/requests/{request.id}").get_data(as_text=True)
    assert "1.5 credits in INTR 295, P/NP" in mine and "Well done." in mine


@pytest.mark.parametrize("action", ["deny", "return"])
def test_deny_and_return_need_a_comment(
    client: Any, login: Any, session: Any, people: dict[str, Any], action: str
) -> None:
    maya = people["maya"]
    request = submitted_request(session, maya, [verified_experience(session, maya, "20")])
    login(people["dana"])
    url = f"/credits/requests/{request.id}/decision"
    empty = client.post(url, data={"action": action, "comment": "  ", "version": request.version_id})
    assert empty.status_code == 422
    assert '<p class="error" id="comment-error">Write a comment' in empty.get_data(as_text=True)
    session.refresh(request)
    assert request.state is RequestState.SUBMITTED
    to_maya = sa.select(OutboxMessage).where(OutboxMessage.to_address == maya.email)
    assert session.execute(to_maya).first() is None

    decision = {"action": action, "comment": "Needs 45 hours.", "version": request.version_id}
    if action == "deny":  # a denial asks first; without JavaScript that is a page of its own
        ask = client.post(url, data=decision)
        assert ask.status_code == 200 and "Yes, deny the request" in ask.get_data(as_text=True)
        session.refresh(request)
        assert request.state is RequestState.SUBMITTED
    ok = client.post(url, data={**decision, "confirmed": "yes"})
    assert ok.status_code == 303
    session.refresh(request)
    assert request.state.value == {"deny": "denied", "return": "returned"}[action]
    [mail] = session.execute(to_maya).scalars().all()
    assert "Needs 45 hours." in mail.body_text


def test_an_ineligible_request_cannot_be_approved(session: Any, people: dict[str, Any]) -> None:
    from careercenter.errors import ValidationFailed

    maya = people["maya"]
    request = submitted_request(session, maya, [verified_experience(session, maya, "20")])
    with pytest.raises(ValidationFailed, match="does not meet its rule"):
        decisions.approve_request(session, request, people["dana"], "")
    assert request.state is RequestState.SUBMITTED


def test_a_decision_on_a_changed_request_is_refused_clearly(
    client: Any, login: Any, session: Any, people: dict[str, Any]
) -> None:
    maya = people["maya"]
    request = submitted_request(session, maya, [verified_experience(session, maya, "50")])
    seen_version = request.version_id
    approvals.approve(session, request, people["dana"], "")
    session.commit()
    login(people["dana"])
    late = client.post(
        f"/credits/requests/{request.id}/decision",
        data={"action": "deny", "comment": "No.", "version": seen_version, "confirmed": "yes"},
        follow_redirects=True,
    )
    assert "This request was already approved by Dana Whitfield, so your decision was not saved." in late.get_data(
        as_text=True
    )
    session.refresh(request)
    assert request.state is RequestState.APPROVED


def test_stale_version_is_refused_even_while_still_submitted(session: Any, people: dict[str, Any]) -> None:
    maya = people["maya"]
    request = submitted_request(session, maya, [verified_experience(session, maya, "50")])
    with pytest.raises(Conflict, match="Another advisor decided this request"):
        decisions.deny_request(session, request, people["dana"], "No.", expected_version=request.version_id - 1)


def test_other_advisors_cannot_decide(session: Any, people: dict[str, Any]) -> None:
    from careercenter.errors import NotAllowed

    maya = people["maya"]
    request = submitted_request(session, maya, [verified_experience(session, maya, "50")])
    with pytest.raises(NotAllowed):
        decisions.approve_request(session, request, people["raj"], "")


def test_returned_request_is_edited_and_resubmitted(
    client: Any, login: Any, session: Any, people: dict[str, Any]
) -> None:
    maya = people["maya"]
    first = verified_experience(session, maya, "30")
    request = submitted_request(session, maya, [first])
    decisions.return_request(session, request, people["dana"], "Add your Lumen Books project.")
    second = verified_experience(session, maya, "20", employer="Lumen Books")
    login(maya)
    detail = client.get(f"/credits/requests/{request.id}").get_data(as_text=True)
    assert "Add your Lumen Books project." in detail and "Edit and resubmit" in detail
    page = client.get(f"/credits/requests/{request.id}/edit").get_data(as_text=True)
    assert "Add your Lumen Books project." in page
    assert re.search(f'value="{first.id}" id="experiences-\\d+" checked', page)
    response = client.post(
        f"/credits/requests/{request.id}/edit",
        data={"rule": "INTR-295", "experiences": [first.id, second.id], "action": "submit"},
    )
    assert response.status_code == 303
    session.refresh(request)
    assert request.state is RequestState.SUBMITTED and request.is_eligible
    assert request.computed_credits == Decimal("1") and len(request.experiences) == 2
    assert "credit_request.resubmitted" in _actions(session)
    # Not returned any more: no editing.
    again = client.get(f"/credits/requests/{request.id}/edit")
    assert again.status_code == 303


def test_an_experience_counts_once(session: Any, people: dict[str, Any]) -> None:
    maya = people["maya"]
    exp = verified_experience(session, maya, "50")
    request = submitted_request(session, maya, [exp])
    assert credit_requests.claimable_experiences(session, maya) == []
    facts = credit_requests.experience_facts(session, [exp])
    assert facts[0].counted_in == f"credit request {request.id} (submitted)"
    decisions.deny_request(session, request, people["dana"], "Wrong course.")
    assert credit_requests.claimable_experiences(session, maya) == [exp]  # a denied request frees it


def test_bulk_approve_takes_only_eligible_requests(
    client: Any, login: Any, session: Any, people: dict[str, Any], make_student: Any
) -> None:
    maya, dana = people["maya"], people["dana"]
    good = submitted_request(session, maya, [verified_experience(session, maya, "50")])
    bad = submitted_request(session, maya, [verified_experience(session, maya, "10")])
    theirs = submitted_request(session, people["liam"], [verified_experience(session, people["liam"], "50")])
    login(dana)
    response = client.post(
        "/approvals/bulk-approve",
        data={"request_id": [good.id, bad.id, theirs.id], "comment": "Approved in this week's review."},
        follow_redirects=True,
    )
    body = response.get_data(as_text=True)
    assert "Approved the waiting step of 1 request(s)" in body
    assert f"Request {bad.id} (Maya Okafor) does not meet its rule." in body
    assert f"Request {theirs.id} is not waiting for you." in body
    for r in (good, bad, theirs):
        session.refresh(r)
    assert (good.state, bad.state, theirs.state) == (
        RequestState.APPROVED,
        RequestState.SUBMITTED,
        RequestState.SUBMITTED,
    )
    assert good.decision_comment == "Approved in this week's review."


@contextmanager
def count_queries() -> Any:
    counter = {"n": 0}

    def before(*_: Any) -> None:
        counter["n"] += 1

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)


def test_queue_is_oldest_first_filtered_paginated_and_its_query_count_does_not_grow(
    app: Any, client: Any, login: Any, session: Any, people: dict[str, Any], make_student: Any, make_advisor: Any
) -> None:
    students = [make_student(name=f"Student {i:02d}", program="Biology" if i % 2 else "History") for i in range(25)]
    advisor = make_advisor(students, name="Busy Advisor")
    requests = []
    for i, s in enumerate(students):
        r = submitted_request(session, s, [verified_experience(session, s, "50"), verified_experience(session, s, "5")])
        r.submitted_at = r.submitted_at.replace(year=2026, month=1, day=1 + i)
        requests.append(r)
    session.commit()
    login(advisor)
    first = client.get("/approvals").get_data(as_text=True)
    assert "25 requests waiting, page 1 of 2" in first
    assert first.index("Student 00") < first.index("Student 01") < first.index("Student 19")
    assert "Student 20" not in first and "Next page" in first
    second = client.get("/approvals?page=2").get_data(as_text=True)
    assert "Student 20" in second and "Student 24" in second and "Student 00" not in second
    biology = client.get("/approvals?program=Biology").get_data(as_text=True)
    assert "12 requests waiting" in biology and "Student 02" not in biology
    assert "0 requests waiting" in client.get("/approvals?term=1999FA").get_data(as_text=True)

    app.config["CREDITS_QUEUE_PAGE_SIZE"] = 3
    try:
        with count_queries() as small:
            client.get("/approvals")
        app.config["CREDITS_QUEUE_PAGE_SIZE"] = 20
        with count_queries() as large:
            client.get("/approvals")
    finally:
        app.config["CREDITS_QUEUE_PAGE_SIZE"] = 20
    assert small["n"] == large["n"], (small, large)


# ---- registrar staff ---------------------------------------------------------------------------------


def test_registrar_lists_filters_and_rescinds_with_the_signal(
    client: Any, login: Any, session: Any, people: dict[str, Any]
) -> None:
    maya, liam = people["maya"], people["liam"]
    posted = posted_award(
        session, submitted_request(session, maya, [verified_experience(session, maya, "50")]), people["dana"]
    )
    pending = decisions.approve_request(
        session, submitted_request(session, liam, [verified_experience(session, liam, "90")]), people["raj"], ""
    )
    login(people["karen"])
    everything = client.get("/registrar/awards").get_data(as_text=True)
    assert "2 awards" in everything and "Maya Okafor" in everything and "Liam Chen" in everything
    only_pending = client.get("/registrar/awards?status=pending").get_data(as_text=True)
    assert "1 award" in only_pending and "Liam Chen" in only_pending and "Maya Okafor" not in only_pending
    assert "Maya Okafor" in client.get("/registrar/awards?student=maya").get_data(as_text=True)

    received: list[dict[str, Any]] = []

    def receiver(sender: Any, **kw: Any) -> None:
        received.append(kw)

    signals.award_rescinded.connect(receiver)
    try:
        url = f"/registrar/awards/{posted.id}/rescind"
        empty = client.post(url, data={"reason": " "})
        assert empty.status_code == 422
        assert "Write the reason for rescinding this award." in empty.get_data(as_text=True)
        assert received == []
        ask = client.post(url, data={"reason": "Duplicate of transfer credit."})
        assert ask.status_code == 200 and "Rescind award" in ask.get_data(as_text=True) and received == []
        confirmed = {"reason": "Duplicate of transfer credit.", "confirmed": "yes"}
        done = client.post(url, data=confirmed, follow_redirects=True)
        assert "Award" in done.get_data(as_text=True) and "rescinded" in done.get_data(as_text=True)
        refused = client.post(
            f"/registrar/awards/{pending.id}/rescind", data={"reason": "x", "confirmed": "yes"}, follow_redirects=True
        )
        assert "Only a posted award can be rescinded; this one is pending." in refused.get_data(as_text=True)
    finally:
        signals.award_rescinded.disconnect(receiver)
    session.refresh(posted)
    assert posted.status is AwardStatus.RESCINDED and posted.rescinded_reason == "Duplicate of transfer credit."
    assert len(received) == 1
    assert received[0]["award"].id == posted.id and received[0]["reason"] == "Duplicate of transfer credit."
    assert received[0]["actor"].label == "Karen Mbeki" and received[0]["session"] is not None
    assert "credit_award.rescinded" in _actions(session)
    assert session.get(CreditAward, pending.id).status is AwardStatus.PENDING


def test_home_panels(client: Any, login: Any, session: Any, people: dict[str, Any]) -> None:
    maya = people["maya"]
    submitted_request(session, maya, [verified_experience(session, maya, "50")])
    login(maya)
    assert "My credit requests" in client.get("/student").get_data(as_text=True)
    login(people["dana"])
    assert "1 request waiting at a step you may decide, 1 meeting its rule." in client.get("/advisor").get_data(
        as_text=True
    )
    login(people["karen"])
    body = client.get("/registrar").get_data(as_text=True)
    assert "Credit awards" in body and "0 pending" in body


def test_rules_page_in_plain_words(client: Any, login: Any, people: dict[str, Any]) -> None:
    login(people["maya"])
    body = client.get("/credits/rules").get_data(as_text=True)
    assert "1 to 3 credits, P/NP: 45 verified hours per credit, in steps of 0.5 credit." in body
    assert "Needs a written reflection of at least 300 words." in body
    assert "All versions" not in body
    login(people["karen"])
    assert "All versions" in client.get("/credits/rules").get_data(as_text=True)


def test_demo_seed_fills_the_queues(session: Any) -> None:
    from careercenter.demo import seed_demo

    lines = seed_demo(session, history=False)
    assert any(line.startswith("credit requests: 10 waiting at route steps") for line in lines)
    # Requests wait at every step of CSCI-397, one step overdue and escalated; Raj is away.
    csci = session.execute(
        sa.select(ApprovalWait).join(CreditRequest).join(CreditRule).where(CreditRule.code == "CSCI-397")
    ).scalars()
    steps = {(w.step_label, w.escalated_at is not None) for w in csci}
    assert {"Advisor review", "Department chair", "Registrar check"} == {label for label, _ in steps}
    assert ("Department chair", True) in steps
    assert session.execute(sa.select(Delegation)).scalar_one().delegate.display_name == "Dana Whitfield"
    assert "  CSCI-397 Department chair: Helen Zhou (Zoe Martin; Arjun Mehta's is overdue and escalated, " in "\n".join(
        lines
    )
    waiting = (
        session.execute(sa.select(CreditRequest).where(CreditRequest.state == RequestState.SUBMITTED)).scalars().all()
    )
    assert {r.is_eligible for r in waiting} == {True, False}
    texts = {c["text"] for r in waiting for c in r.evaluation["checks"] if not c["passed"]}
    assert "Needs at least 45 verified hours; found 38.5 hours in 3 micro-internships." in texts
    assert "Needs a written reflection of at least 300 words; it has 70 words." in texts
    demo_awards = sa.select(CreditAward.status).join(Person, Person.id == CreditAward.student_id)
    statuses = session.execute(demo_awards.where(Person.is_demo.is_(True))).scalars().all()
    assert sorted(s.value for s in statuses) == ["pending", "pending", "posted", "posted"]  # (not the reports' history)


def test_advisor_opens_an_ineligible_request(client: Any, login: Any, session: Any, people: dict[str, Any]) -> None:
    maya = people["maya"]
    request = submitted_request(session, maya, [verified_experience(session, maya, "12")])
    login(people["dana"])
    body = client.get(f"/credits/requests/{request.id}").get_data(as_text=True)
    assert "Does not meet the rule" in body and "found 12 hours in 1 micro-internship" in body
    assert ">Approve</button>" not in body and ">Return</button>" in body


def test_a_cap_used_up_after_submission_limits_the_approval(session: Any, people: dict[str, Any]) -> None:
    from careercenter.errors import ValidationFailed

    maya, dana = people["maya"], people["dana"]
    first = submitted_request(session, maya, [verified_experience(session, maya, "100")])
    second = submitted_request(session, maya, [verified_experience(session, maya, "100")])
    assert first.computed_credits == second.computed_credits == Decimal("2")  # term cap 3, nothing awarded yet
    decisions.approve_request(session, first, dana, "")
    with pytest.raises(ValidationFailed) as caught:
        decisions.approve_request(session, second, dana, "", credits=Decimal("2"))
    assert caught.value.errors["credits"].startswith("You can grant at most 1 credit")
    award = decisions.approve_request(session, second, dana, "")
    assert award.credits == Decimal("1")


def test_submitting_an_experience_another_request_took_meanwhile_is_refused(
    session: Any, people: dict[str, Any]
) -> None:
    from careercenter.audit.service import Actor
    from careercenter.errors import ValidationFailed

    maya = people["maya"]
    exp = verified_experience(session, maya, "50", employer="Cobalt Freight", title="Dashboard")
    first = credit_requests.prepare_request(session, maya, "INTR-295", [exp.id], "")
    # prepared before the first is saved
    second = credit_requests.prepare_request(session, maya, "INTR-295", [exp.id], "")
    taken = credit_requests.submit_request(session, maya, first, Actor.person(maya))
    with pytest.raises(ValidationFailed) as caught:
        credit_requests.submit_request(session, maya, second, Actor.person(maya))
    assert caught.value.errors["experiences"] == (
        "A micro-internship counts toward one credit request only: "
        f"Cobalt Freight – Dashboard is counted in credit request {taken.id} (submitted)."
    )
    assert len(_requests(session)) == 1


def test_the_form_reports_an_experience_taken_between_check_and_submit(
    client: Any, login: Any, session: Any, people: dict[str, Any], monkeypatch: Any
) -> None:
    maya = people["maya"]
    exp = verified_experience(session, maya, "50", employer="Cobalt Freight", title="Dashboard")
    other = submitted_request(session, maya, [verified_experience(session, maya, "50")])
    # Simulate the race: the check passes, then the save finds the experience held.
    monkeypatch.setattr(
        credit_requests, "_held_by", lambda s, ids, rid: {i: f"credit request {other.id} (submitted)" for i in ids}
    )
    monkeypatch.setattr(credit_requests, "claimable_experiences", lambda *a, **k: [exp])
    login(maya)
    response = client.post("/credits/new", data={"rule": "INTR-295", "experiences": [exp.id], "action": "submit"})
    assert response.status_code == 422
    assert "Cobalt Freight – Dashboard is counted in credit request" in response.get_data(as_text=True)
    assert len(_requests(session)) == 1


def test_a_free_mail_supervisor_is_marked_for_the_advisor(
    client: Any, login: Any, session: Any, people: dict[str, Any]
) -> None:
    """Issue 16 item 5: a free-mail supervisor is accepted, and the advisor sees it said plainly."""
    maya = people["maya"]
    personal = verified_experience(session, maya, "50", supervisor_email="renee.castillo@gmail.com")
    work = verified_experience(session, maya, "50", supervisor_email="renee@cedarvalley.example.com")
    request = submitted_request(session, maya, [personal, work], code="BUS-390", reflection=REFLECTION)
    login(people["dana"])
    body = client.get(f"/credits/requests/{request.id}").get_data(as_text=True)
    assert body.count("the supervisor signed from a personal address") == 1
    assert "(renee.castillo@gmail.com)" in body.replace("&#64;", "@")
