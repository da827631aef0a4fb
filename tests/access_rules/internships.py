"""Access rules for micro-internships, the supervisor's sign-off pages and the staff import."""

from __future__ import annotations

from typing import Any

from careercenter.audit.service import Actor
from careercenter.internships.models import ExperienceState
from careercenter.internships.signoff import request_signoff
from tests.access import DENIED, HIDDEN, Rule, World, expect, public


def _draft(w: World) -> dict[str, Any]:
    return {"experience_id": w.make["experience"](w.student).id}


def _awaiting(w: World) -> dict[str, Any]:
    experience = w.make["experience"](w.student)
    _, token = request_signoff(w.session, experience, Actor.person(w.student))
    return {"experience_id": experience.id, "token": token}


def _disputed(w: World) -> dict[str, Any]:
    return {"experience_id": w.make["experience"](w.student, state=ExperienceState.DISPUTED).id}


OWN = {"student": 200, "other_student": HIDDEN}

RULES = [
    Rule("GET", "/experiences", expect(student=200)),
    Rule("GET", "/experiences/new", expect(student=200)),
    Rule("POST", "/experiences/new", expect(student=422), data={}),
    Rule(
        "GET",
        "/experiences/{experience_id}",
        expect(student=200, other_student=HIDDEN, advisor=200, other_advisor=HIDDEN, registrar=200, staff=HIDDEN),
        setup=_draft,
    ),
    Rule("GET", "/experiences/{experience_id}/edit", expect(student=200, other_student=HIDDEN), setup=_disputed),
    Rule(
        "POST",
        "/experiences/{experience_id}/edit",
        expect(student=422, other_student=HIDDEN),
        setup=_draft,
        data={"hours": "0"},
    ),
    Rule("POST", "/experiences/{experience_id}/signoff", expect(student=302, other_student=HIDDEN), setup=_draft),
    Rule(
        "POST",
        "/experiences/{experience_id}/signoff/resend",
        expect(student=302, other_student=HIDDEN),
        setup=_awaiting,
    ),
    Rule(
        "POST",
        "/experiences/{experience_id}/signoff/withdraw",
        expect(student=302, other_student=HIDDEN),
        setup=_awaiting,
        data={"confirmed": "yes"},
    ),
    # The supervisor has no account: the token is the key, whoever holds it.
    Rule("GET", "/signoff/{token}", public(200), setup=_awaiting),
    Rule("POST", "/signoff/{token}", public(422), setup=_awaiting, data={}),
    Rule("POST", "/signoff/{token}/dispute", public(422), setup=_awaiting, data={}),
    Rule("GET", "/registrar/internships/import", expect(registrar=200, advisor=DENIED)),
    # An empty form is bad input: the page with its error, 422 (issue 16: an unreadable file is refused).
    Rule("POST", "/registrar/internships/import", expect(registrar=422), data={}),
]
