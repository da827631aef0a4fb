"""The JSON API and CSV: award shape, paging, filters, problem+json errors, posting, disclosures."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.audit.export import export_student
from careercenter.audit.models import AuditEvent, AwardDisclosure, Disclosure
from careercenter.audit.service import SCHOOL_OFFICIAL, disclosures_for
from careercenter.credits.models import AwardStatus, CreditAward
from careercenter.db import utcnow

RFC3339_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")


@pytest.fixture()
def read(bearer: Any) -> dict[str, str]:
    return bearer("credits:read")


@pytest.fixture()
def write(bearer: Any) -> dict[str, str]:
    return bearer("credits:read credits:write")


def _disclosures(session: Any, student_id: int) -> list[Disclosure]:
    return disclosures_for(session, student_id)


def _all_pages(client: Any, headers: dict[str, str], path: str = "/api/v1/credit-awards", **params: Any) -> list[Any]:
    seen, cursor = [], None
    while True:
        query = dict(params, **({"cursor": cursor} if cursor else {}))
        response = client.get(path, query_string=query, headers=headers)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        seen.extend(body["data"])
        cursor = body["next_cursor"]
        if cursor is None:
            return seen


def test_award_json_is_exactly_as_documented(
    client: Any, read: dict[str, str], make_award: Any, make_student: Any
) -> None:
    student = make_student(name="Maya Okafor", email="maya@students.example.edu", campus_id="S1001")
    award = make_award(student, credits=Decimal("1.5"), hours=("20", "25.5"))
    response = client.get(f"/api/v1/credit-awards/{award.id}", headers=read)
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {
        "id",
        "student",
        "course",
        "credits",
        "grading_basis",
        "term",
        "rule",
        "experiences",
        "approved_by",
        "approved_at",
        "approvals",
        "status",
        "sis_reference",
        "posted_at",
        "updated_at",
    }
    assert body["approvals"] == []  # made directly, not through a route (see tests/credits/test_routes_api.py)
    assert body["student"] == {"campus_id": "S1001", "name": "Maya Okafor", "email": "maya@students.example.edu"}
    assert body["course"] == {"subject": "INTR", "number": "295", "title": "Micro-internship Practicum"}
    assert body["credits"] == "1.50"
    assert body["grading_basis"] == "P/NP" and body["term"] == "2026FA"
    assert body["rule"] == {"code": "INTR295", "version": 1}
    assert [e["hours"] for e in body["experiences"]] == ["20.00", "25.50"]
    assert set(body["experiences"][0]) == {
        "id",
        "employer",
        "title",
        "hours",
        "start_date",
        "end_date",
        "verified_at",
        "statements_of_disagreement",
    }
    assert body["experiences"][0]["statements_of_disagreement"] == []
    assert re.match(r"^\d{4}-\d{2}-\d{2}$", body["experiences"][0]["start_date"])
    assert body["approved_by"] == "Dana Whitfield"
    assert body["status"] == "pending" and body["sis_reference"] is None and body["posted_at"] is None
    for key in ("approved_at", "updated_at"):
        assert RFC3339_Z.match(body[key]), body[key]
    assert RFC3339_Z.match(body["experiences"][0]["verified_at"])


def test_unknown_award_is_problem_404(client: Any, read: dict[str, str]) -> None:
    response = client.get("/api/v1/credit-awards/999999", headers=read)
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert response.get_json()["detail"] == "No credit award has id 999999."
    # Beyond the id column's range (found by schemathesis: PostgreSQL refused the comparison).
    assert client.get(f"/api/v1/credit-awards/{2**60}", headers=read).status_code == 404


def test_paging_visits_every_award_once_in_order(client: Any, read: dict[str, str], make_award: Any) -> None:
    awards = [make_award() for _ in range(5)]
    first = client.get("/api/v1/credit-awards", query_string={"limit": 2}, headers=read).get_json()
    assert len(first["data"]) == 2 and first["next_cursor"]
    seen = _all_pages(client, read, limit=2)
    assert [a["id"] for a in seen] == [a.id for a in awards]
    keys = [(a["updated_at"], a["id"]) for a in seen]
    assert keys == sorted(keys)
    # A limit that fits everything: one page, no cursor.
    whole = client.get("/api/v1/credit-awards", query_string={"limit": 5}, headers=read).get_json()
    assert len(whole["data"]) == 5 and whole["next_cursor"] is None


def test_filters(client: Any, read: dict[str, str], make_award: Any, session: Any) -> None:
    old = make_award(term="2026SP")
    posted = make_award(status=AwardStatus.POSTED)
    fresh = make_award()
    assert [a["id"] for a in _all_pages(client, read, status="posted")] == [posted.id]
    assert [a["id"] for a in _all_pages(client, read, term="2026SP")] == [old.id]
    since = client.get(f"/api/v1/credit-awards/{fresh.id}", headers=read).get_json()["updated_at"]
    # updated_since is inclusive: the award changed exactly then is included.
    assert [a["id"] for a in _all_pages(client, read, updated_since=since)] == [fresh.id]
    later = (utcnow() + timedelta(hours=1)).isoformat()
    assert _all_pages(client, read, updated_since=later) == []


def test_student_listing(client: Any, read: dict[str, str], make_award: Any, make_student: Any) -> None:
    student = make_student(campus_id="S2001")
    mine = [make_award(student), make_award(student)]
    make_award()  # someone else's
    seen = _all_pages(client, read, "/api/v1/students/S2001/credit-awards", limit=1)
    assert [a["id"] for a in seen] == [a.id for a in mine]
    missing = client.get("/api/v1/students/NOPE/credit-awards", headers=read)
    assert missing.status_code == 404 and "NOPE" in missing.get_json()["detail"]
    assert client.get("/api/v1/students/S%00/credit-awards", headers=read).status_code == 404


@pytest.mark.parametrize(
    ("params", "name", "words"),
    [
        ({"status": "approved"}, "status", "Unknown status"),
        ({"limit": "0"}, "limit", "1 to 1000"),
        ({"limit": "1001"}, "limit", "1 to 1000"),
        ({"limit": "ten"}, "limit", "1 to 1000"),
        ({"updated_since": "2026-09-01T00:00:00"}, "updated_since", "RFC 3339"),
        ({"updated_since": "yesterday"}, "updated_since", "RFC 3339"),
        ({"updated_since": "2026-13-01T00:00:00Z"}, "updated_since", "RFC 3339"),
        ({"cursor": "not-a-cursor"}, "cursor", "not issued by this server"),
        ({"term": "x" * 21}, "term", "1 to 20"),
        ({"term": "2026\x00FA"}, "term", "control characters"),
    ],
)
def test_bad_parameters_are_422(
    client: Any, read: dict[str, str], params: dict[str, str], name: str, words: str
) -> None:
    response = client.get("/api/v1/credit-awards", query_string=params, headers=read)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 422 and body["title"]
    [entry] = body["invalid-params"]
    assert entry["name"] == name and words in entry["reason"]


def test_several_bad_parameters_are_named_together(client: Any, read: dict[str, str]) -> None:
    body = client.get("/api/v1/credit-awards", query_string={"status": "x", "limit": "0"}, headers=read).get_json()
    assert {p["name"] for p in body["invalid-params"]} == {"status", "limit"}


def test_forged_and_foreign_cursors_are_422(
    client: Any, read: dict[str, str], make_award: Any, make_student: Any
) -> None:
    student = make_student(campus_id="S3001")
    for _ in range(3):
        make_award(student)
    cursor = client.get("/api/v1/credit-awards", query_string={"limit": 1}, headers=read).get_json()["next_cursor"]
    # Tampered: one character changed in the payload.
    tampered = ("A" if cursor[0] != "A" else "B") + cursor[1:]
    r = client.get("/api/v1/credit-awards", query_string={"cursor": tampered}, headers=read)
    assert r.status_code == 422 and "not issued by this server" in r.get_json()["invalid-params"][0]["reason"]
    # Same server, other filters: refused rather than silently paging a different listing.
    r = client.get("/api/v1/credit-awards", query_string={"cursor": cursor, "status": "posted"}, headers=read)
    assert (
        r.status_code == 422 and "different listing or different filters" in r.get_json()["invalid-params"][0]["reason"]
    )
    r = client.get("/api/v1/students/S3001/credit-awards", query_string={"cursor": cursor}, headers=read)
    assert r.status_code == 422
    # Signed with another server's key.
    from careercenter.registrar import feed

    query, _ = feed.parse_feed_args({})
    award = make_award()
    foreign = feed.make_cursor("another-server-secret-key-" + "y" * 20, query, "awards", award)
    r = client.get("/api/v1/credit-awards", query_string={"cursor": foreign}, headers=read)
    assert r.status_code == 422


def test_reads_write_disclosures_naming_the_client(
    client: Any, session: Any, make_api_client: Any, get_token: Any, make_award: Any
) -> None:
    made = make_api_client("credits:read", name="Banner nightly sync")
    headers = {"Authorization": f"Bearer {get_token(made)['access_token']}"}
    award = make_award()
    other = make_award()
    assert client.get("/api/v1/credit-awards", headers=headers).status_code == 200
    assert client.get(f"/api/v1/credit-awards/{award.id}", headers=headers).status_code == 200
    entries = _disclosures(session, award.student_id)
    assert len(entries) == 2
    for entry in entries:
        assert entry.party_type == "api_client" and entry.party_id == made.client.client_id
        assert "Banner nightly sync" in entry.party_label
        assert f"#{award.id}" in entry.records
    assert len(_disclosures(session, other.student_id)) == 1
    # A failed read discloses nothing.
    client.get("/api/v1/credit-awards", query_string={"limit": "0"}, headers=headers)
    assert len(_disclosures(session, award.student_id)) == 2


def test_a_students_log_and_export_name_only_their_own_awards_of_a_page(
    client: Any, session: Any, login: Any, make_api_client: Any, get_token: Any, make_award: Any, make_student: Any
) -> None:
    made = make_api_client("credits:read", name="Banner nightly sync")
    headers = {"Authorization": f"Bearer {get_token(made)['access_token']}"}
    mine, theirs = make_student(), make_student()
    first, other, second = make_award(mine), make_award(theirs), make_award(mine)
    assert len(client.get("/api/v1/credit-awards", headers=headers).get_json()["data"]) == 3
    (row,) = session.execute(sa.select(AwardDisclosure)).scalars()  # one row for the response
    assert row.award_ids == [first.id, other.id, second.id] and row.student_ids == [mine.id, theirs.id, mine.id]
    (entry,) = disclosures_for(session, mine.id)
    assert entry.records == f"credit awards #{first.id}, #{second.id} (read through the registrar API)"
    assert entry.party_label == "Banner nightly sync (registrar API client)" and entry.basis == SCHOOL_OFFICIAL
    (their_entry,) = disclosures_for(session, theirs.id)
    assert their_entry.records == f"credit award #{other.id} (read through the registrar API)"
    document = export_student(session, mine)
    assert [d["records"] for d in document["disclosures"]] == [entry.records]
    assert all(f"#{other.id}" not in d["records"] for d in document["disclosures"])
    login(mine)
    page = client.get("/me/disclosures").get_data(as_text=True)
    assert f"#{first.id}, #{second.id}" in page and f"#{other.id} " not in page and "Banner nightly sync" in page


# -- posting --------------------------------------------------------------------------------


def _post(client: Any, headers: dict[str, str], award_id: int, **body: Any) -> Any:
    return client.post(f"/api/v1/credit-awards/{award_id}/posting", json=body, headers=headers)


def test_posting_moves_the_award_and_is_idempotent(
    client: Any, session: Any, write: dict[str, str], make_award: Any
) -> None:
    award = make_award()
    before = client.get(f"/api/v1/credit-awards/{award.id}", headers=write).get_json()["updated_at"]
    first = _post(client, write, award.id, status="posted", sis_reference="BANNER-2026FA-0042", note="Posted")
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    assert body["status"] == "posted" and body["sis_reference"] == "BANNER-2026FA-0042"
    assert RFC3339_Z.match(body["posted_at"]) and body["updated_at"] > before
    session.expire_all()
    stored = session.get(CreditAward, award.id)
    assert stored.status is AwardStatus.POSTED and stored.posting_note == "Posted"
    events = list(
        session.execute(
            sa.select(AuditEvent).where(
                AuditEvent.subject_type == "credit_awards", AuditEvent.subject_id == str(award.id)
            )
        ).scalars()
    )
    assert [(e.action, e.actor_type) for e in events] == [("award.posted", "api_client")]
    assert events[0].data["sis_reference"] == "BANNER-2026FA-0042"
    # The same body again: 200, the same result, nothing new recorded.
    again = _post(client, write, award.id, status="posted", sis_reference="BANNER-2026FA-0042", note="Posted")
    assert again.status_code == 200 and again.get_json() == body
    assert (
        session.execute(
            sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.subject_type == "credit_awards")
        ).scalar_one()
        == 1
    )
    # A different posting conflicts.
    other = _post(client, write, award.id, status="posted", sis_reference="BANNER-OTHER")
    assert other.status_code == 409 and other.mimetype == "application/problem+json"
    assert "BANNER-2026FA-0042" in other.get_json()["detail"]
    rejected = _post(client, write, award.id, status="rejected_by_registrar", note="Duplicate")
    assert rejected.status_code == 409
    session.expire_all()
    assert session.get(CreditAward, award.id).sis_reference == "BANNER-2026FA-0042"


def test_posted_award_shows_as_posted_in_the_feed(client: Any, write: dict[str, str], make_award: Any) -> None:
    award = make_award()
    _post(client, write, award.id, status="posted", sis_reference="PS-1")
    [seen] = _all_pages(client, write, status="posted")
    assert seen["id"] == award.id and seen["sis_reference"] == "PS-1"


def test_rejection_needs_a_note_and_is_recorded(
    client: Any, session: Any, write: dict[str, str], make_award: Any
) -> None:
    award = make_award()
    no_note = _post(client, write, award.id, status="rejected_by_registrar")
    assert no_note.status_code == 422 and no_note.get_json()["invalid-params"][0]["name"] == "note"
    ok = _post(client, write, award.id, status="rejected_by_registrar", note="Course INTR 295 closed for 2026FA")
    assert ok.status_code == 200 and ok.get_json()["status"] == "rejected_by_registrar"
    session.expire_all()
    assert session.get(CreditAward, award.id).posting_note == "Course INTR 295 closed for 2026FA"


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ({"status": "posted"}, "sis_reference"),
        ({"status": "posted", "sis_reference": "   "}, "sis_reference"),
        ({"status": "rescinded", "sis_reference": "X"}, "status"),
        ({"status": "posted", "sis_reference": "X", "extra": 1}, "body"),
        ({"status": "posted", "sis_reference": 42}, "sis_reference"),
        ({"status": "posted", "sis_reference": "X" * 121}, "sis_reference"),
        (["posted"], "body"),
    ],
)
def test_bad_postings_are_422_and_change_nothing(
    client: Any, session: Any, write: dict[str, str], make_award: Any, body: Any, name: str
) -> None:
    award = make_award()
    response = client.post(f"/api/v1/credit-awards/{award.id}/posting", json=body, headers=write)
    assert response.status_code == 422
    assert name in {p["name"] for p in response.get_json()["invalid-params"]}
    session.expire_all()
    assert session.get(CreditAward, award.id).status is AwardStatus.PENDING


def test_posting_needs_json(client: Any, write: dict[str, str], make_award: Any) -> None:
    award = make_award()
    response = client.post(f"/api/v1/credit-awards/{award.id}/posting", data="status=posted", headers=write)
    assert response.status_code == 415 and "application/json" in response.get_json()["detail"]  # issue 16: 415


def test_posting_rescinded_or_missing_award(client: Any, write: dict[str, str], make_award: Any) -> None:
    award = make_award(status=AwardStatus.RESCINDED)
    response = _post(client, write, award.id, status="posted", sis_reference="X")
    assert response.status_code == 409 and "rescinded" in response.get_json()["detail"]
    assert _post(client, write, 999999, status="posted", sis_reference="X").status_code == 404


# -- CSV ------------------------------------------------------------------------------------


def test_csv_streams_every_matching_award(
    client: Any, session: Any, read: dict[str, str], make_award: Any, make_student: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from careercenter.registrar import csv_export

    monkeypatch.setattr(csv_export, "CSV_BATCH", 2)  # several batches
    student = make_student(name='=HYPERLINK("http://evil")', campus_id="S4001")
    awards = [make_award(student) for _ in range(3)] + [make_award(status=AwardStatus.POSTED)]
    ids, student_id = [a.id for a in awards], student.id
    response = client.get("/api/v1/credit-awards.csv", query_string={"status": "pending"}, headers=read)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.is_streamed
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [int(r["id"]) for r in rows] == ids[:3]
    assert rows[0]["credits"] == "1.50" and rows[0]["experience_hours"] == "45.50"
    assert rows[0]["student_name"].startswith("'=")  # no formula in a spreadsheet
    assert rows[0]["student_campus_id"] == "S4001" and rows[0]["course_subject"] == "INTR"
    assert len(_disclosures(session, student_id)) == 2  # one per batch that held the student's awards


def test_csv_rejects_bad_filters(client: Any, read: dict[str, str]) -> None:
    response = client.get("/api/v1/credit-awards.csv", query_string={"status": "nope"}, headers=read)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"


# -- the SQLite settle window ---------------------------------------------------------------


@pytest.mark.sqlite_only
def test_sqlite_serves_only_settled_changes(
    app: Any, client: Any, read: dict[str, str], make_award: Any, monkeypatch: pytest.MonkeyPatch, is_postgres: bool
) -> None:
    assert not is_postgres, "PostgreSQL uses the open-transaction horizon (test_feed_postgres.py)"
    from careercenter.registrar import feed

    monkeypatch.setitem(app.config, "REGISTRAR_SQLITE_SETTLE_SECONDS", 30)
    award = make_award()
    assert client.get("/api/v1/credit-awards", headers=read).get_json()["data"] == []
    monkeypatch.setattr(feed, "utcnow", lambda: award.updated_at + timedelta(seconds=31))
    assert [a["id"] for a in client.get("/api/v1/credit-awards", headers=read).get_json()["data"]] == [award.id]


def test_page_queries_do_not_grow_with_the_page(app: Any, client: Any, read: dict[str, str], make_award: Any) -> None:
    from careercenter.extensions import db

    for _ in range(8):
        make_award()
    selects: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    def selects_for(limit: int) -> int:
        selects.clear()
        assert client.get("/api/v1/credit-awards", query_string={"limit": limit}, headers=read).status_code == 200
        return len(selects)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        small, large = selects_for(2), selects_for(8)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert small == large
    assert large <= 9
