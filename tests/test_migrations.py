"""A fresh `flask db upgrade` yields exactly the models' schema, on SQLite and PostgreSQL; a
migration that rebuilds referenced tables keeps every row of a filled database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from careercenter.extensions import db
from tests.databases import postgres_database


def test_no_drift_between_models_and_migrations(app: Any) -> None:
    # The session's database was made by running every migration (conftest `app`).
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ: {diff}; run flask db migrate and tidy the file"


@pytest.fixture()
def scratch_url(tmp_path: Path) -> Iterator[str]:
    """An empty database of the test's own: a SQLite file, or one on the run's PostgreSQL server."""
    server = os.environ.get("CAREERCENTER_TEST_DATABASE_URL")
    if not server:
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    with postgres_database(server, "careercenter_migration") as url:
        yield url


#: Before 5b8803fe22dd: a student, a rule, an approved request with its award (RESTRICT) and
#: decision, and a request waiting at its first step (CASCADE). Plain SQL: the models are newer.
_AT = "'2026-03-02 09:00:00'"
FILLED = [
    "INSERT INTO people (id, campus_id, email, display_name, is_active, is_demo, created_at, updated_at)"
    f" VALUES (1, 'S1', 's1@example.edu', 'Sam One', true, false, {_AT}, {_AT})",
    "INSERT INTO credit_rules (id, code, version, status, name, course_subject, course_number, course_title,"
    " grading_basis, definition, content_hash, created_at)"
    f" VALUES (1, 'INTR-295', 1, 'active', 'Practicum', 'INTR', '295', 'Practicum', 'P/NP', '{{}}', 'h', {_AT})",
    "INSERT INTO credit_requests (id, student_id, rule_id, term, state, reflection, submitted_at, created_at,"
    f" updated_at, version_id) VALUES (1, 1, 1, '2026SP', 'approved', '', {_AT}, {_AT}, {_AT}, 2)",
    "INSERT INTO credit_requests (id, student_id, rule_id, term, state, reflection, submitted_at, created_at,"
    f" updated_at, version_id) VALUES (2, 1, 1, '2026SP', 'submitted', '', {_AT}, {_AT}, {_AT}, 1)",
    "INSERT INTO credit_awards (id, request_id, student_id, rule_id, term, credits, grading_basis, status,"
    f" approved_at, created_at, updated_at) VALUES (1, 1, 1, 1, '2026SP', 1, 'P/NP', 'posted', {_AT}, {_AT}, {_AT})",
    "INSERT INTO approval_decisions (id, request_id, pass_no, step_index, step_label, decision, decided_at,"
    f" was_escalated) VALUES (1, 1, 1, 0, 'Advisor review', 'approved', {_AT}, false)",
    "INSERT INTO approval_waits (request_id, pass_no, step_index, step_label, kind, match_program, started_at)"
    f" VALUES (2, 1, 0, 'Advisor review', 'advisor', false, {_AT})",
]
COUNTED = ("credit_requests", "credit_awards", "approval_decisions", "approval_waits")
WITHDRAW = [
    "UPDATE credit_requests SET state = 'withdrawn' WHERE id = 2",
    "INSERT INTO approval_decisions (id, request_id, pass_no, step_index, step_label, decision, decided_by_id,"
    f" decided_at, was_escalated) VALUES (2, 2, 1, 0, 'Advisor review', 'withdrawn', 1, {_AT}, false)",
    "DELETE FROM approval_waits WHERE request_id = 2",
]


def _run(statements: list[str]) -> None:
    with db.engine.begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement))


def _counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in COUNTED}  # noqa: S608


def test_withdrawn_states_keep_every_row_and_downgrade_only_without_withdrawn_requests(
    make_app: Any, scratch_url: str
) -> None:
    app = make_app(database_url=scratch_url)
    with app.app_context():
        upgrade(revision="c3f1a9e07b2d")
        _run(FILLED)
        before = _counts()
        # On SQLite the CHECK constraints change by rebuilding credit_requests, which the award
        # (RESTRICT) and the wait (CASCADE) reference: nothing may fail, nothing may go.
        upgrade(revision="5b8803fe22dd")
        assert _counts() == before
        if db.engine.dialect.name == "sqlite":
            with db.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        _run(WITHDRAW)
        with pytest.raises(sa.exc.IntegrityError):
            _run(["UPDATE credit_requests SET state = 'cancelled' WHERE id = 2"])

        with pytest.raises(SystemExit):  # flask-migrate exits 1 on the migration's refusal
            downgrade(revision="c3f1a9e07b2d")
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT state FROM credit_requests WHERE id = 2")).scalar_one() == "withdrawn"
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == "5b8803fe22dd"

        _run(
            [
                "DELETE FROM approval_decisions WHERE id = 2",
                "UPDATE credit_requests SET state = 'returned' WHERE id = 2",
            ]
        )
        downgrade(revision="c3f1a9e07b2d")
        assert _counts() == {**before, "approval_waits": 0}
        with pytest.raises(sa.exc.IntegrityError):
            _run(["UPDATE credit_requests SET state = 'withdrawn' WHERE id = 2"])
