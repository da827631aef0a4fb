"""The paging guarantee on PostgreSQL, with other connections changing awards while a client
pages: a client that pages from updated_since=T to the end, run after run from its watermark,
sees the latest change of every award at least once — including a change made by a slow
transaction that committed after the client had paged past the time it was stamped.

The control test shows that plain keyset paging (no safe horizon) does skip that change, so the
guarantee test would fail if the horizon broke. (With plain keyset paging the concurrent-writers
test fails too, in most runs: it found 1–2 skipped awards in 3 of 4 tries.)
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.credits.models import CreditAward
from careercenter.db import utcnow
from careercenter.extensions import db
from careercenter.registrar import feed, schemas, service
from tests.factories import build_award, build_rule, build_student_with_experience
from tests.registrar.conftest import basic

pytestmark = pytest.mark.postgres_only


@pytest.fixture()
def pg(committed_db: Any, is_postgres: bool) -> Iterator[Any]:
    assert is_postgres, "needs PostgreSQL: concurrent transactions and pg_stat_activity"
    yield committed_db


def _seed(app: Any, count: int) -> tuple[list[int], dict[str, str]]:
    """Commit `count` awards and an API client; return award ids and bearer headers."""
    with app.app_context():
        session = db.session
        rule = build_rule(session)
        ids = []
        for n in range(count):
            student, experience = build_student_with_experience(session, f"P{n}", f"Student {n}", "Dashboard")
            ids.append(build_award(session, student, [experience], rule).id)
        made = service.create_client(session, "Concurrent SIS", "credits:read")
        session.commit()
        client_id, secret = made.client.client_id, made.secret
    response = app.test_client().post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=basic(client_id, secret)
    )
    return ids, {"Authorization": f"Bearer {response.get_json()['access_token']}"}


class Puller:
    """A registrar client: runs from a watermark to next_cursor null, remembering what it saw."""

    def __init__(self, client: Any, headers: dict[str, str], watermark: str) -> None:
        self.client, self.headers, self.watermark = client, headers, watermark
        self.seen: set[tuple[int, str]] = set()

    def run(self, between_pages: Any = None, limit: int = 2) -> None:
        cursor, since = None, self.watermark
        while True:
            query = {"updated_since": since, "limit": limit, **({"cursor": cursor} if cursor else {})}
            response = self.client.get("/api/v1/credit-awards", query_string=query, headers=self.headers)
            assert response.status_code == 200, response.get_json()
            body = response.get_json()
            for award in body["data"]:
                self.seen.add((award["id"], award["updated_at"]))
                self.watermark = award["updated_at"]
            cursor = body["next_cursor"]
            if between_pages:
                between_pages()
            if cursor is None:
                return


def _final_versions(app: Any) -> set[tuple[int, str]]:
    with app.app_context():
        rows = db.session.execute(sa.select(CreditAward.id, CreditAward.updated_at)).all()
        db.session.remove()
    return {(award_id, schemas.rfc3339(updated_at)) for award_id, updated_at in rows}


def _touch(conn: sa.Connection, award_id: int) -> None:
    # Any change: the trigger stamps updated_at from the database clock.
    conn.execute(sa.text("UPDATE credit_awards SET grading_basis = grading_basis WHERE id = :id"), {"id": award_id})


def _late_commit_scenario(app: Any) -> tuple[set[tuple[int, str]], set[tuple[int, str]], int]:
    """A slow transaction stamps award 0, fast ones change awards 1–2 and commit, the client
    pages to the end, then the slow one commits, then the client runs again from its watermark."""
    ids, headers = _seed(app, 6)
    puller = Puller(app.test_client(), headers, (utcnow() - timedelta(hours=1)).isoformat())
    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    slow = engine.connect()
    try:
        slow_tx = slow.begin()
        _touch(slow, ids[0])  # stamped now, committed only later
        time.sleep(0.01)
        with engine.begin() as fast:  # changed after the slow stamp, committed at once
            _touch(fast, ids[1])
            _touch(fast, ids[2])
        puller.run()
        slow_tx.commit()
        puller.run()
    finally:
        slow.close()
        engine.dispose()
    return puller.seen, _final_versions(app), ids[0]


def test_a_late_commit_is_not_skipped(pg: Any) -> None:
    seen, final, slow_id = _late_commit_scenario(pg)
    assert final <= seen, f"never served: {sorted(final - seen)}"
    assert any(award_id == slow_id for award_id, _ in final & seen)


def test_control_plain_keyset_paging_skips_the_late_commit(pg: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feed, "safe_horizon", lambda session, **kw: utcnow() + timedelta(days=1))
    seen, final, slow_id = _late_commit_scenario(pg)
    missed = final - seen
    assert [award_id for award_id, _ in missed] == [slow_id]


def _run_with_concurrent_writers(app: Any) -> tuple[set[tuple[int, str]], set[tuple[int, str]]]:
    """Two writer threads change random awards while the client runs again and again: one in
    short transactions, one in slow ones (stamped, then held open across several of the client's
    pages, then committed). Return what the client saw and every award's final version."""
    ids, headers = _seed(app, 12)
    puller = Puller(app.test_client(), headers, (utcnow() - timedelta(hours=1)).isoformat())
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer(seed: int, hold: float) -> None:
        rng = random.Random(seed)
        engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        try:
            while not stop.is_set():
                with engine.begin() as conn:
                    _touch(conn, rng.choice(ids))
                    time.sleep(hold)  # the stamp is taken; the commit comes later
                time.sleep(0.002)
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [
        threading.Thread(target=writer, args=(1, 0.0), daemon=True),
        threading.Thread(target=writer, args=(2, 0.06), daemon=True),
    ]
    for thread in threads:
        thread.start()
    try:
        for _ in range(25):
            puller.run(limit=3)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
    assert not errors, errors
    puller.run(limit=3)  # after the writers stopped: the rest from the watermark
    return puller.seen, _final_versions(app)


def test_paging_while_awards_change_concurrently(pg: Any) -> None:
    seen, final = _run_with_concurrent_writers(pg)
    assert final <= seen, f"never served: {sorted(final - seen)}"
