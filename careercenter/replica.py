"""Reads that may come from a PostgreSQL streaming replica (`CAREERCENTER_DATABASE_REPLICA_URL`).

`read_session()` is the session a read-only page queries: with a replica configured, a session
on the replica (one per request, closed when the request ends); without one, `db.session`.
Only pages whose readers can live with replication lag use it — the reports (`/reports`) and the
registrar staff's award list. Everything else, and every page that shows people what they have
just written (a student's own pages, anything that writes a disclosure row), reads the primary
through `db.session`, so a lagging replica never hides a student's own fresh record.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from careercenter.config import normalise_database_url
from careercenter.extensions import db

_ENGINE = "careercenter.replica_engine"


def init_app(app: Flask) -> None:
    """Make the replica's engine (when configured) and close each request's replica session."""
    url = app.config.get("DATABASE_REPLICA_URL")
    if url:
        options: dict[str, Any] = {"pool_pre_ping": True}
        app.extensions[_ENGINE] = sa.create_engine(normalise_database_url(url), **options)

    @app.teardown_appcontext
    def _close(exc: BaseException | None) -> None:
        session = g.pop("replica_session", None)
        if session is not None:
            session.close()


def read_session() -> Session:
    """The session for a read-only page: on the replica if there is one, else the primary's."""
    engine = current_app.extensions.get(_ENGINE)
    if engine is None:
        return db.session
    if "replica_session" not in g:
        g.replica_session = Session(engine, autoflush=False)
    return g.replica_session
