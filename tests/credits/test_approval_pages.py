"""The approver's pages: /approvals (search, sort, filters, select-all bulk approve, the Decided
tab, a flat query count), the old queue's redirect, /me/away, the notice choice on /me, the
student record page, and the registrar API's approvals trail."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.audit.models import Disclosure
from careercenter.credits import approvals
from careercenter.credits.approval_models import ApprovalWait, ApproverSettings, Delegation
from careercenter.credits.models import RequestState
from careercenter.db import utcnow
from careercenter.sso.models import AdvisorAssignment
from tests.credits.helpers import submitted_request
from tests.credits.routes_helpers import csci_request, route_campus
from tests.factories import verified_experience
from tests.test_query_counts import count_queries


@pytest.fixture()
def campus(session: Any, make_person: Any, make_student: Any, make_advisor: Any) -> dict[str, Any]:
    return route_campus(session, make_person, make_student, make_advisor)


def test_old_queue_address_redirects(client: Any, login: Any, campus: dict[str, Any]) -> None:
    login(campus["dana"])
    response = client.get("/advisor/credits?term=2026FA")
    assert response.status_code == 301 and response.headers["Location"] == "/approvals?term=2026FA"


def test_queue_search_sort_filters_and_steps(
    client: Any, login: Any, session: Any, campus: dict[str, Any], make_student: Any, make_advisor: Any
) -> None:
    c = campus
    at_chair = csci_request(session, c["maya"], "60")
    approvals.approve(session, at_chair, c["dana"], "")
    small = csci_request(session, c["zoe"], "25")
    session.commit()
    login(c["dana"])
    body = client.get("/approvals").get_data(as_text=True)
    assert "1 request waiting" in body and "Zoe Martin" in body and "Maya Okafor" not in body  # Maya moved on
    login(c["priya"])
    body = client.get("/approvals").get_data(as_text=True)
    assert "1 request waiting" in body and "Maya Okafor" in body and "Department chair" in body
    login(c["omar"])
    assert "0 requests waiting" in client.get("/approvals").get_data(as_text=True)  # other program
    login(c["karen"])
    assert "0 requests waiting" in client.get("/approvals").get_data(as_text=True)  # not escalated

    login(c["raj"])  # Raj advises Maya only; her request is past the advisor step
    assert "0 requests waiting" in client.get("/approvals").get_data(as_text=True)
    login(c["dana"])
    approvals.send_back(session, at_chair, c["priya"], "Redo.", RequestState.RETURNED)
    more = [
        csci_request(session, make_student(name=f"Student {i}", campus_id=f"Q{i}"), h)
        for i, h in ((1, "40"), (2, "60"))
    ]
    for r in more:
        session.add(AdvisorAssignment(advisor_id=c["dana"].id, student_id=r.student_id))
    session.commit()
    body = client.get("/approvals?q=student 2").get_data(as_text=True)
    assert "1 request waiting" in body and "Student 2" in body
    assert "Student 1" in client.get("/approvals?q=Q1").get_data(as_text=True)
    newest = client.get("/approvals?sort=newest").get_data(as_text=True)
    assert newest.index("Student 2") < newest.index("Zoe Martin")
    oldest = client.get("/approvals?sort=oldest").get_data(as_text=True)
    assert oldest.index("Zoe Martin") < oldest.index("Student 2")
    most = client.get("/approvals?sort=credits").get_data(as_text=True)
    assert most.index("Student 2") < most.index("Student 1") < most.index("Zoe Martin")
    assert "3 requests waiting" in client.get("/approvals?step=Advisor+review&rule=CSCI-397").get_data(as_text=True)
    assert "0 requests waiting" in client.get("/approvals?step=Registrar+check").get_data(as_text=True)
    assert "0 requests waiting" in client.get("/approvals?term=1999FA").get_data(as_text=True)
    assert small.id


def test_queue_counts_what_the_filters_keep_and_each_requests_micro_internships(
    client: Any, login: Any, session: Any, campus: dict[str, Any], make_student: Any
) -> None:
    """The count comes from the filter menus' grouped rows (term × rule × program × step), summed
    over the groups the filters keep; the micro-internships from the page's own query."""
    c = campus
    students = [make_student(name=f"Student {i}", campus_id=f"FC{i}", program=p) for i, p in enumerate("ABB")]
    requests = []
    for s in students:
        session.add(AdvisorAssignment(advisor_id=c["dana"].id, student_id=s.id))
        requests.append(csci_request(session, s))
    two = submitted_request(
        session, students[0], [verified_experience(session, students[0], "30") for _ in range(2)], code="CSCI-397"
    )
    requests[2].term = "2025SP"
    session.commit()
    login(c["dana"])

    def waiting(query: str) -> str:
        body = client.get(f"/approvals{query}").get_data(as_text=True)
        return re.search(r"<caption>(\d+ requests? waiting)", body).group(1)  # type: ignore[union-attr]

    terms = {r.term for r in requests} | {two.term}
    assert len(terms) == 2
    other = next(t for t in terms if t != "2025SP")
    assert waiting("") == "4 requests waiting"
    assert waiting(f"?term={other}") == "3 requests waiting"
    assert waiting("?term=2025SP") == "1 request waiting"
    assert waiting("?program=B") == "2 requests waiting"
    assert waiting("?program=B&term=2025SP") == "1 request waiting"
    assert waiting("?program=A&term=2025SP") == "0 requests waiting"
    assert waiting("?q=Student+1&program=B") == "1 request waiting"  # a search counts by itself
    assert waiting("?q=Student&term=2025SP") == "1 request waiting"
    assert waiting("?program=%27+OR+1%3D1+--&step=%3Cscript%3E") == "0 requests waiting"  # values, not SQL
    rows = client.get("/approvals").get_data(as_text=True)
    assert rows.count("hours in 1 micro-internship<") == 3 and rows.count("hours in 2 micro-internships<") == 1


