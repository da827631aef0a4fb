"""The registrar's award list does not grow with the table (issue 22): keyset pages newest
approved first, a count capped at `COUNT_CAP`, filter menus from the rules and the term
calendar (no DISTINCT over the awards), and the same number of queries on every page."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from careercenter.credits import awards as award_service
from careercenter.internships.models import ExperienceState
from careercenter.sso.models import Role
from tests.factories import build_award, build_rule
from tests.test_query_counts import count_queries


@pytest.fixture()
def listed(session: Any, make_person: Any, make_student: Any, make_advisor: Any, make_experience: Any) -> list[int]:
    rule = build_rule(session)
    build_rule(session, "NURS101", subject="NURS", number="101")  # a rule no award uses yet
    ids = []
    for i in range(7):
        student = make_student(name=f"Listed {i}")
        verified = make_experience(student, state=ExperienceState.VERIFIED)
        award = build_award(session, student, [verified], rule, approver=make_advisor([student]), term="2025SP")
        ids.append(award.id)
    session.commit()
    return ids


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'href="/registrar/awards/(\d+)"', html)]


def test_keyset_pages_visit_every_award_once_newest_first(
    client: Any, login: Any, session: Any, make_person: Any, listed: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from careercenter.credits.models import CreditAward

    # same approval time for two awards: the id breaks the tie
    first, second = session.get(CreditAward, listed[0]), session.get(CreditAward, listed[1])
    second.approved_at = first.approved_at
    for n, award_id in enumerate(listed[2:]):
        session.get(CreditAward, award_id).approved_at = first.approved_at + timedelta(minutes=n + 1)
    session.commit()
    login(make_person(Role.REGISTRAR, program=None, class_level=None))
    real = award_service.list_awards
    monkeypatch.setattr(award_service, "list_awards", lambda *a, **kw: real(*a, **{**kw, "per_page": 3}))
    seen, url, pages, counts = [], "/registrar/awards", 0, []
    while url:
        with count_queries() as statements:
            html = client.get(url).get_data(as_text=True)
        counts.append(len(statements))
        seen += _ids(html)
        pages += 1
        assert "7 awards" in html
        match = re.search(r'href="([^"]*after=\d+[^"]*)">Next page', html)
        url = match.group(1).replace("&amp;", "&") if match else None
        if pages > 1:
            assert "First page" in html
    assert pages == 3 and seen == list(reversed(listed[2:])) + [listed[1], listed[0]]
    assert len(set(counts[1:])) == 1, counts  # a later page runs as many queries as the second


def test_count_is_capped_and_menus_come_from_rules_and_terms(
    client: Any, login: Any, make_person: Any, listed: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    login(make_person(Role.REGISTRAR, program=None, class_level=None))
    monkeypatch.setattr(award_service, "COUNT_CAP", 5)
    html = client.get("/registrar/awards").get_data(as_text=True)
    assert "More than 5 awards" in html
    assert '<option value="NURS101">' in html  # every rule, used or not
    terms = re.findall(r'<option value="(\d{4}[A-Z]{2})"', html)
    assert terms == ["2025FA", "2025SU", "2025SP"]  # the calendar's terms of the awards' years, newest first
    filtered = client.get("/registrar/awards?term=2025SU").get_data(as_text=True)
    assert "0 awards" in filtered and "No award matches." in filtered
    # a bad cursor is the first page
    assert _ids(client.get("/registrar/awards?after=x1").get_data(as_text=True))[:1] == [listed[-1]]
