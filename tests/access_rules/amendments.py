"""Access rules for FERPA amendment requests: the student asks on their own record; registrar
staff decide; only the student adds a statement of disagreement."""

from __future__ import annotations

from typing import Any

from tests.access import DENIED, HIDDEN, Rule, World, expect
from tests.factories import verified_experience


def _experience(w: World) -> dict[str, Any]:
    return {"experience_id": verified_experience(w.session, w.student, "20").id}


def _request(w: World) -> Any:
    from careercenter.amendments import service

    experience = verified_experience(w.session, w.student, "20")
    return service.request_amendment(
        w.session, w.student, experience, what_is_wrong="The hours are wrong.", should_say="24 hours", days=45
    )


def _waiting(w: World) -> dict[str, Any]:
    w.values["request_id"] = _request(w).id
    return {"request_id": w.values["request_id"]}


def _grant_data(w: World) -> dict[str, Any]:
    prefix = f"g{w.values['request_id']}-"
    return {prefix + "field": "hours", prefix + "value": "24", prefix + "note": "Hours corrected to 24."}


def _deny_data(w: World) -> dict[str, Any]:
    return {f"d{w.values['request_id']}-reason": "The supervisor confirmed 20 hours."}


def _denied(w: World) -> dict[str, Any]:
    from careercenter.amendments import service

    req = _request(w)
    service.deny(w.session, req, decided_by=w.registrar, reason="The supervisor confirmed 20 hours.")
    return {"request_id": req.id}


RULES = [
    Rule(
        "POST",
        "/experiences/{experience_id}/amendments",
        expect(student=302, other_student=HIDDEN),
        setup=_experience,
        data={"what_is_wrong": "The hours are wrong.", "should_say": "24 hours"},
    ),
    Rule(
        "POST",
        "/amendments/{request_id}/statement",
        expect(student=302, other_student=HIDDEN),
        setup=_denied,
        data={"statement": "I disagree with the decision."},
    ),
    Rule("GET", "/registrar/amendments", expect(registrar=200)),
    Rule(
        "POST",
        "/registrar/amendments/{request_id}/grant",
        expect(registrar=302, advisor=DENIED),
        setup=_waiting,
        data=_grant_data,  # the form's fields carry the request's prefix
    ),
    Rule(
        "POST",
        "/registrar/amendments/{request_id}/deny",
        expect(registrar=302),
        setup=_waiting,
        data=_deny_data,
    ),
]
