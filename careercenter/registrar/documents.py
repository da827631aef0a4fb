"""Each award's registrar document kept ready on PostgreSQL: built when written, read by a page.

The registrar API's pages (`feed_sql`) spend most of their statement building each award's JSON
object or CSV line — every time, for every award, for every pull. So PostgreSQL keeps them in
`award_documents`, one row per award:

- **Cleared by triggers.** Every table a document reads has a statement-level trigger (migration
  `f3a8b61c2d07`) that clears the documents of the awards a statement touches and marks them
  with the writing transaction's id (`stale_in`). A new award gets its row the same way.
- **Built before the writer commits.** When a session that flushed a change to one of those
  tables commits, it first builds the documents its transaction cleared (`rebuild_own`), in a
  new statement: under READ COMMITTED that statement sees every committed change, and the rows
  it writes are already locked by this transaction (its trigger cleared them), so a second
  writer of the same award waits for this one to commit, then clears and builds again itself.
  A document is never older than what it reads.
- **Read by the pages, missing ones built in the statement.** A page takes the kept document
  and builds, inline, any that is missing (cleared by a writer that has not committed, written
  by SQL outside the ORM, or from before the migration); `flask registrar build-documents` fills
  those, and `flask registrar check-documents` compares every kept document with a fresh one.

The test suite runs that comparison after every test on PostgreSQL (`tests/conftest.py`), and
`tests/registrar/test_documents.py` the triggers, the race and the commands. SQLite keeps the
ORM path and never reads the table.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from careercenter.checks import Result
from careercenter.registrar.feed_sql import DOCUMENT_FORMAT, documents_built, enabled

_FLAG = "careercenter.award_documents"

#: The tables whose changes may clear a document: those with a trigger, and `credit_requests`,
#: through which the ORM changes a request's experiences (`credit_request_experiences`).
SOURCE_TABLES = frozenset(
    {
        "credit_awards",
        "credit_requests",
        "credit_request_experiences",
        "people",
        "credit_rules",
        "experiences",
        "amendment_requests",
        "approval_decisions",
    }
)

_UPDATE = (
    " UPDATE award_documents d SET doc = b.doc, csv = b.csv, format = :format, stale_in = NULL"
    " FROM built b WHERE d.award_id = b.id"
)

#: The most documents a commit builds: a rename of someone named on many awards (an advisor who
#: approved thousands) leaves the rest cleared, for the pages to build inline and
#: `flask registrar build-documents` to fill, instead of holding that commit for seconds.
OWN_BUILD_LIMIT = 1000

#: The documents this transaction cleared (they are locked by it already): usually none.
_OWN_CLEARED = sa.text(
    "SELECT award_id FROM award_documents WHERE stale_in = txid_current_if_assigned() AND doc IS NULL"
    " ORDER BY award_id LIMIT :limit"
)

#: Awards without a row (inserted by SQL outside the app) get one.
_ADD_ROWS = sa.text(
    "INSERT INTO award_documents (award_id) SELECT a.id FROM credit_awards a"
    " WHERE NOT EXISTS (SELECT 1 FROM award_documents d WHERE d.award_id = a.id) ON CONFLICT DO NOTHING"
)
#: Up to :batch missing documents (or of another format) no transaction is building, locked
#: for the next statement.
_LOCK_MISSING = sa.text(
    "SELECT award_id FROM award_documents WHERE award_id > :after AND (doc IS NULL OR format IS DISTINCT FROM :format)"
    " ORDER BY award_id LIMIT :batch FOR UPDATE SKIP LOCKED"
)
_BUILD_IDS = sa.text(documents_built("SELECT a.* FROM credit_awards a WHERE a.id = ANY(:ids)") + _UPDATE)

_ANY_KEPT = sa.text("SELECT 1 FROM award_documents WHERE doc IS NOT NULL LIMIT 1")
#: Every kept document that differs from one built now.
_DIFFERING = sa.text(
    documents_built(  # noqa: S608 (constants)
        "SELECT a.* FROM credit_awards a JOIN award_documents d ON d.award_id = a.id"
        " WHERE d.doc IS NOT NULL AND d.format = :format"
    )
    + " SELECT d.award_id FROM award_documents d JOIN built b ON b.id = d.award_id"
    " WHERE d.doc IS DISTINCT FROM b.doc OR d.csv IS DISTINCT FROM b.csv ORDER BY d.award_id"
)


def rebuild_own(session: Session) -> None:
    """Build the documents this session's transaction cleared (PostgreSQL; no-op elsewhere).

    The building statement is large (about 3 ms to plan), so a cheap look comes first."""
    if enabled(session):
        ids = list(session.execute(_OWN_CLEARED, {"limit": OWN_BUILD_LIMIT}).scalars())
        if ids:
            session.execute(_BUILD_IDS, {"ids": ids, "format": DOCUMENT_FORMAT})


def build_missing(session: Session, batch: int = 1000) -> int:
    """Build every missing document, a batch a transaction; return how many were built."""
    session.execute(_ADD_ROWS)
    session.commit()
    built = after = 0
    while True:
        bind = {"batch": batch, "format": DOCUMENT_FORMAT, "after": after}
        ids = list(session.execute(_LOCK_MISSING, bind).scalars())
        if ids:
            session.execute(_BUILD_IDS, {"ids": ids, "format": DOCUMENT_FORMAT})
        session.commit()
        built += len(ids)
        if len(ids) < batch:
            return built
        after = ids[-1]


def clear_all(session: Session) -> None:
    """Clear every kept document (committed), for `build_missing` to build them all again."""
    session.execute(sa.text("UPDATE award_documents SET doc = NULL, csv = NULL WHERE doc IS NOT NULL"))
    session.commit()


def differing(session: Session) -> list[int]:
    """The awards whose kept document is not what would be built now (none, when all is well)."""
    if not enabled(session) or session.execute(_ANY_KEPT).scalar() is None:
        return []
    return list(session.execute(_DIFFERING, {"format": DOCUMENT_FORMAT}).scalars())


_COUNTS = sa.text(
    "SELECT count(d.doc), count(a.id) - count(d.doc) FROM credit_awards a"
    " LEFT JOIN award_documents d ON d.award_id = a.id AND d.format = :format"
)


def counts(session: Session) -> tuple[int, int]:
    """(awards whose document is kept, in this release's format; awards without one)."""
    kept, missing = session.execute(_COUNTS, {"format": DOCUMENT_FORMAT}).one()
    return int(kept), int(missing)


def check_award_documents(app: Flask, _opts: dict[str, Any]) -> Iterator[Result]:
    """`flask doctor`: on PostgreSQL, how many award documents are kept and how many are missing."""
    from careercenter.extensions import db

    session = db.session
    if not enabled(session):
        yield Result("OK", "award docs", "not kept on SQLite: the registrar API builds each page as it is asked")
        return
    try:
        kept, missing = counts(session)
    except sa.exc.SQLAlchemyError:
        return  # the database check has said why
    finally:
        session.rollback()
    if missing:
        hint = "run flask --app wsgi registrar build-documents (until then the API builds them, more slowly)"
        yield Result("WARN", "award docs", f"{kept} kept, {missing} missing: {hint}")
    else:
        yield Result("OK", "award docs", f"{kept} kept, none missing")


# -- the session's part ---------------------------------------------------------------------


def _after_flush(session: Session, _context: Any) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(getattr(obj, "__tablename__", None) in SOURCE_TABLES for obj in changed):
        session.info[_FLAG] = True


def _after_execute(state: Any) -> None:
    """An INSERT, UPDATE or DELETE through the session on a source table (or on one it cannot
    name) may clear documents; one on another table (a job's lease, a disclosure) cannot."""
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(getattr(state.statement, "table", None), "name", None)
        if table is None or table in SOURCE_TABLES:
            state.session.info[_FLAG] = True


def _before_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint's release: the commit around it will look (the flag stays set)
    session.flush()  # what is still pending is flushed after this hook: flush it first
    if session.info.pop(_FLAG, False):
        rebuild_own(session)


def _forget(session: Session, *_: Any) -> None:
    # A savepoint's rollback (the savepoint is still the session's innermost transaction while
    # this runs) undoes its own writes only: what the transaction cleared before it stays cleared.
    if session.get_nested_transaction() is None:
        session.info.pop(_FLAG, None)


def install() -> None:
    """Listen to every session: a commit after a flush that may clear documents rebuilds them."""
    if sa.event.contains(Session, "before_commit", _before_commit):
        return
    sa.event.listen(Session, "after_flush", _after_flush)
    sa.event.listen(Session, "do_orm_execute", _after_execute)
    sa.event.listen(Session, "before_commit", _before_commit)
    sa.event.listen(Session, "after_rollback", _forget)