def test_bulk_approve_all_on_the_page_and_the_decided_tab(
    client: Any, login: Any, session: Any, campus: dict[str, Any]
) -> None:
    c = campus
    first, second = csci_request(session, c["maya"]), csci_request(session, c["zoe"])
    session.commit()
    login(c["dana"])
    page = client.get("/approvals").get_data(as_text=True)
    assert 'id="select-all"' in page and "Approve all eligible on this page" in page
    response = client.post(
        "/approvals/bulk-approve",
        data={"page_id": [first.id, second.id], "scope": "page", "comment": "Weekly review."},
        follow_redirects=True,
    )
    assert "Approved the waiting step of 2 request(s)" in response.get_data(as_text=True)
    for r in (first, second):
        assert session.get(ApprovalWait, r.id).step_label == "Department chair"
    decided = client.get("/approvals?tab=decided").get_data(as_text=True)
    assert "2 steps you decided" in decided and decided.count(">approved</span>") == 2
    assert "Advisor review" in decided and "submitted" in decided  # the requests are still going


def test_queue_query_count_does_not_grow(
    app: Any, client: Any, login: Any, session: Any, campus: dict[str, Any], make_student: Any
) -> None:
    c = campus
    students = [make_student(name=f"Student {i:02d}", campus_id=f"QC{i}") for i in range(25)]
    for s in students:
        session.add(AdvisorAssignment(advisor_id=c["dana"].id, student_id=s.id))
        csci_request(session, s)
    today = utcnow().date()
    session.add(Delegation(person_id=c["raj"].id, delegate_id=c["dana"].id, starts_on=today, ends_on=today))
    session.commit()
    login(c["dana"])
    counts = {}
    for size in (3, 25):
        app.config["CREDITS_QUEUE_PAGE_SIZE"] = size
        try:
            client.get("/approvals")
            with count_queries() as statements:
                page = client.get("/approvals")
        finally:
            app.config["CREDITS_QUEUE_PAGE_SIZE"] = 20
        counts[size] = len([s for s in statements if "SAVEPOINT" not in s])  # not the test's own
    assert page.get_data(as_text=True).count('name="request_id"') == 25
    # The session (person, roles, pools); Raj, away, who named Dana, and his roles; the filter
    # menus with the counts; the page with each request's step and micro-internships; the to-do
    # count in the navigation.
    assert counts[3] == counts[25] == 6, statements


def test_away_page_and_notice_choice(client: Any, login: Any, session: Any, campus: dict[str, Any]) -> None:
    c = campus
    login(c["priya"])
    bad = client.post(
        "/me/away", data={"delegate": c["karen"].campus_id, "starts_on": "2026-12-20", "ends_on": "2026-12-19"}
    )
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "There is a problem" in body
    assert "holds no role that may decide your steps" in body and "The last day must not be before the first." in body
    ok = client.post(
        "/me/away", data={"delegate": c["marcus"].campus_id, "starts_on": "2026-12-20", "ends_on": "2027-01-04"}
    )
    assert ok.status_code == 303
    assert "Marcus Bell" in client.get("/me/away").get_data(as_text=True)
    me = client.get("/me").get_data(as_text=True)
    assert "One daily digest email" in me
    assert client.post("/me/approval-notices", data={"notices": "digest"}).status_code == 303
    assert session.get(ApproverSettings, c["priya"].id).daily_digest is True
    assert re.search(r'<input checked[^>]*value="digest"', client.get("/me").get_data(as_text=True))
    login(c["maya"])
    assert "One daily digest email" not in client.get("/me").get_data(as_text=True)


def test_student_record_page_for_those_with_a_legitimate_interest(
    client: Any, login: Any, session: Any, campus: dict[str, Any], make_person: Any
) -> None:
    c = campus
    request = csci_request(session, c["maya"])
    approvals.approve(session, request, c["dana"], "Good.")
    session.commit()
    url = f"/students/{c['maya'].campus_id}"
    for who, interest in (
        (c["dana"], "assigned advisor"),
        (c["priya"], "approver of a step of the student's credit request"),
        (c["karen"], "registrar staff: credit records"),
    ):
        login(who)
        page = client.get(url)
        assert page.status_code == 200, who.display_name
        body = page.get_data(as_text=True)
        assert "Micro-internships" in body and "Credit requests" in body and "Transcripts" in body
        assert "Advisor review (the student&#39;s advisor):" in body and "approved by Dana Whitfield" in body
        latest = session.execute(sa.select(Disclosure).order_by(Disclosure.id.desc()).limit(1)).scalar_one()
        assert latest.party_id == str(who.id) and latest.interest == interest and latest.student_id == c["maya"].id
    for who in (c["omar"], c["marcus"], make_person(name="Another Student")):
        login(who)
        assert client.get(url).status_code == 404, who.display_name
    login(c["dana"])
    assert client.get("/students/NOBODY").status_code == 404
    assert f'href="{url}"' in client.get(f"/credits/requests/{request.id}").get_data(as_text=True)
    login(c["priya"])
    assert f'href="{url}"' in client.get("/approvals").get_data(as_text=True)
