"""The registrar API carries each award's approval trail (JSON, CSV, OpenAPI); an award
appears only after the last step of its route."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.credits import approvals
from careercenter.credits.approval_models import Delegation
from careercenter.credits.models import CreditAward
from careercenter.db import utcnow
from tests.credits.helpers import submitted_request
from tests.credits.routes_helpers import route_campus
from tests.factories import verified_experience


@pytest.fixture()
def campus(session: Any, make_person: Any, make_student: Any, make_advisor: Any) -> dict[str, Any]:
    return route_campus(session, make_person, make_student, make_advisor)


def _csci(session: Any, student: Any, hours: str = "60") -> Any:
    return submitted_request(session, student, [verified_experience(session, student, hours)], code="CSCI-397")


def test_the_registrar_api_carries_the_trail_only_after_the_last_step(
    client: Any, session: Any, campus: dict[str, Any], bearer: Any
) -> None:
    c = campus
    request = _csci(session, c["maya"])
    karen_id = c["karen"].id
    today = utcnow().date()
    session.add(Delegation(person_id=c["priya"].id, delegate_id=c["marcus"].id, starts_on=today, ends_on=today))
    approvals.approve(session, request, c["dana"], "")
    approvals.approve(session, request, c["marcus"], "")
    session.commit()
    headers = bearer()
    assert client.get("/api/v1/credit-awards", headers=headers).get_json()["data"] == []
    approvals.approve(session, request, c["karen"], "")
    session.commit()
    [award] = client.get("/api/v1/credit-awards", headers=headers).get_json()["data"]
    trail = award["approvals"]
    assert [(a["step"], a["decision"], a["decided_by"], a["on_behalf_of"]) for a in trail] == [
        ("Advisor review", "approved", "Dana Whitfield", None),
        ("Department chair", "approved", "Marcus Bell", "Priya Raman"),
        ("Registrar check", "approved", "Karen Mbeki", None),
    ]
    assert all(a["decided_at"].endswith("Z") or a["decided_at"].endswith("+00:00") for a in trail)
    rows = list(
        csv.DictReader(io.StringIO(client.get("/api/v1/credit-awards.csv", headers=headers).get_data(as_text=True)))
    )
    assert rows[0]["approvals"].startswith("Advisor review: approved by Dana Whitfield ")
    assert "Department chair: approved by Marcus Bell (for Priya Raman)" in rows[0]["approvals"]
    spec = client.get("/api/v1/openapi.json").get_json()
    approval = spec["components"]["schemas"]["Approval"]
    assert approval["required"] == ["step", "decision", "decided_by", "decided_at", "on_behalf_of"]
    assert spec["components"]["schemas"]["Award"]["properties"]["approvals"]["items"] == {
        "$ref": "#/components/schemas/Approval"
    }
    assert session.execute(sa.select(CreditAward)).scalar_one().approved_by_id == karen_id
