"""`/admin/audit`: filters by actor, record, action and day; before → after; chain status."""

from __future__ import annotations

import re
from typing import Any

import pytest

from careercenter.audit.models import AuditEvent
from careercenter.audit.service import Actor, record_event
from careercenter.sso.models import Role
from tests.test_query_counts import count_queries


@pytest.fixture()
def admin(make_person: Any) -> Any:
    return make_person({Role.ADMIN}, name="Alex Admin", program=None, class_level=None)


@pytest.fixture()
def events(session: Any, make_person: Any) -> Any:
    dana = make_person(Role.ADVISOR, name="Dana Whitfield", program=None, class_level=None)
    record_event(
        session,
        Actor.person(dana),
        "credit_request.approved",
        "credit_request",
        12,
        {"from": "submitted", "to": "approved"},
    )
    record_event(
        session,
        Actor.system("seed"),
        "rule.published",
        "credit_rule",
        3,
        {"before": {"max_credits": "3"}, "after": {"max_credits": "4"}},
    )
    record_event(
        session, Actor("supervisor", None, "a supervisor"), "signoff.confirmed", "experience", 7, {"hours": "20"}
    )
    session.commit()
    return dana


def _rows(html: str) -> list[str]:
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S).group(1)
    return [" ".join(re.sub(r"<[^>]+>", " ", r).split()) for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_events_with_before_and_after(client: Any, login: Any, admin: Any, events: Any) -> None:
    login(admin)
    rows = _rows(client.get("/admin/audit").get_data(as_text=True))
    assert len(rows) == 4  # three events and the admin's own sign-in
    approved = next(r for r in rows if "credit_request.approved" in r)
    assert "Dana Whitfield" in approved and "credit_request 12" in approved and "state submitted → approved" in approved
    published = next(r for r in rows if "rule.published" in r)
    assert "max_credits 3 → 4" in published


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("actor=Dana", ["credit_request.approved"]),
        ("actor=supervisor", ["signoff.confirmed"]),
        ("record=credit_rule:3", ["rule.published"]),
        ("record=experience", ["signoff.confirmed"]),
        ("action=credit_request.", ["credit_request.approved"]),
        ("action=%25", []),
        ("since=2000-01-01&until=2000-01-02", []),
    ],
)
def test_filters(client: Any, login: Any, admin: Any, events: Any, query: str, expected: list[str]) -> None:
    login(admin)
    rows = _rows(client.get(f"/admin/audit?{query}").get_data(as_text=True))
    actions = [
        a
        for r in rows
        for a in re.findall(r"[a-z_]+\.[a-z_]+", r)
        if a in {"credit_request.approved", "rule.published", "signoff.confirmed", "auth.login"}
    ]
    assert actions == expected


def test_bad_days_are_refused_with_a_summary(client: Any, login: Any, admin: Any, events: Any) -> None:
    login(admin)
    response = client.get("/admin/audit?since=yesterday&until=2026-01-01")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "<title>Error: " in html
    assert 'href="#log-since"' in html and "for example 2026-11-10" in html
    reversed_days = client.get("/admin/audit?since=2026-02-01&until=2026-01-01")
    assert reversed_days.status_code == 422 and "before the first day" in reversed_days.get_data(as_text=True)


def test_chain_status_on_request(client: Any, login: Any, admin: Any, events: Any, session: Any) -> None:
    login(admin)
    assert "Verified just now" not in client.get("/admin/audit").get_data(as_text=True)
    assert "Verified just now: all" in client.get("/admin/audit?verify=1").get_data(as_text=True)
    event = session.query(AuditEvent).filter_by(action="rule.published").one()
    event.action = "rule.retired"
    session.commit()
    broken = client.get("/admin/audit?verify=1").get_data(as_text=True)
    assert f"broken at event {event.seq}" in broken


def test_paging_and_query_count(client: Any, login: Any, admin: Any, session: Any) -> None:
    login(admin)
    counts = []
    for n in (5, 80):
        for i in range(n):
            record_event(session, Actor.person(admin), "bulk.event", "thing", i)
        session.commit()
        with count_queries() as statements:
            html = client.get("/admin/audit").get_data(as_text=True)
        counts.append(len(statements))
    assert counts[0] == counts[1]
    older = re.search(r'href="(/admin/audit\?before=\d+)"', html).group(1)
    assert len(_rows(html)) == 50 and len(_rows(client.get(older).get_data(as_text=True))) >= 30
