"""Access rules for the credentials routes."""

from __future__ import annotations

from typing import Any

from flask import current_app

from careercenter.internships.models import ExperienceState
from tests.access import ALLOWED, HIDDEN, Rule, expect, public


def _status_list(w: Any) -> dict[str, Any]:
    from careercenter.credentials.models import StatusList

    status_list = StatusList()
    w.session.add(status_list)
    w.session.flush()
    return {"list_id": status_list.id}


def _own_credential(w: Any) -> dict[str, Any]:
    from careercenter.credentials import issuance

    experience = w.make["experience"](w.student, state=ExperienceState.VERIFIED)
    row = issuance.issue_for_experience(w.session, experience, current_app.config)
    return {"credential_uuid": row.credential_id.rsplit(":", 1)[-1]}


RULES = [
    Rule("GET", "/issuer", public(200)),
    Rule("GET", "/credentials/status/{list_id}", public(200), setup=_status_list),
    Rule("GET", "/me/credentials", expect(student=200)),
    Rule(
        "GET",
        "/me/credentials/{credential_uuid}.json",
        expect(student=200, other_student=HIDDEN),
        setup=_own_credential,
    ),
    Rule(
        "GET",
        "/me/credentials/{credential_uuid}.jwt",
        expect(student=200, other_student=HIDDEN),
        setup=_own_credential,
    ),
    Rule("GET", "/me/credentials/clr.json", expect(student=200, other_student=ALLOWED), setup=_own_credential),
    Rule("GET", "/me/credentials/clr.jwt", expect(student=200, other_student=ALLOWED), setup=_own_credential),
    # Until the registrar's OAuth2 resource protector replaces the placeholder, nobody gets in;
    # a campus session never opens it.
    Rule(
        "GET",
        "/api/v1/students/{campus_id}/clr",
        public(401),
        setup=lambda w: {"campus_id": w.student.campus_id},
    ),
    Rule("GET", "/verify/credential", public(200)),
    Rule("POST", "/verify/credential", public(422), data={}),
]
