"""Access rules for the credit pages: students' requests, advisors' queue, registrar awards."""

from __future__ import annotations

from datetime import date
from typing import Any

from careercenter.credits import approvals, delegation
from careercenter.credits.models import RequestState
from tests.access import ALLOWED, DENIED, HIDDEN, LOGIN, Rule, World, expect
from tests.credits.helpers import posted_award, submitted_request
from tests.factories import verified_experience


def _submitted(w: World) -> dict[str, Any]:
    request = submitted_request(w.session, w.student, [verified_experience(w.session, w.student, "50")])
    return {"request_id": request.id}


def _returned(w: World) -> dict[str, Any]:
    request = submitted_request(w.session, w.student, [verified_experience(w.session, w.student, "20")])
    approvals.send_back(w.session, request, w.advisor, "Add another micro-internship.", RequestState.RETURNED)
    return {"request_id": request.id}


def _posted(w: World) -> dict[str, Any]:
    request = submitted_request(w.session, w.student, [verified_experience(w.session, w.student, "50")])
    return {"award_id": posted_award(w.session, request, w.advisor).id}


def _delegation(w: World) -> dict[str, Any]:
    made = delegation.set_away(w.session, w.advisor, w.other_advisor.campus_id, date(2026, 12, 20), date(2027, 1, 3))
    return {"delegation_id": made.id}


def _record(w: World) -> dict[str, Any]:
    _submitted(w)
    return {"campus_id": w.student.campus_id}


RULES = [
    Rule("GET", "/credits/rules", expect(student=200, advisor=200, registrar=200, staff=200)),
    Rule("GET", "/credits", expect(student=200)),
    Rule("GET", "/credits/new", expect(student=200)),
    Rule("POST", "/credits/new", expect(student=ALLOWED), data={"rule": "", "action": "check"}),
    Rule(
        "GET",
        "/credits/requests/{request_id}",
        # Career-center staff have a legitimate interest (issue 17): the route is on the record page too.
        expect(student=200, other_student=HIDDEN, advisor=200, other_advisor=HIDDEN, registrar=200, staff=200),
        setup=_submitted,
    ),
    Rule(
        "GET",
        "/credits/requests/{request_id}/edit",
        expect(student=200, other_student=HIDDEN),
        setup=_returned,
    ),
    Rule(
        "POST",
        "/credits/requests/{request_id}/edit",
        expect(student=ALLOWED, other_student=HIDDEN),
        setup=_returned,
        data={"rule": "INTR-295", "action": "check"},
    ),
    Rule(
        "POST",
        "/credits/requests/{request_id}/decision",
        expect(anonymous=LOGIN, other_student=HIDDEN, advisor=303, other_advisor=HIDDEN),
        setup=_submitted,
        data={"action": "return", "comment": "Please add your reflection."},
    ),
    Rule(
        "POST",
        "/credits/requests/{request_id}/withdraw",
        # The student only, confirmed (the dialog's confirmed=yes): withdrawn, back to /credits.
        # Those with an interest in the student are refused; anyone else finds nothing.
        expect(
            anonymous=LOGIN,
            student=303,
            other_student=HIDDEN,
            advisor=DENIED,
            other_advisor=HIDDEN,
            registrar=DENIED,
            admin=DENIED,
            staff=DENIED,
        ),
        setup=_submitted,
        data={"withdraw-reason": "Taking the course instead.", "confirmed": "yes"},
    ),
    Rule(
        "GET",
        "/advisor/credits",
        expect(student=301, advisor=301, registrar=301, staff=301),
    ),
    Rule("GET", "/approvals", expect(advisor=200, registrar=200, admin=DENIED)),
    Rule("POST", "/approvals/bulk-approve", expect(advisor=422, registrar=422, admin=DENIED), data={}),  # none chosen
    Rule("GET", "/me/away", expect(advisor=200, registrar=200, admin=DENIED)),
    Rule(
        "POST",
        "/me/away",
        expect(advisor=ALLOWED, registrar=ALLOWED, admin=DENIED),
        data=lambda w: {"delegate": w.other_advisor.campus_id, "starts_on": "2026-12-20", "ends_on": "2027-01-03"},
    ),
    Rule(
        "POST",
        "/me/away/{delegation_id}/end",
        expect(student=HIDDEN, advisor=303, other_advisor=HIDDEN, registrar=HIDDEN, staff=HIDDEN),
        setup=_delegation,
        data={},
    ),
    Rule("POST", "/me/approval-notices", expect(advisor=303, registrar=303, admin=DENIED), data={"notices": "digest"}),
    Rule(
        "GET",
        "/students/{campus_id}",
        expect(student=200, other_student=HIDDEN, advisor=200, other_advisor=HIDDEN, registrar=200, staff=200),
        setup=_record,
    ),
    Rule("GET", "/registrar/awards", expect(registrar=200)),
    Rule("GET", "/registrar/awards/{award_id}", expect(registrar=200), setup=_posted),
    Rule(
        "POST",
        "/registrar/awards/{award_id}/rescind",
        expect(registrar=303),
        setup=_posted,
        data={"reason": "Awarded in error: duplicate of a transfer credit.", "confirmed": "yes"},
    ),
]
