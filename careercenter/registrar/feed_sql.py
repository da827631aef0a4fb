"""The award feed built by PostgreSQL: a page's JSON in one statement, the CSV through COPY.

On PostgreSQL the API's listings do not build ORM objects. One statement takes the keyset page
(the same filters, order and safe horizon as `feed.fetch_page`), writes the page's disclosure
row (a data-modifying `WITH`: one `award_disclosures` row per response naming its awards and
their students, as `service.disclose_awards` writes it) and returns the page's `data` array as
JSON text; the view passes the bytes through. The CSV export reads each batch with
`COPY (…) TO STDOUT`, the batch's disclosure row written by the same statement. Both read each
award's JSON object or CSV line as PostgreSQL keeps it ready (`registrar.documents`) and build
here only the ones missing.

The text is byte-for-byte what the ORM path (`schemas.Award` through Flask's `jsonify`, and
`csv_export` through `csv.writer`) sends for the same data: keys sorted, compact separators,
non-ASCII escaped as `\\uXXXX` (done here, after PostgreSQL), CSV quoted as `csv.QUOTE_MINIMAL`
quotes with `\\r\\n` line ends. `tests/registrar/test_feed_sql.py` compares both on PostgreSQL.

**Adding a field to the award** (f17's `approvals`, a status): one entry in `AWARD_FIELDS`
(key → SQL giving the value's JSON text; `a` is the award row, `s` the student, `r` the rule,
`ap` the approver) — the keys are sorted when the statement is built. A CSV column: one entry
in `CSV_FIELDS`, in `schemas.CSV_COLUMNS` order. The kept documents' `DOCUMENT_FORMAT` changes
with it by itself (pages ignore the old ones; deploying runs `flask registrar build-documents`).
A field read from a table or column the triggers do not watch needs a migration adding it
(migration `f3a8b61c2d07`'s `SOURCES`): the check every PostgreSQL test ends with fails until then.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from careercenter.audit.service import SCHOOL_OFFICIAL
from careercenter.db import UTCDateTime, utcnow
from careercenter.registrar import csv_export, feed
from careercenter.registrar.models import ApiClient
from careercenter.registrar.schemas import CSV_COLUMNS
from careercenter.registrar.service import API_INTEREST


def enabled(session: Session) -> bool:
    """Whether the listing is built by the database (PostgreSQL) rather than the ORM (SQLite)."""
    return session.get_bind().dialect.name == "postgresql"


# -- JSON values as SQL -------------------------------------------------------------------


def _str(expr: str) -> str:
    return f"coalesce(to_json({expr})::text, 'null')"


def _time(expr: str) -> str:
    """RFC 3339 in UTC with microseconds, as `schemas.rfc3339` writes it."""
    return f"""coalesce('"' || to_char({expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"', 'null')"""


def _decimal(expr: str) -> str:
    return f"""('"' || ({expr})::numeric(14, 2)::text || '"')"""


def _object(fields: dict[str, str]) -> str:
    """SQL giving a JSON object's text with its keys sorted, as Flask's `jsonify` writes it."""
    parts = [f"""'{"," if n else "{"}"{key}":', {fields[key]}""" for n, key in enumerate(sorted(fields))]
    return "concat(" + ", ".join(parts) + ", '}')"


EXPERIENCE_FIELDS = {
    "id": "e.id::text",
    "employer": _str("e.employer"),
    "title": _str("e.title"),
    "hours": _decimal("coalesce(e.verified_hours, e.hours)"),
    "start_date": """'"' || to_char(e.start_date, 'YYYY-MM-DD') || '"'""",
    "end_date": """'"' || to_char(e.end_date, 'YYYY-MM-DD') || '"'""",
    "verified_at": _time("e.verified_at"),
    # `amendments.service.statements`: the student's statements of disagreement
    "statements_of_disagreement": "coalesce(sd.doc, '[]')",
}

# An award's experiences and its trail are each a LATERAL subquery of index lookups, so that a
# statement costs what the awards it builds cost: on a page that is none or a few (the rest are
# kept, `registrar.documents`), and the planner, which cannot know how many, cannot pick a plan
# that repeats a page-wide aggregate for each of them. (S608: this module's constants only.)

#: The statements of disagreement on experience `e`, oldest first.
_STATEMENTS_OF = (
    "LEFT JOIN LATERAL (SELECT '[' || string_agg("  # noqa: S608
    + _object(
        {
            "statement": _str("m.statement"),
            "added_on": """'"' || to_char(m.statement_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') || '"'""",
        }
    )
    + ", ',' ORDER BY m.statement_at) || ']' AS doc FROM amendment_requests m"
    " WHERE m.experience_id = e.id AND m.statement IS NOT NULL) sd ON true"
)

#: The experiences of award `a`'s request, in the relationship's order (start date, then id):
#: the JSON array, and the CSV's cells (the ids; `verified_hours or hours` as the ORM row sums them).
_EXPERIENCES_OF = (
    "LEFT JOIN LATERAL (SELECT '[' || string_agg("  # noqa: S608
    + _object(EXPERIENCE_FIELDS)
    + ", ',' ORDER BY e.start_date, e.id) || ']' AS doc,"
    " string_agg(e.id::text, ' ' ORDER BY e.start_date, e.id) AS ids,"
    " sum(coalesce(nullif(e.verified_hours, 0), e.hours)) AS hours"
    " FROM credit_request_experiences c JOIN experiences e ON e.id = c.experience_id "
    + _STATEMENTS_OF
    + " WHERE c.request_id = a.request_id) x ON true"
)

APPROVAL_FIELDS = {
    "step": _str("d.step_label"),
    "decision": _str("d.decision"),
    "decided_by": _str("db.display_name"),
    "decided_at": _time("d.decided_at"),
    "on_behalf_of": _str("dob.display_name"),
}
#: The decisions of the pass that made award `a` (its request's last pass), in route order, as
#: `approval_models.award_trail` picks them: the JSON array, and the CSV's cell
#: (`schemas.approvals_summary`: "Step: decision by Name (for Name) 2026-…Z; …").
_TRAIL_OF = (
    "LEFT JOIN LATERAL (SELECT '[' || string_agg("  # noqa: S608
    + _object(APPROVAL_FIELDS)
    + ", ',' ORDER BY d.step_index) || ']' AS doc, "
    "string_agg(d.step_label || ': ' || d.decision || ' by ' || coalesce(db.display_name, 'a former approver')"
    " || coalesce(' (for ' || dob.display_name || ')', '') || ' '"
    " || to_char(d.decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), '; ' ORDER BY d.step_index)"
    " AS summary FROM approval_decisions d"
    " LEFT JOIN people db ON db.id = d.decided_by_id LEFT JOIN people dob ON dob.id = d.on_behalf_of_id"
    " WHERE d.request_id = a.request_id"
    " AND d.pass_no = (SELECT max(l.pass_no) FROM approval_decisions l WHERE l.request_id = a.request_id)) t ON true"
)


#: The award as `schemas.Award` shows it: key → SQL giving the value's JSON text.
AWARD_FIELDS = {
    "id": "a.id::text",
    "student": _object({"campus_id": _str("s.campus_id"), "name": _str("s.display_name"), "email": _str("s.email")}),
    "course": _object(
        {"subject": _str("r.course_subject"), "number": _str("r.course_number"), "title": _str("r.course_title")}
    ),
    "credits": _decimal("a.credits"),
    "grading_basis": _str("a.grading_basis"),
    "term": _str("a.term"),
    "rule": _object({"code": _str("r.code"), "version": "r.version::text"}),
    "experiences": "coalesce(x.doc, '[]')",
    "approved_by": _str("ap.display_name"),
    "approved_at": _time("a.approved_at"),
    "approvals": "coalesce(t.doc, '[]')",
    "status": _str("a.status"),
    "sis_reference": _str("a.sis_reference"),
    "posted_at": _time("a.posted_at"),
    "updated_at": _time("a.updated_at"),
}


# -- the statement's parts ----------------------------------------------------------------


def _filters(query: feed.FeedQuery, horizon: datetime) -> tuple[str, dict[str, Any]]:
    where = ["a.updated_at < :horizon"]
    params: dict[str, Any] = {"horizon": horizon}
    if query.updated_since is not None:
        where.append("a.updated_at >= :since")
        params["since"] = query.updated_since
    if query.status is not None:
        where.append("a.status = :status")
        params["status"] = query.status.value
    if query.term is not None:
        where.append("a.term = :term")
        params["term"] = query.term
    if query.student_id is not None:
        where.append("a.student_id = :student_id")
        params["student_id"] = query.student_id
    if query.after is not None:
        where.append("(a.updated_at, a.id) > (:after_at, :after_id)")  # a row comparison: an index range
        params["after_at"], params["after_id"] = query.after
    return " AND ".join(where), params


#: Inserts the response's disclosure row: the awards of `listed` in the order sent, each
#: beside its student (none for an empty page), as `service.disclose_awards` does.
_LOGGED = """logged AS (
  INSERT INTO award_disclosures (at, party_type, party_id, party_label, how, basis, interest, award_ids, student_ids)
  SELECT :now, 'api_client', :party_id, :party_label, :how, :basis, :interest,
         array_agg(id ORDER BY updated_at, id), array_agg(student_id ORDER BY updated_at, id)
  FROM listed HAVING count(*) > 0
  RETURNING 1
)"""

_JOINS = """JOIN people s ON s.id = a.student_id JOIN credit_rules r ON r.id = a.rule_id
LEFT JOIN people ap ON ap.id = a.approved_by_id"""


#: Each award's experiences (`x`) and trail (`t`).
_PAGE_JOINS = f"{_EXPERIENCES_OF} {_TRAIL_OF}"


def _statement_params(client: ApiClient, how: str) -> dict[str, Any]:
    """The disclosure rows' values, and the format of the kept documents a statement may use."""
    return {
        "format": DOCUMENT_FORMAT,
        "now": utcnow(),
        "party_id": client.client_id[:64],
        "party_label": f"{client.name} (registrar API client)"[:200],
        "how": how,
        "basis": SCHOOL_OFFICIAL,
        "interest": API_INTEREST[:300],
    }


def _kept_page(where: str, column: str, limit: str) -> str:
    """The keyset page's awards (their keys and student), each with its kept `doc` or `csv` as
    `kept`: NULL when missing or of another format (tested outside the join, whose estimate must
    not rest on the format's statistics, stale until a new format has been analysed)."""
    return (
        f"SELECT a.id, a.updated_at, a.student_id, CASE WHEN d.format = :format THEN d.{column} END AS kept"  # noqa: S608
        " FROM credit_awards a LEFT JOIN award_documents d ON d.award_id = a.id"
        f" WHERE {where} ORDER BY a.updated_at, a.id LIMIT {limit}"
    )


def _kept_or_built(value: str) -> str:
    """`listed`'s (updated_at, id, text): the kept texts, and `value` built for the awards without
    one. A union, not a join: the planner cannot know how many are missing, and a join it
    expects to be tiny, met with a thousand rows, repeats the built side for every award."""
    return (
        "SELECT updated_at, id, kept AS text FROM listed WHERE kept IS NOT NULL UNION ALL"  # noqa: S608
        f" SELECT a.updated_at, a.id, {value} FROM listed l JOIN credit_awards a ON a.id = l.id {_JOINS} {_PAGE_JOINS}"
        " WHERE l.kept IS NULL"
    )


def _page_statement(where: str) -> str:
    return f"""WITH page AS ({_kept_page(where, "doc", ":limit + 1")}),
listed AS (SELECT * FROM page ORDER BY updated_at, id LIMIT :limit), {_LOGGED}
SELECT (SELECT '[' || coalesce(string_agg(text, ',' ORDER BY updated_at, id), '') || ']'
        FROM ({_kept_or_built(_object(AWARD_FIELDS))}) AS docs) AS data,
       (SELECT count(*) FROM page) AS matched,
       (SELECT updated_at FROM listed ORDER BY updated_at DESC, id DESC LIMIT 1) AS last_at,
       (SELECT id FROM listed ORDER BY updated_at DESC, id DESC LIMIT 1) AS last_id,
       (SELECT count(*) FROM logged) AS logged"""  # noqa: S608 (constants; every value is bound)


_NON_ASCII = re.compile(r"[^\x00-\x7e]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}"


def ascii_json(text: str) -> str:
    """Escape what `json.dumps(ensure_ascii=True)` escapes and PostgreSQL leaves as it is."""
    return _NON_ASCII.sub(_escape, text) if not text.isascii() or "\x7f" in text else text


def page_body(
    session: Session, query: feed.FeedQuery, horizon: datetime, client: ApiClient, cursor_for: Any
) -> list[bytes]:
    """The page's whole JSON body (`{"data":[…],"next_cursor":…}` and a newline), disclosures written,
    in three pieces for the WSGI server to send as they are: a 1,000-award page is about 1 MB,
    and joining it into one string copied it four times.

    `cursor_for(updated_at, id)` makes the next cursor from the page's last award.
    """
    where, params = _filters(query, horizon)
    stmt = sa.text(_page_statement(where)).columns(
        sa.column("data", sa.Text),
        sa.column("matched", sa.Integer),
        sa.column("last_at", UTCDateTime()),
        sa.column("last_id", sa.Integer),
        sa.column("logged", sa.Integer),
    )
    bind = {**params, **_statement_params(client, "read"), "limit": query.limit}
    row = session.execute(stmt.bindparams(*_typed(params)), bind).one()
    cursor = cursor_for(row.last_at, row.last_id) if row.matched > query.limit else None
    nxt = "null" if cursor is None else f'"{cursor}"'  # itsdangerous cursors are URL-safe ASCII
    return [b'{"data":', ascii_json(row.data).encode("ascii"), f',"next_cursor":{nxt}}}\n'.encode("ascii")]


def _typed(params: dict[str, Any]) -> list[sa.BindParameter[Any]]:
    """The time parameters bound as timestamptz (UTC), like the ORM binds them."""
    names = [n for n in ("horizon", "since", "after_at") if n in params]
    return [sa.bindparam(n, type_=UTCDateTime()) for n in names] + [sa.bindparam("now", type_=UTCDateTime())]


# -- CSV ----------------------------------------------------------------------------------


def _cell(expr: str, *, safe: bool = False) -> str:
    """A text cell quoted as csv.QUOTE_MINIMAL quotes it; `safe` guards against formulas
    as `schemas._csv_safe` does. NULL becomes an empty cell."""
    value = f"coalesce({expr}, '')"
    if safe:
        value = (
            f"(CASE WHEN left({value}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) THEN '''' ELSE '' END || {value})"
        )
    return (
        f"(CASE WHEN {value} ~ ('[\",' || chr(13) || chr(10) || ']') "
        f"THEN '\"' || replace({value}, '\"', '\"\"') || '\"' ELSE {value} END)"
    )


#: One SQL cell per `schemas.CSV_COLUMNS` entry, in that order.
CSV_FIELDS = {
    "id": "a.id::text",
    "student_campus_id": _cell("s.campus_id"),
    "student_name": _cell("s.display_name", safe=True),
    "student_email": _cell("s.email"),
    "course_subject": _cell("r.course_subject"),
    "course_number": _cell("r.course_number"),
    "course_title": _cell("r.course_title", safe=True),
    "credits": "a.credits::numeric(14, 2)::text",
    "grading_basis": _cell("a.grading_basis"),
    "term": _cell("a.term"),
    "rule_code": _cell("r.code"),
    "rule_version": "r.version::text",
    "experience_ids": "coalesce(x.ids, '')",
    "experience_hours": "coalesce(x.hours, 0)::numeric(14, 2)::text",
    "approved_by": _cell("ap.display_name", safe=True),
    "approved_at": "to_char(a.approved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
    # `schemas.approvals_summary`: "Step: decision by Name (for Name) 2026-…Z; …"
    "approvals": _cell("t.summary", safe=True),
    "status": _cell("a.status"),
    "sis_reference": _cell("a.sis_reference", safe=True),
    "posted_at": "coalesce(to_char(a.posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), '')",
    "updated_at": "to_char(a.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
}
assert list(CSV_FIELDS) == CSV_COLUMNS, "CSV_FIELDS must follow schemas.CSV_COLUMNS"

#: COPY's text format escapes these in a value; a real newline ends a row.
_COPY_TEXT = re.compile(r"\\[\\nrtbfv]|\n")
_UNESCAPE = {"\\\\": "\\", "\\n": "\n", "\\r": "\r", "\\t": "\t", "\\b": "\b", "\\f": "\f", "\\v": "\v", "\n": "\r\n"}


_CSV_LINE = " || ',' || ".join(CSV_FIELDS.values())
_BUILT = f"SELECT a.id, {_object(AWARD_FIELDS)} AS doc, {_CSV_LINE} AS csv FROM shown a {_JOINS} {_PAGE_JOINS}"  # noqa: S608


def _csv_statement(where: str) -> str:
    return f"""COPY (WITH listed AS ({_kept_page(where, "csv", ":batch")}), {_LOGGED}
SELECT text FROM ({_kept_or_built(_CSV_LINE)}) AS lines ORDER BY updated_at, id) TO STDOUT"""  # noqa: S608 (as above)


def _copy_params(params: dict[str, Any], client: ApiClient) -> dict[str, Any]:
    out = {**params, **_statement_params(client, "exported")}
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in out.items()}


def _psycopg_params(sql: str) -> str:
    """`:name` binds (as `sa.text` reads them) in psycopg's `%(name)s` style."""
    return re.sub(r"(?<![:\w\\]):(\w+)(?!:)", r"%(\1)s", sql)


def stream_csv(session: Session, query: feed.FeedQuery, horizon: datetime, client_pk: int) -> Iterator[str]:
    """The header, then each batch of matching awards as CSV text read through COPY.

    Each batch's disclosure rows are written by its COPY statement and committed before the
    text is yielded (see `csv_export`'s docstring for why the stream commits).
    """
    yield ",".join(CSV_COLUMNS) + "\r\n"
    batch = csv_export.CSV_BATCH  # the ORM path's batch: the same disclosure rows per batch
    while True:
        client = session.get(ApiClient, client_pk)
        assert client is not None
        where, params = _filters(query, horizon)
        conn = session.connection().connection.driver_connection
        with (
            conn.cursor() as cur,
            cur.copy(_psycopg_params(_csv_statement(where)), {**_copy_params(params, client), "batch": batch}) as copy,
        ):
            text = b"".join(bytes(block) for block in copy).decode()
        session.commit()  # outside the request's boundary: see csv_export's docstring
        if not text:
            return
        rows = text.count("\n")
        last = text.rstrip("\n").rsplit("\n", 1)[-1]
        query = replace(query, after=(feed.parse_rfc3339(last.rsplit(",", 1)[1]), int(last.split(",", 1)[0])))
        yield _COPY_TEXT.sub(lambda m: _UNESCAPE[m.group()], text) if "\\" in text else text.replace("\n", "\r\n")
        if rows < batch:
            return


def documents_built(shown: str) -> str:
    """A statement's head: `shown` (SQL selecting award rows) and `built` (`id`, `doc`, `csv`):
    each award's JSON object and CSV line, as the pages above build them (`registrar.documents`
    keeps them)."""
    return f"WITH shown AS ({shown}), built AS ({_BUILT})"  # noqa: S608 (constants)


#: Names the SQL that builds a document: kept documents of another format are not used.
DOCUMENT_FORMAT = hashlib.sha256(documents_built("").encode()).hexdigest()[:16]
