"""Registrar API fixtures: awards built directly (rule, approved request, verified experiences,
award), API clients, and tokens from the real token endpoint."""

from __future__ import annotations

import base64
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from careercenter.credits.models import AwardStatus, CreditAward, CreditRequest, CreditRule, RequestState
from careercenter.db import utcnow
from careercenter.internships.models import ExperienceState
from careercenter.registrar import service
from careercenter.sso.models import Person, Role
from tests.factories import verified_experience


@pytest.fixture(autouse=True)
def _no_settle_delay(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see awards the moment they are written; the SQLite settle window has its own test."""
    monkeypatch.setitem(app.config, "REGISTRAR_SQLITE_SETTLE_SECONDS", 0)


def build_rule(session: Any, code: str = "INTR295", version: int = 1) -> CreditRule:
    rule = CreditRule(
        code=code,
        version=version,
        name="Micro-internship practicum",
        course_subject="INTR",
        course_number="295",
        course_title="Micro-internship Practicum",
        grading_basis="P/NP",
        definition={"hours_per_credit": 45},
        content_hash=f"{code}-{version}".ljust(64, "0")[:64],
    )
    session.add(rule)
    session.flush()
    return rule


def build_student_with_experience(session: Any, campus_id: str, name: str, title: str) -> tuple[Any, Any]:
    """A student and one verified 45-hour experience of theirs, flushed; the caller commits."""
    student = Person(campus_id=campus_id, email=f"{campus_id.lower()}@students.example.edu", display_name=name)
    student.set_roles({Role.STUDENT})
    session.add(student)
    session.flush()
    experience = verified_experience(
        session,
        student,
        "45",
        employer="Acme",
        title=title,
        description="",
        category="",
        start_date=date(2026, 6, 1),
        end_date=date(2026, 6, 20),
        skills=[],
        skill_ratings=None,
        supervisor_name="Pat",
        supervisor_title="",
        supervisor_email="pat@acme.example.com",
        supervisor_feedback=None,
        attested_name=None,
    )
    return student, experience


def build_award(
    session: Any,
    student: Any,
    experiences: list[Any],
    rule: CreditRule,
    *,
    approver: Any = None,
    status: AwardStatus = AwardStatus.PENDING,
    term: str = "2026FA",
    credits: Decimal = Decimal("1.5"),
) -> CreditAward:
    now = utcnow()
    request = CreditRequest(
        student_id=student.id,
        rule_id=rule.id,
        term=term,
        state=RequestState.APPROVED,
        reflection="What I learned.",
        evaluation={"eligible": True},
        is_eligible=True,
        computed_credits=credits,
        submitted_at=now - timedelta(days=2),
        decided_by_id=approver.id if approver else None,
        decided_at=now - timedelta(days=1),
    )
    request.experiences = list(experiences)
    session.add(request)
    session.flush()
    award = CreditAward(
        request_id=request.id,
        student_id=student.id,
        rule_id=rule.id,
        term=term,
        credits=credits,
        grading_basis=rule.grading_basis,
        status=status,
        approved_by_id=approver.id if approver else None,
        approved_at=now - timedelta(days=1),
    )
    if status is AwardStatus.POSTED:
        award.sis_reference = "SIS-OLD"
        award.posted_at = now
    session.add(award)
    session.flush()
    return award


@pytest.fixture()
def make_award(session: Any, make_student: Any, make_advisor: Any, make_experience: Any) -> Any:
    rules: dict[str, CreditRule] = {}

    def make(
        student: Any = None,
        *,
        status: AwardStatus = AwardStatus.PENDING,
        hours: tuple[str, ...] = ("20", "25.5"),
        **kw: Any,
    ) -> CreditAward:
        student = student or make_student()
        if "rule" not in rules:
            rules["rule"] = build_rule(session)
        approver = make_advisor([student], name="Dana Whitfield")
        experiences = [
            make_experience(student, state=ExperienceState.VERIFIED, hours=Decimal(h), employer=f"Employer {i}")
            for i, h in enumerate(hours)
        ]
        award = build_award(session, student, experiences, rules["rule"], approver=approver, status=status, **kw)
        # Commit (to the test's savepoint): an API error rolls the view's session back, and
        # that must not take the test's records with it.
        session.commit()
        return award

    return make


@pytest.fixture()
def make_api_client(session: Any) -> Any:
    counter = iter(range(1, 1000))

    def make(scopes: str = "credits:read credits:write", name: str | None = None) -> service.NewClient:
        made = service.create_client(session, name or f"Test SIS {next(counter)}", scopes)
        session.commit()
        return made

    return make


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


@pytest.fixture()
def get_token(client: Any) -> Any:
    """Ask the real token endpoint (client_secret_basic) for a token; return the JSON."""

    def get(made: service.NewClient, scope: str | None = None, c: Any = None) -> dict[str, Any]:
        data = {"grant_type": "client_credentials"}
        if scope:
            data["scope"] = scope
        response = (c or client).post("/oauth/token", data=data, headers=basic(made.client.client_id, made.secret))
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    return get


@pytest.fixture()
def bearer(make_api_client: Any, get_token: Any) -> Any:
    """Headers with a valid bearer token for a new client with `scopes`."""

    def make(scopes: str = "credits:read credits:write") -> dict[str, str]:
        made = make_api_client(scopes)
        return {"Authorization": f"Bearer {get_token(made)['access_token']}"}

    return make
