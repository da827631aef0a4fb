"""A student withdraws a credit request (issue 19): while it waits at a step, or after it was
returned; the step's one row says so, the approvers are told and lose it from their queues and
digests, its experiences are free again; the route asks first and is the student's only."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.audit.service import Actor
from careercenter.credits import approval_queue, approvals, delegation
from careercenter.credits import requests as credit_requests
from careercenter.credits.approval_models import ApprovalDecision, ApprovalWait, DigestItem, StepDecision
from careercenter.credits.escalation import escalate_due
from careercenter.credits.models import CreditRequest, RequestState
from careercenter.credits.withdrawal import withdraw_request
from careercenter.errors import Conflict, NotAllowed, ValidationFailed
from tests.credits.routes_helpers import audit_events, csci_request, mail_to, route_campus


@pytest.fixture()
def campus(session: Any, make_person: Any, make_student: Any, make_advisor: Any) -> dict[str, Any]:
    return route_campus(session, make_person, make_student, make_advisor)


def _queue_ids(session: Any, person: Any) -> list[int]:
    page = approval_queue.waiting(session, person, approval_queue.QueueFilters())
    return [r.id for r in page.items]


# ---- the service ----------------------------------------------------------------------------------


def test_withdrawn_at_a_later_step_records_the_step_tells_its_approver_and_frees_the_experiences(
    session: Any, campus: dict[str, Any]
) -> None:
    c = campus
    request = csci_request(session, c["maya"])
    approvals.approve(session, request, c["dana"], "Good work.")
    assert _queue_ids(session, c["priya"]) == [request.id]  # waiting at "Department chair"
    mails_before = len(mail_to(session, c["priya"]))

    row = withdraw_request(session, request, c["maya"], "  I am taking the course instead.  ")

    assert request.state is RequestState.WITHDRAWN
    assert session.get(ApprovalWait, request.id) is None
    assert row is not None
    trail = [
        (d.pass_no, d.step_index, d.step_label, d.decision, d.decided_by_id, d.comment)
        for d in approvals.trail(session, request)
    ]
    assert trail == [
        (1, 0, "Advisor review", StepDecision.APPROVED, c["dana"].id, "Good work."),
        (1, 1, "Department chair", StepDecision.WITHDRAWN, c["maya"].id, "I am taking the course instead."),
    ]
    [event] = audit_events(session, "credit_request.withdrawn")
    assert event.actor_id == str(c["maya"].id) and event.subject_id == str(request.id)
    assert event.data == {
        "from": "submitted",
        "to": "withdrawn",
        "step": "Department chair",
        "step_number": 2,
        "pass": 1,
        "reason": "I am taking the course instead.",
    }
    # The chair is told and her queue no longer has it; Omar (another program) never heard of it.
    [told] = mail_to(session, c["priya"])[mails_before:]
    assert told.subject == "Credit request withdrawn: CSCI 397, Maya Okafor"
    assert 'step "Department chair"' in told.body_text and "no longer waits for you" in told.body_text
    assert f"/credits/requests/{request.id}" not in told.body_text  # no longer hers to open
    assert _queue_ids(session, c["priya"]) == [] and approval_queue.counts(session, c["priya"]) == (0, 0)
    assert mail_to(session, c["omar"]) == []
    # The experience counts toward nothing now: a new request may take it.
    experience = request.experiences[0]
    assert experience in credit_requests.claimable_experiences(session, c["maya"])
    draft = credit_requests.prepare_request(session, c["maya"], "CSCI-397", [experience.id], "")
    assert not any(f.counted_in for f in credit_requests.experience_facts(session, draft.experiences))
    again = credit_requests.submit_request(session, c["maya"], draft, Actor.person(c["maya"]))
    assert again.state is RequestState.SUBMITTED and again.experiences == [experience]
    # An approver deciding the withdrawn request is told so.
    with pytest.raises(Conflict, match="already withdrawn"):
        approvals.approve(session, request, c["priya"], "")


def test_a_returned_request_is_withdrawn_without_a_step_row(session: Any, campus: dict[str, Any]) -> None:
    c = campus
    request = csci_request(session, c["maya"])
    approvals.send_back(session, request, c["dana"], "Add the project outcomes.", RequestState.RETURNED)
    rows_before = len(approvals.trail(session, request))

    assert withdraw_request(session, request, c["maya"]) is None

    assert request.state is RequestState.WITHDRAWN
    assert len(approvals.trail(session, request)) == rows_before  # it waited at no step
    [event] = audit_events(session, "credit_request.withdrawn")
    assert event.data["from"] == "returned" and event.data["step"] is None and event.data["reason"] is None
    assert request.experiences[0] in credit_requests.claimable_experiences(session, c["maya"])
    with pytest.raises(Conflict):  # a withdrawn request cannot be resubmitted either
        draft = credit_requests.prepare_request(
            session, c["maya"], "CSCI-397", [e.id for e in request.experiences], "", request=request
        )
        credit_requests.resubmit_request(session, request, draft, Actor.person(c["maya"]))


def test_only_the_student_withdraws_and_only_an_undecided_request(session: Any, campus: dict[str, Any]) -> None:
    c = campus
    request = csci_request(session, c["maya"])
    for someone in (c["zoe"], c["dana"], c["karen"]):
        with pytest.raises(NotAllowed):
            withdraw_request(session, request, someone)
    with pytest.raises(ValidationFailed) as too_long:
        withdraw_request(session, request, c["maya"], "x" * 2001)
    assert "reason" in too_long.value.errors
    assert request.state is RequestState.SUBMITTED and session.get(ApprovalWait, request.id) is not None
    assert audit_events(session, "credit_request.withdrawn") == []

    denied = csci_request(session, c["zoe"])
    approvals.send_back(session, denied, c["dana"], "Not a practicum.", RequestState.DENIED)
    with pytest.raises(Conflict, match="already denied"):
        withdraw_request(session, denied, c["zoe"])
    withdraw_request(session, request, c["maya"])
    with pytest.raises(Conflict, match="already withdrawn"):
        withdraw_request(session, request, c["maya"])
    assert len(audit_events(session, "credit_request.withdrawn")) == 1


def test_an_approver_deciding_the_step_meanwhile_wins_and_the_withdrawal_is_a_conflict(
    session: Any, campus: dict[str, Any]
) -> None:
    request = csci_request(session, campus["maya"])
    wait = session.get(ApprovalWait, request.id)
    # The step's row written by another server just before the student's confirmation lands.
    session.add(
        ApprovalDecision(
            request_id=request.id,
            pass_no=wait.pass_no,
            step_index=wait.step_index,
            step_label=wait.step_label,
            decision=StepDecision.APPROVED,
            decided_by_id=campus["dana"].id,
        )
    )
    with pytest.raises(Conflict, match="decided a moment ago"):
        withdraw_request(session, request, campus["maya"])
    session.rollback()


def test_a_digest_reader_loses_the_held_line_and_an_email_reader_is_told(session: Any, campus: dict[str, Any]) -> None:
    c = campus
    delegation.set_digest(session, c["dana"], True)
    request = csci_request(session, c["maya"])  # Dana's line is held for her digest; Raj is emailed
    other = csci_request(session, c["zoe"])
    assert len(session.execute(sa.select(DigestItem)).scalars().all()) == 2
    raj_before = len(mail_to(session, c["raj"]))

    withdraw_request(session, request, c["maya"], "Changed my mind.")

    held = session.execute(sa.select(DigestItem.line)).scalars().all()
    assert len(held) == 1 and "Zoe Martin" in held[0]  # Maya's line is gone, nothing added
    [told] = mail_to(session, c["raj"])[raj_before:]
    assert told.subject == "Credit request withdrawn: CSCI 397, Maya Okafor"
    assert escalate_due(session).digests == 1
    [digest] = mail_to(session, c["dana"])
    assert "Zoe Martin" in digest.body_text and "Maya Okafor" not in digest.body_text
    assert _queue_ids(session, c["dana"]) == [other.id]


def test_a_digest_reader_who_already_heard_gets_a_withdrawn_line(session: Any, campus: dict[str, Any]) -> None:
    c = campus
    delegation.set_digest(session, c["dana"], True)
    request = csci_request(session, c["maya"])
    assert escalate_due(session).digests == 1  # today's digest named Maya's request
    withdraw_request(session, request, c["maya"])
    [line] = session.execute(sa.select(DigestItem.line).where(DigestItem.person_id == c["dana"].id)).scalars()
    assert line.startswith("Withdrawn by the student: Maya Okafor") and 'step "Advisor review"' in line


# ---- the page and the route ---------------------------------------------------------------------


def test_the_student_withdraws_from_the_request_page_after_a_confirmation_page(
    client: Any, login: Any, session: Any, campus: dict[str, Any]
) -> None:
    c = campus
    request = csci_request(session, c["maya"])
    approvals.approve(session, request, c["dana"], "")
    session.commit()
    login(c["maya"])
    page = client.get(f"/credits/requests/{request.id}").get_data(as_text=True)
    assert "Withdraw request</button>" in page
    assert f'action="/credits/requests/{request.id}/withdraw"' in page
    assert "it stops waiting for a decision, and whoever may decide its step is told" in page

    # Without JavaScript the post arrives unconfirmed: a page of its own asks, changing nothing.
    url = f"/credits/requests/{request.id}/withdraw"
    ask = client.post(url, data={"withdraw-reason": "Taking the course instead."})
    html = ask.get_data(as_text=True)
    assert ask.status_code == 200 and f"Withdraw request {request.id}?" in html
    assert "Yes, withdraw the request" in html and 'name="confirmed" value="yes"' in html
    assert 'name="withdraw-reason" value="Taking the course instead."' in html
    session.expire_all()
    assert session.get(CreditRequest, request.id).state is RequestState.SUBMITTED

    done = client.post(url, data={"withdraw-reason": "Taking the course instead.", "confirmed": "yes"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/credits")
    listing = client.get(done.headers["Location"]).get_data(as_text=True)
    assert f"Request {request.id} withdrawn." in listing and "badge-withdrawn" in listing
    session.expire_all()
    assert session.get(CreditRequest, request.id).state is RequestState.WITHDRAWN
    [event] = audit_events(session, "credit_request.withdrawn")
    assert event.data["step"] == "Department chair" and event.data["reason"] == "Taking the course instead."

    page = client.get(f"/credits/requests/{request.id}").get_data(as_text=True)
    assert "Withdraw request</button>" not in page
    assert "<dt>Withdrawn</dt>" in page
    assert "by the student on" in page and "Why: Taking the course instead." in page
    # Posting again (a second tab) changes nothing and says why.
    again = client.post(url, data={"confirmed": "yes"})
    assert again.status_code == 303 and again.headers["Location"].endswith(f"/credits/requests/{request.id}")
    assert "is withdrawn, so it cannot be withdrawn" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert len(audit_events(session, "credit_request.withdrawn")) == 1


def test_the_button_is_for_the_student_while_the_request_is_submitted_or_returned(
    client: Any, login: Any, session: Any, campus: dict[str, Any]
) -> None:
    c = campus
    waiting = csci_request(session, c["maya"])
    returned = csci_request(session, c["maya"])
    approvals.send_back(session, returned, c["dana"], "Add outcomes.", RequestState.RETURNED)
    denied = csci_request(session, c["maya"])
    approvals.send_back(session, denied, c["dana"], "No.", RequestState.DENIED)
    session.commit()
    login(c["maya"])
    for request, shown in ((waiting, True), (returned, True), (denied, False)):
        page = client.get(f"/credits/requests/{request.id}").get_data(as_text=True)
        assert ("Withdraw request</button>" in page) is shown, request.state
    assert "you can no longer change and resubmit it" in client.get(f"/credits/requests/{returned.id}").get_data(
        as_text=True
    )
    login(c["dana"])  # her advisor sees the request, not the button — and may not post it
    assert "Withdraw request</button>" not in client.get(f"/credits/requests/{waiting.id}").get_data(as_text=True)
    assert client.post(f"/credits/requests/{waiting.id}/withdraw", data={"confirmed": "yes"}).status_code == 403
    login(c["zoe"])  # another student: as if it did not exist
    assert client.post(f"/credits/requests/{waiting.id}/withdraw", data={"confirmed": "yes"}).status_code == 404
    assert client.post("/credits/requests/999999/withdraw", data={"confirmed": "yes"}).status_code == 404
    session.expire_all()
    assert session.get(CreditRequest, waiting.id).state is RequestState.SUBMITTED


def test_a_too_long_reason_shows_the_request_page_with_the_error_and_changes_nothing(
    client: Any, login: Any, session: Any, campus: dict[str, Any]
) -> None:
    request = csci_request(session, campus["maya"])
    session.commit()
    login(campus["maya"])
    url = f"/credits/requests/{request.id}/withdraw"
    refused = client.post(url, data={"withdraw-reason": "x" * 2001, "confirmed": "yes"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "<title>Error: " in html and 'href="#withdraw-reason"' in html
    assert "Field cannot be longer than 2000 characters." in html
    session.expire_all()
    assert session.get(CreditRequest, request.id).state is RequestState.SUBMITTED
    assert audit_events(session, "credit_request.withdrawn") == []


def test_withdraw_needs_the_csrf_token_of_the_page(
    app: Any, client: Any, login: Any, session: Any, campus: dict[str, Any], monkeypatch: Any
) -> None:
    request = csci_request(session, campus["maya"])
    session.commit()
    login(campus["maya"])
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    url = f"/credits/requests/{request.id}/withdraw"
    refused = client.post(url, data={"confirmed": "yes"})
    assert refused.status_code == 400
    session.expire_all()
    assert session.get(CreditRequest, request.id).state is RequestState.SUBMITTED
    page = client.get(f"/credits/requests/{request.id}").get_data(as_text=True)
    form = page[page.index(f'action="{url}"') :]
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    done = client.post(url, data={"csrf_token": token, "confirmed": "yes"})
    assert done.status_code == 303
    session.expire_all()
    assert session.get(CreditRequest, request.id).state is RequestState.WITHDRAWN
