"""Start-up checks that need the database: reachable, and migrated to the latest revision."""

from __future__ import annotations

import click
import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask

from careercenter.config import ConfigError
from careercenter.extensions import db

UPGRADE_HINT = "run: flask --app wsgi db upgrade"


def database_status(app: Flask) -> tuple[str | None, str | None]:
    """Return (current revision, head revision); raise ConfigError if the database is down."""
    with app.app_context():
        try:
            with db.engine.connect() as conn:
                current = MigrationContext.configure(conn).get_current_revision()
        except sa.exc.OperationalError as exc:
            target = db.engine.url.render_as_string(hide_password=True)
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "no answer"
            raise ConfigError(f"database unreachable at {target}: {reason}") from None
        config = app.extensions["migrate"].migrate.get_config()
        head = ScriptDirectory.from_config(config).get_current_head()
    return current, head


def preflight(app: Flask) -> None:
    """Refuse to serve on a database that is down or not migrated, with one line saying why."""
    current, head = database_status(app)
    with app.app_context():
        db.engine.dispose()  # the check's connection: a preloading server forks its workers after this
    if current is None:
        raise ConfigError(f"the database has no tables yet: {UPGRADE_HINT}")
    if current != head:
        raise ConfigError(f"the database is at migration {current}, not the latest {head}: {UPGRADE_HINT}")


def should_preflight() -> bool:
    """Serving processes check the database at start; other `flask` commands (db upgrade) do not."""
    ctx = click.get_current_context(silent=True)
    return ctx is None or ctx.info_name == "run"
