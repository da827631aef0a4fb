"""Throwaway PostgreSQL databases for tests: the run's own, a migration's scratch, a restore target."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url


@contextmanager
def postgres_database(server: str | URL, prefix: str) -> Iterator[str]:
    """A new database `<prefix>_<random>` on the PostgreSQL server `server` points at (the admin
    connection uses `server`'s own database), yielded as a psycopg URL and dropped afterwards."""
    url = make_url(server).set(drivername="postgresql+psycopg")
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
