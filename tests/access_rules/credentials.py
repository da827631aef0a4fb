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

# Issue 21: a credential's public status page (LinkedIn's certUrl).
RULES += [
    Rule(
        "GET",
        "/verify/credential/{credential_uuid}",
        public(404),
        setup=lambda w: {"credential_uuid": "00000000-0000-4000-8000-000000000000"},
    ),
]

# Issue 21: share links under the student's consent (FERPA 99.30).
RULES += [
    Rule("GET", "/me/shares", expect(student=200)),
    Rule("POST", "/me/shares", expect(student=422), data={"recipient": "x"}),
    Rule("POST", "/me/shares/{share_id}/revoke", expect(student=HIDDEN), setup=lambda w: {"share_id": 999999}),
    Rule("GET", "/shared/{token}", public(404), setup=lambda w: {"token": "no-such-token"}),
]

# Issue 21: wallet exchanges (VC API).
RULES += [
    Rule(
        "POST",
        "/me/credentials/{credential_uuid}/wallet",
        expect(student=HIDDEN),
        setup=lambda w: {"credential_uuid": "00000000-0000-4000-8000-000000000000"},
    ),
    Rule("POST", "/me/credentials/clr/wallet", expect(student=409)),
    # The access table posts a form, not JSON: 400 for everyone (a wallet posting JSON gets 404).
    Rule("POST", "/exchanges/{exchange_id}", public(400), setup=lambda w: {"exchange_id": "nope"}, data={}),
]
