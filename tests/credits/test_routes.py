"""Approval routes: parsing, route-check and load-rules, deciding step by step, emails,
delegation, escalation, the registrar API trail."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.audit.service import Actor
from careercenter.credits import approvals, delegation, waits
from careercenter.credits import requests as credit_requests
from careercenter.credits.approval_models import ApprovalDecision, ApprovalWait, DigestItem
from careercenter.credits.escalation import escalate_due
from careercenter.credits.models import CreditAward, CreditRule, RequestState
from careercenter.credits.rules import RuleFileError, parse_rules_text
from careercenter.db import utcnow
from careercenter.errors import Conflict, NotAllowed, ValidationFailed
from careercenter.sso.models import Person, Role
from tests.credits.helpers import TEST_RULES
from tests.credits.routes_helpers import ROUTE_RULES, audit_events, csci_request, mail_to, route_campus
from tests.factories import verified_experience
from tests.test_query_counts import count_queries


@pytest.fixture()
def campus(session: Any, make_person: Any, make_student: Any, make_advisor: Any) -> dict[str, Any]:
    return route_campus(session, make_person, make_student, make_advisor)


# ---- routes are data ----------------------------------------------------------------------------


def test_a_route_is_part_of_the_rule_version_and_a_rule_without_one_keeps_its_hash() -> None:
    specs = parse_rules_text(ROUTE_RULES)
    csci = specs[0]
    assert [s.label for s in csci.route] == ["Advisor review", "Department chair", "Registrar check"]
    assert csci.definition()["approval"][1] == {
        "step": "Department chair",
        "by": {"pool": "csci-chairs", "match_program": True},
        "deadline_days": 4,
        "escalate_to": "registrar",
    }
    plain = parse_rules_text(TEST_RULES)[0]
    assert "approval" not in plain.definition()  # so reloading today's rules makes no new version
    assert [(s.label, s.kind.value) for s in plain.route] == [("Advisor review", "advisor")]


@pytest.mark.parametrize(
    ("approval", "problem"),
    [
        ("[]", "must be a list of steps"),
        ("[{step: A, by: nobody}]", "[0].by: must be advisor, sponsor, registrar or {pool: NAME}"),
        ("[{step: A, by: {pool: 'Chairs of CS'}}]", "[0].by.pool: must be a pool name"),
        ("[{step: A, by: {pool: x, match_program: maybe}}]", "match_program: must be true or false"),
        ("[{step: A, by: advisor, escalate_to: registrar}]", "escalate_to: needs deadline_days"),
        ("[{step: A, by: advisor, deadline_days: 0}]", "deadline_days: must be a whole number of days"),
        (
            "[{step: A, by: advisor, deadline_days: 3, escalate_to: sponsor}]",
            "escalate_to: must be registrar or {pool: NAME}",
        ),
        ("[{step: A, by: advisor}, {step: a, by: registrar}]", "the step label 'a' is used twice"),
        ("[{step: A, by: sponsor}, {step: B, by: sponsor}]", "at most one step is decided by sponsor"),
        ("[{step: '', by: advisor}]", "[0].step: must be a label"),
        ("[{by: advisor, who: me}]", "[0].who: unknown key"),
    ],
)
def test_bad_routes_are_refused_with_their_place(approval: str, problem: str) -> None:
    text = TEST_RULES.replace("    term_credit_cap: 3\n", f"    term_credit_cap: 3\n    approval: {approval}\n", 1)
    with pytest.raises(RuleFileError) as caught:
        parse_rules_text(text)
    assert any(p.startswith("rules[0].approval") and problem in p for p in caught.value.problems), caught.value.problems


def test_route_check_prints_who_could_decide_and_load_rules_refuses_an_undecidable_step(
    runner: Any, session: Any, campus: dict[str, Any], tmp_path: Any
) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(ROUTE_RULES.replace("CSCI-397", "CSCI-398"))
    result = runner.invoke(args=["credits", "route-check", str(good)])
    assert result.exit_code == 0, result.output
    assert (
        "2. Department chair — a member of csci-chairs in the student's program: "
        "Omar Chair (Mathematics), Priya Raman (Computer Science)" in result.output
    )
    assert "escalates after 4 day(s) to registrar staff" in result.output
    assert (
        "1. Faculty sponsor — the faculty sponsor the student named: Marcus Bell, Omar Chair, Priya Raman"
        in result.output
    )

    bad = tmp_path / "bad.yaml"
    bad.write_text(ROUTE_RULES.replace("CSCI-397", "CSCI-398").replace("csci-chairs", "math-chairs"))
    before = runner.invoke(args=["credits", "list-rules"]).output
    checked = runner.invoke(args=["credits", "route-check", str(bad)])
    assert checked.exit_code == 1
    assert 'error: CSCI-398: step "Department chair": nobody can decide it' in checked.output
    loaded = runner.invoke(args=["credits", "load-rules", str(bad)])
    assert loaded.exit_code == 1
    assert 'CSCI-398: step "Department chair"' in loaded.output and "no rule was loaded" in loaded.output
    assert runner.invoke(args=["credits", "list-rules"]).output == before
    assert session.execute(sa.select(CreditRule).where(CreditRule.code == "CSCI-398")).first() is None
    # A pool of the right name whose members are all of another program: nobody for the rule's program.
    campus["priya"].set_pools(set())
    session.commit()  # (to the test's savepoint: a command that exits 1 rolls its own work back)
    nobody = runner.invoke(args=["credits", "route-check", str(good)])
    assert nobody.exit_code == 1 and "no member of csci-chairs is in Computer Science" in nobody.output
    assert runner.invoke(args=["credits", "load-rules", str(good)]).exit_code == 1


# ---- deciding, step by step -------------------------------------------------------------------------


def test_advisor_then_chair_then_registrar_makes_the_award_only_at_the_last_step(
    session: Any, campus: dict[str, Any]
) -> None:
    c = campus
    request = csci_request(session, c["maya"])
    assert request.computed_credits == Decimal("3")
    wait = session.get(ApprovalWait, request.id)
    assert (wait.step_label, wait.pass_no, wait.deadline_at) == ("Advisor review", 1, None)
    # Both assigned advisors are told; nobody else.
    assert [m.subject for m in mail_to(session, c["dana"])] == ["Credit request waiting for you: CSCI 397, Maya Okafor"]
    assert len(mail_to(session, c["raj"])) == 1 and mail_to(session, c["priya"]) == []

    with pytest.raises(NotAllowed):
        approvals.approve(session, request, c["priya"], "Too early for me.")
    step1 = approvals.approve(session, request, c["dana"], "Good work.")
    assert step1.award is None and step1.next_step == "Department chair"
    assert session.execute(sa.select(CreditAward)).first() is None
    wait = session.get(ApprovalWait, request.id)
    assert wait.step_label == "Department chair" and wait.deadline_at is not None
    assert "Credit request step passed: CSCI 397" in [m.subject for m in mail_to(session, c["maya"])]
    assert len(mail_to(session, c["priya"])) == 1 and mail_to(session, c["omar"]) == []  # other program
    with pytest.raises(NotAllowed):
        approvals.approve(session, request, c["omar"], "")  # in the pool, not of Maya's program
    with pytest.raises(NotAllowed):
        approvals.approve(session, request, c["dana"], "")  # the advisor step is done

    with pytest.raises(ValidationFailed) as no_reason:
        approvals.approve(session, request, c["priya"], "", credits=Decimal("2"))
    assert "reason" in no_reason.value.errors
    approvals.approve(session, request, c["priya"], "Fine.", credits=Decimal("2"), reason="One project was training.")
    assert session.execute(sa.select(CreditAward)).first() is None
    with pytest.raises(ValidationFailed) as more:
        approvals.approve(session, request, c["karen"], "", credits=Decimal("3"))
    assert "at most 2 credits" in more.value.errors["credits"]  # later steps see the earlier reduction

    last = approvals.approve(session, request, c["karen"], "Posted next week.")
    assert last.award is not None and last.award.credits == Decimal("2")
    assert request.state is RequestState.APPROVED and request.reduction_reason == "One project was training."
    assert session.get(ApprovalWait, request.id) is None
    trail = [(d.step_label, d.decision.value, d.decided_by.display_name) for d in approvals.trail(session, request)]
    assert trail == [
        ("Advisor review", "approved", "Dana Whitfield"),
        ("Department chair", "approved", "Priya Raman"),
        ("Registrar check", "approved", "Karen Mbeki"),
    ]
    steps = [e.data["step"] for e in audit_events(session, "credit_request.step_approved")]
    assert steps == ["Advisor review", "Department chair"]
    [final] = audit_events(session, "credit_request.approved")
    assert final.data["step"] == "Registrar check" and final.actor_id == str(c["karen"].id)
    assert "Credit request approved: CSCI 397" in [m.subject for m in mail_to(session, c["maya"])]


def test_a_step_is_decided_once(session: Any, campus: dict[str, Any]) -> None:
    request = csci_request(session, campus["maya"])
    approvals.approve(session, request, campus["dana"], "")
    with pytest.raises(NotAllowed):
        approvals.approve(session, request, campus["raj"], "")  # the other advisor, too late
    # The unique key is the guard even when the checks were passed on stale data.
    wait = session.get(ApprovalWait, request.id)
    session.add(
        ApprovalDecision(
            request_id=request.id,
            pass_no=wait.pass_no,
            step_index=wait.step_index,
            step_label=wait.step_label,
            decision="approved",
            decided_by_id=campus["omar"].id,
        )
    )
    with pytest.raises(Conflict, match="Someone else decided this step"):
        approvals.approve(session, request, campus["priya"], "")
    session.rollback()


def test_a_stale_form_after_the_step_moved_on_is_told_so_not_refused(
    client: Any, login: Any, session: Any, campus: dict[str, Any]
) -> None:
    request = csci_request(session, campus["maya"])
    shown_version = request.version_id  # Raj opens the request page now ...
    approvals.approve(session, request, campus["dana"], "")  # ... and Dana decides the step first
    login(campus["raj"])
    data = {"action": "approve", "version": str(shown_version), "comment": ""}
    stale = client.post(f"/credits/requests/{request.id}/decision", data=data)
    assert stale.status_code == 303 and stale.headers["Location"].endswith(f"/credits/requests/{request.id}")
    page = client.get(stale.headers["Location"]).get_data(as_text=True)
    assert "Someone else decided this step a moment ago" in page
    assert [d.decided_by.display_name for d in approvals.trail(session, request)] == ["Dana Whitfield"]
    # Without the form's version (no decision form was shown to them) it is still a refusal.
    assert client.post(f"/credits/requests/{request.id}/decision", data={"action": "approve"}).status_code == 403


def test_a_steps_decision_reads_the_assignment_student_and_rule_once_and_its_approvers_mails_in_one_insert(
    client: Any, login: Any, session: Any, campus: dict[str, Any], make_person: Any
) -> None:
    c = campus
    lee = make_person(Role.FACULTY, name="Lee Chen", email="lee@example.edu", program="Computer Science")
    lee.set_pools({"csci-chairs"})
    request = csci_request(session, c["zoe"])
    session.commit()
    login(c["dana"])
    request_id, data = request.id, {"action": "approve", "version": str(request.version_id), "comment": "Fine."}
    told = {name: c[name].id for name in ("zoe", "priya")} | {"lee": lee.id}
    session.expunge_all()  # as a request of the app begins: nothing of the test's already loaded
    with count_queries() as statements:
        response = client.post(f"/credits/requests/{request_id}/decision", data=data)
    assert response.status_code == 303
    session.expire_all()
    assert session.get(ApprovalWait, request_id).step_label == "Department chair"
    mail = {name: [m.subject for m in mail_to(session, session.get(Person, pid))] for name, pid in told.items()}
    assert mail["zoe"] == ["Credit request step passed: CSCI 397"]
    assert mail["priya"] == mail["lee"] == ["Credit request waiting for you: CSCI 397, Zoe Martin"]
    sql = [" ".join(s.split()) for s in statements]
    # The interest, the form's check and the step under the lock each ask; the row is read once.
    assert sum("FROM advisor_assignments WHERE" in s for s in sql) == 1
    # The student comes with the request, without their roles, and is kept through the lock.
    assert not [s for s in sql if s.startswith(("SELECT people.id AS people_id", "SELECT role_grants."))]
    # So does its rule, kept through the lock too (the request still points at the same version).
    assert not [s for s in sql if s.startswith("SELECT credit_rules.id")]
    # The student's mail goes with the step's move; the two chairs' in one INSERT after it on
    # PostgreSQL (SQLite's RETURNING does not keep the rows' order: SQLAlchemy inserts one by one).
    one_insert = session.get_bind().dialect.name == "postgresql"
    assert sum(s.startswith("INSERT INTO outbox_messages") for s in sql) == (2 if one_insert else 3)
    # The award documents are looked for once, at the commit, not at the decision's savepoint too.
    assert sum("FROM award_documents WHERE stale_in" in s for s in sql) == (1 if one_insert else 0)


def test_return_at_a_later_step_starts_a_new_pass_at_step_one(session: Any, campus: dict[str, Any]) -> None:
    c = campus
    request = csci_request(session, c["maya"])
    approvals.approve(session, request, c["dana"], "")
    with pytest.raises(ValidationFailed):
        approvals.send_back(session, request, c["priya"], " ", RequestState.RETURNED)
    approvals.send_back(session, request, c["priya"], "Say which course this replaces.", RequestState.RETURNED)
    assert request.state is RequestState.RETURNED and session.get(ApprovalWait, request.id) is None
    draft = credit_requests.prepare_request(
        session, c["maya"], "CSCI-397", [e.id for e in request.experiences], "", request=request
    )
    credit_requests.resubmit_request(session, request, draft, Actor.person(c["maya"]))
    wait = session.get(ApprovalWait, request.id)
    assert (wait.pass_no, wait.step_label) == (2, "Advisor review")
    approvals.send_back(session, request, c["dana"], "No.", RequestState.DENIED)
    assert request.state is RequestState.DENIED
    decisions = [(d.pass_no, d.step_label, d.decision.value) for d in approvals.trail(session, request)]
    assert decisions == [
        (1, "Advisor review", "approved"),
        (1, "Department chair", "returned"),
        (2, "Advisor review", "denied"),
    ]
    [returned] = audit_events(session, "credit_request.returned")
    assert returned.data["step"] == "Department chair" and returned.data["comment"] == "Say which course this replaces."


def test_sponsor_route_needs_a_faculty_sponsor(client: Any, login: Any, session: Any, campus: dict[str, Any]) -> None:
    c = campus
    exp = verified_experience(session, c["maya"], "50")
    login(c["maya"])
    data = {"rule": "BUS-390", "experiences": [exp.id], "action": "submit"}
    refused = client.post("/credits/new", data={**data, "sponsor": c["karen"].campus_id})
    assert refused.status_code == 422 and "needs a faculty sponsor" in refused.get_data(as_text=True)
    done = client.post("/credits/new", data={**data, "sponsor": c["marcus"].campus_id})
    assert done.status_code == 303
    wait = session.execute(sa.select(ApprovalWait)).scalar_one()
    assert wait.step_label == "Faculty sponsor" and wait.request.sponsor_id == c["marcus"].id
    assert len(mail_to(session, c["marcus"])) == 1 and mail_to(session, c["priya"]) == []
    with pytest.raises(NotAllowed):
        approvals.approve(session, wait.request, c["priya"], "")  # faculty, but not the named sponsor
    assert approvals.approve(session, wait.request, c["marcus"], "").next_step == "Advisor review"


# ---- delegation ----------------------------------------------------------------------------------


def test_a_delegate_decides_for_an_away_approver_and_is_named_so(
    client: Any, login: Any, session: Any, campus: dict[str, Any], make_student: Any, make_advisor: Any
) -> None:
    c = campus
    liam = make_student(name="Liam Chen", email="liam@students.example.edu")
    raj_only = make_advisor([liam], name="Raj Away", email="rajaway@example.edu")
    request = csci_request(session, liam)
    today = utcnow().date()
    with pytest.raises(ValidationFailed) as no_role:
        delegation.set_away(session, raj_only, c["marcus"].campus_id, today, today + timedelta(days=3))
    assert "holds no role that may decide your steps" in no_role.value.errors["delegate"]
    with pytest.raises(ValidationFailed) as backwards:
        delegation.set_away(session, raj_only, c["dana"].campus_id, today, today - timedelta(days=1))
    assert "ends_on" in backwards.value.errors
    with pytest.raises(NotAllowed):
        approvals.approve(session, request, c["dana"], "")  # not away yet
    delegation.set_away(session, raj_only, c["dana"].campus_id, today - timedelta(days=1), today + timedelta(days=3))
    session.commit()

    login(c["dana"])
    queue = client.get("/approvals").get_data(as_text=True)
    assert "Liam Chen" in queue
    page = client.get(f"/credits/requests/{request.id}").get_data(as_text=True)
    assert "Your decision: Advisor review (for Raj Away)" in page
    decided = client.post(
        f"/credits/requests/{request.id}/decision",
        data={"action": "approve", "version": request.version_id, "credits": "3"},
    )
    assert decided.status_code == 303
    [event] = audit_events(session, "credit_request.step_approved")
    assert event.data["on_behalf_of"] == "Raj Away" and event.data["step"] == "Advisor review"
    assert event.data["decided_by"] == "Dana Whitfield (for Raj Away)"
    assert event.actor_id == str(c["dana"].id)
    page = client.get(f"/credits/requests/{request.id}").get_data(as_text=True)
    assert "by Dana Whitfield (for Raj Away)" in page
    login(liam)
    assert "by Dana Whitfield (for Raj Away)" in client.get(f"/credits/requests/{request.id}").get_data(as_text=True)


def test_a_delegate_without_the_role_for_the_step_cannot_decide_it(session: Any, campus: dict[str, Any]) -> None:
    c = campus
    request = csci_request(session, c["maya"])
    approvals.approve(session, request, c["dana"], "")
    today = utcnow().date()
    # Priya (faculty) names Karen (registrar staff, no faculty role): refused for a faculty step.
    with pytest.raises(ValidationFailed):
        delegation.set_away(session, c["priya"], c["karen"].campus_id, today, today)
    # Dana holds advisor and may stand in for advisors, not for a chair step.
    c["priya"].set_roles({Role.FACULTY, Role.ADVISOR})
    delegation.set_away(session, c["priya"], c["dana"].campus_id, today, today)
    with pytest.raises(NotAllowed):
        approvals.approve(session, request, c["dana"], "")


# ---- everyone is told; deadlines ---------------------------------------------------------------------


def test_reminder_at_half_the_deadline_then_escalation_once(session: Any, campus: dict[str, Any]) -> None:
    c = campus
    request = csci_request(session, c["maya"])
    approvals.approve(session, request, c["dana"], "")
    wait = session.get(ApprovalWait, request.id)
    start = wait.started_at
    assert escalate_due(session, start + timedelta(days=1)).lines()[-1] == "0 reminded, 0 escalated, 0 digest(s) sent"
    report = escalate_due(session, start + timedelta(days=2, minutes=1))
    assert report.reminded == [f'request {request.id} at "Department chair"']
    assert [m.subject for m in mail_to(session, c["priya"])][-1].startswith("Reminder: credit request waiting")
    assert escalate_due(session, start + timedelta(days=3)).reminded == []  # once
    with pytest.raises(NotAllowed):
        approvals.approve(session, request, c["karen"], "")  # not escalated yet
    karen_before = len(mail_to(session, c["karen"]))
    report = escalate_due(session, start + timedelta(days=4, minutes=1))
    assert report.escalated == [f'request {request.id} at "Department chair" → registrar']
    assert mail_to(session, c["priya"])[-1].subject.startswith("Overdue credit request")
    assert len(mail_to(session, c["karen"])) == karen_before + 1
    assert escalate_due(session, start + timedelta(days=5)).escalated == []  # idempotent
    [event] = audit_events(session, "credit_request.step_escalated")
    assert event.data["step"] == "Department chair"
    outcome = approvals.approve(session, request, c["karen"], "Chair is away; approved.")
    assert outcome.decision.was_escalated and outcome.next_step == "Registrar check"


def test_daily_digest_instead_of_one_email_each(session: Any, campus: dict[str, Any]) -> None:
    c = campus
    delegation.set_digest(session, c["dana"], True)
    csci_request(session, c["maya"])
    csci_request(session, c["zoe"])
    assert mail_to(session, c["dana"]) == []
    assert len(session.execute(sa.select(DigestItem)).scalars().all()) == 2
    assert escalate_due(session).digests == 1
    [digest] = mail_to(session, c["dana"])
    assert digest.subject == "Credit approvals: 2 item(s) today"
    assert "Maya Okafor" in digest.body_text and "Zoe Martin" in digest.body_text
    csci_request(session, make_third(session, c))
    assert escalate_due(session).digests == 0  # one a day
    assert len(mail_to(session, c["raj"])) == 1  # Raj kept one email per step (Maya)


def make_third(session: Any, c: dict[str, Any]) -> Any:
    from careercenter.sso.models import AdvisorAssignment, Person

    kenji = Person(
        campus_id="S-KENJI",
        email="kenji@students.example.edu",
        display_name="Kenji Sato",
        program="Computer Science",
        class_level=c["level"],
    )
    kenji.set_roles({Role.STUDENT})
    session.add(kenji)
    session.flush()
    session.add(AdvisorAssignment(advisor_id=c["dana"].id, student_id=kenji.id))
    session.flush()
    return kenji


def test_waits_route_is_pinned_with_the_rule_version(
    session: Any, campus: dict[str, Any], runner: Any, tmp_path: Any
) -> None:
    request = csci_request(session, campus["maya"])
    path = tmp_path / "r.yaml"
    path.write_text(ROUTE_RULES.replace("      - {step: Registrar check, by: registrar}\n", ""))
    assert "CSCI-397 v2 loaded" in runner.invoke(args=["credits", "load-rules", str(path)]).output
    assert [s.label for s in waits.route(request)] == ["Advisor review", "Department chair", "Registrar check"]
