"""A fresh `flask db upgrade` yields exactly the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from careercenter.extensions import db


def test_no_drift_between_models_and_migrations(app: Any) -> None:
    # The session's database was made by running every migration (conftest `app`).
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ: {diff}; run flask db migrate and tidy the file"
