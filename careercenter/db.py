"""The declarative base, column types and small helpers every domain's models share."""

from __future__ import annotations

import contextvars
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_request_context, request
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Return the current time as a timezone-aware UTC datetime."""
    return datetime.now(UTC)


@dataclass
class Page:
    """One page of a listing: the rows, how many there are in all, and where this page is."""

    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


class _InSubquery(sa.sql.functions.FunctionElement[bool]):
    """`column IN (subquery)`; on PostgreSQL `column = ANY(ARRAY(subquery))` (see `in_subquery`)."""

    type = sa.Boolean()
    inherit_cache = True
    name = "in_subquery"


@compiles(_InSubquery)
def _in_subquery(element: _InSubquery, compiler: Any, **kw: Any) -> str:
    # The subquery is a ScalarSelect: its SELECT is written bare (in parentheses it would give one
    # row). Parenthesised whole: SQLite, without a boolean type, compares the result with 1.
    column, subquery = element.clauses
    return f"({compiler.process(column, **kw)} IN ({compiler.process(subquery.element, **kw)}))"


@compiles(_InSubquery, "postgresql")
def _any_array(element: _InSubquery, compiler: Any, **kw: Any) -> str:
    column, subquery = element.clauses
    return f"{compiler.process(column, **kw)} = ANY(ARRAY({compiler.process(subquery.element, **kw)}))"


def in_subquery(column: sa.ColumnElement[Any], subquery: sa.Select[Any]) -> sa.ColumnElement[bool]:
    """`column` is one of the values `subquery` (one column) gives, for a subquery of few rows
    (an advisor's students) against a column with an index (`credit_requests.student_id`).

    On PostgreSQL as `= ANY(ARRAY(…))`: the subquery runs once and the planner looks the values
    up in the index, where for `IN (…)` it estimated the lookups dearer than reading every row of
    the other conditions (every waiting request) and hashing them: 0.9 ms against 1.3-2.9 ms
    for an advisor of 181 students among 4,191 waiting requests (bench/load.py's queues)."""
    return _InSubquery(column, subquery.scalar_subquery())


def paginate(
    session: Session,
    query: sa.Select[Any],
    *,
    order_by: Sequence[Any],
    page: int,
    per_page: int,
    options: Sequence[Any] = (),
    total: int | None = None,
    rows: bool = False,
) -> Page:
    """Count `query`'s rows (unless the caller knows their `total`), then load page `page`
    (1-based) of its entities — or, with `rows`, of its rows of several columns — in `order_by`
    order.

    Two queries whatever the page size (plus whatever `options` load in bulk).
    """
    if total is None:
        total = session.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
    page = max(1, page)
    result = session.execute(query.options(*options).order_by(*order_by).limit(per_page).offset((page - 1) * per_page))
    return Page(list(result.all() if rows else result.unique().scalars()), total, page, per_page)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend.

    PostgreSQL keeps the zone itself; SQLite stores naive text, so values are normalised to UTC
    on the way in and marked UTC on the way out. Naive datetimes are refused: they are a bug.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC timestamp is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_column(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A portable enum: VARCHAR plus a named CHECK constraint, storing the member values."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls),  # type: ignore[arg-type]
        values_callable=lambda cls: [m.value for m in cls],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    """Declarative base with a naming convention so migrations name every constraint."""

    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={
            datetime: UTCDateTime(),
            date: sa.Date(),
            Decimal: sa.Numeric(10, 2),
            dict[str, Any]: sa.JSON(),
            list[str]: sa.JSON(),
            str: sa.String(255),
        },
    )


def render_migration_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write our column types into migrations as the plain SQLAlchemy types they stand for."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    import sqlite3

    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy, not pysqlite, decide when transactions begin, so SAVEPOINTs work;
    # enforce foreign keys (ON DELETE rules); WAL lets readers run beside one writer.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA busy_timeout = 15000")
    cursor.close()


#: Set (by `transaction.write_intent`, workers and CLI commands) when the transactions begun in
#: this context will write: on SQLite they then begin with `BEGIN IMMEDIATE`.
_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("careercenter_write_intent", default=False)

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


#: The attribute `transaction.writes_on_read` sets on a view that writes in a GET request.
WRITES_ON_READ = "_careercenter_writes_on_read"


def intends_to_write() -> bool:
    """Will the transaction about to begin write? True in a POST/PUT/PATCH/DELETE request, in a
    GET request whose view is marked `writes_on_read`, and wherever `write_intent` was set."""
    if _write_intent.get():
        return True
    if not has_request_context():
        return False
    if request.method not in _READ_METHODS:
        return True
    if request.method == "OPTIONS":  # answered by Flask itself; the view never runs
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, WRITES_ON_READ, False)


def set_write_intent(value: bool) -> contextvars.Token[bool]:
    return _write_intent.set(value)


def reset_write_intent(token: contextvars.Token[bool]) -> None:
    _write_intent.reset(token)


def _sqlite_begin(conn: sa.Connection) -> None:
    # SQLite has one writer at a time. A transaction that reads first and writes later (every
    # form post) cannot wait for the lock when it finally writes: if another writer committed
    # meanwhile, its snapshot is stale and SQLite fails at once with "database is locked"
    # (busy_timeout does not help). So a transaction that will write takes the write lock up
    # front with BEGIN IMMEDIATE, waiting up to busy_timeout for it: writers queue, the second
    # one reads what the first committed, and a race has a winner and answers, not 500s.
    # An AUTOCOMMIT connection (a migration's `autocommit_block`, e.g. for `PRAGMA foreign_keys`,
    # which SQLite ignores inside a transaction) begins none.
    if conn.dialect.name == "sqlite" and conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if intends_to_write() else "BEGIN")


def install_sqlite_fixes() -> None:
    """Make SQLite honour transactions, savepoints and foreign keys (idempotent)."""
    if not sa.event.contains(sa.Engine, "connect", _sqlite_connect):
        sa.event.listen(sa.Engine, "connect", _sqlite_connect)
        sa.event.listen(sa.Engine, "begin", _sqlite_begin)


def dispose_inherited_pools(app: Flask) -> None:
    """In a process forked from one that had used the database (a gunicorn worker forked from the
    master that loaded the app and checked the database), drop every engine's pooled connections
    without closing them: they are the parent's. The process then opens its own."""
    with app.app_context():  # Flask-SQLAlchemy's engines (app.extensions["sqlalchemy"]) and any of ours
        primary = app.extensions["sqlalchemy"].engines.values()
        engines = {*primary, *(e for e in app.extensions.values() if isinstance(e, sa.Engine))}
    for engine in engines:  # the primary's and the replica's (careercenter/replica.py)
        engine.dispose(close=False)
