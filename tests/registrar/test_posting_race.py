"""Two registrar jobs acknowledging the same award at the same moment (PostgreSQL, real
commits): with different answers exactly one wins and the other gets 409; with the same answer
both get 200 and the award moves once."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.audit.models import AuditEvent
from careercenter.credits.models import AwardStatus, CreditAward
from careercenter.extensions import db
from careercenter.registrar import service
from tests.factories import build_award, build_rule, build_student_with_experience
from tests.registrar.conftest import basic

pytestmark = pytest.mark.postgres_only


def _setup(app: Any) -> tuple[int, dict[str, str]]:
    with app.app_context():
        session = db.session
        student, experience = build_student_with_experience(session, "R1", "Race Student", "Audit")
        award_id = build_award(session, student, [experience], build_rule(session)).id
        made = service.create_client(session, "Race SIS", "credits:read credits:write")
        session.commit()
        creds = (made.client.client_id, made.secret)
        db.session.remove()
    token = app.test_client().post("/oauth/token", data={"grant_type": "client_credentials"}, headers=basic(*creds))
    return award_id, {"Authorization": f"Bearer {token.get_json()['access_token']}"}


def _race(app: Any, award_id: int, headers: dict[str, str], bodies: list[dict[str, str]]) -> list[int]:
    barrier = threading.Barrier(len(bodies))
    codes: list[int] = []

    def post(body: dict[str, str]) -> None:
        c = app.test_client()
        barrier.wait()
        codes.append(c.post(f"/api/v1/credit-awards/{award_id}/posting", json=body, headers=headers).status_code)

    threads = [threading.Thread(target=post, args=(b,)) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return sorted(codes)


def _state(app: Any, award_id: int) -> tuple[CreditAward, int]:
    with app.app_context():
        award = db.session.get(CreditAward, award_id)
        events = db.session.execute(
            sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.subject_type == "credit_awards")
        ).scalar_one()
        db.session.expunge_all()
        db.session.remove()
    return award, events


@pytest.fixture()
def pg(committed_db: Any, is_postgres: bool) -> Any:
    assert is_postgres, "needs PostgreSQL row locks (postgres_only tests are deselected on SQLite)"
    return committed_db


def test_conflicting_postings_one_wins(pg: Any) -> None:
    award_id, headers = _setup(pg)
    codes = _race(
        pg,
        award_id,
        headers,
        [
            {"status": "posted", "sis_reference": "A-1"},
            {"status": "posted", "sis_reference": "B-2"},
        ],
    )
    assert codes == [200, 409]
    award, events = _state(pg, award_id)
    assert award.status is AwardStatus.POSTED and award.sis_reference in {"A-1", "B-2"}
    assert events == 1


def test_identical_postings_both_succeed_once(pg: Any) -> None:
    award_id, headers = _setup(pg)
    body = {"status": "posted", "sis_reference": "SAME-1"}
    assert _race(pg, award_id, headers, [body, body]) == [200, 200]
    award, events = _state(pg, award_id)
    assert award.sis_reference == "SAME-1" and events == 1
