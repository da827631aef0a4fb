"""Access rules for the credit pages: students' requests, advisors' queue, registrar awards."""

from __future__ import annotations

from typing import Any

from tests.access import ALLOWED, HIDDEN, LOGIN, Rule, World, expect
from tests.credits.helpers import posted_award, submitted_request
from tests.factories import verified_experience


def _submitted(w: World) -> dict[str, Any]:
    request = submitted_request(w.session, w.student, [verified_experience(w.session, w.student, "50")])
    return {"request_id": request.id}


def _returned(w: World) -> dict[str, Any]:
    from careercenter.credits import decisions

    request = submitted_request(w.session, w.student, [verified_experience(w.session, w.student, "20")])
    decisions.return_request(w.session, request, w.advisor, "Add another micro-internship.")
    return {"request_id": request.id}


def _posted(w: World) -> dict[str, Any]:
    request = submitted_request(w.session, w.student, [verified_experience(w.session, w.student, "50")])
    return {"award_id": posted_award(w.session, request, w.advisor).id}


RULES = [
    Rule("GET", "/credits/rules", expect(student=200, advisor=200, registrar=200, staff=200)),
    Rule("GET", "/credits", expect(student=200)),
    Rule("GET", "/credits/new", expect(student=200)),
    Rule("POST", "/credits/new", expect(student=ALLOWED), data={"rule": "", "action": "check"}),
    Rule(
        "GET",
        "/credits/requests/{request_id}",
        expect(student=200, other_student=HIDDEN, advisor=200, other_advisor=HIDDEN, registrar=200, staff=HIDDEN),
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
        expect(anonymous=LOGIN, advisor=303, other_advisor=HIDDEN),
        setup=_submitted,
        data={"action": "return", "comment": "Please add your reflection."},
    ),
    Rule("GET", "/advisor/credits", expect(advisor=200)),
    Rule("POST", "/advisor/credits/bulk-approve", expect(advisor=422), data={}),  # nothing chosen
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
