"""The award feed built by PostgreSQL (`registrar/feed_sql.py`) answers byte-for-byte what the
ORM path answers for the same data — JSON pages, the student listing and the CSV export — and
writes the same disclosure rows. Each test asks the same request twice, once with the SQL path
switched off (the ORM, as SQLite serves it), and compares the bytes.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.audit.models import AwardDisclosure
from careercenter.audit.service import disclosures_for
from careercenter.credits.models import AwardStatus
from careercenter.db import utcnow
from careercenter.internships.models import ExperienceState
from careercenter.registrar import csv_export, feed_sql, service

#: Names that exercise escaping: non-ASCII (BMP and astral), quotes, commas, newlines, tabs,
#: backslashes, DEL, a control character, and a formula for a spreadsheet.
AWKWARD = [
    'Zoë "Zed" O\'Brien, Jr.',
    "Line\nbreak\r\nand\ttab \\ back",
    '=HYPERLINK("http://evil")',
    "Emoji 🎓 and 中文 and del\x7f and bell\x07",
    "-minus",
    "plain",
]


@pytest.fixture()
def awards(make_award: Any, make_student: Any, make_experience: Any, session: Any) -> list[Any]:
    made = []
    for n, name in enumerate(AWKWARD):
        student = make_student(name=name, email=f"s{n}@example.edu", campus_id=f"S9{n:03d}")
        made.append(make_award(student, approved_by=AWKWARD[-1 - n], title=f"Course, {name}"))
        made.append(make_award(student, hours=("0.5",), credits=Decimal("3"), term="2027SP"))
    # three experiences on the same day (order: start date, then id); one without verified hours
    student = make_student(name="Same Day")
    same = [
        make_experience(student, state=ExperienceState.VERIFIED, hours=Decimal(h), verified_hours=v)
        for h, v in (("4", None), ("6.25", Decimal("6")), ("1", Decimal("1")))
    ]
    made.append(make_award(student, same, status=AwardStatus.POSTED))
    made[-1].sis_reference = '+SIS "ref", 1'
    made[-1].posted_at = utcnow()
    made.append(make_award(student, status=AwardStatus.REJECTED_BY_REGISTRAR))
    _trail_and_statement(session, made[0], make_student)
    session.commit()
    return made


def _trail_and_statement(session: Any, award: Any, make_student: Any) -> None:
    """A returned first pass and a two-step second pass (one step decided by a delegate), and a
    statement of disagreement on one of the award's records: what both paths must write alike."""
    from careercenter.amendments.models import AmendmentRequest, AmendmentState
    from careercenter.credits.approval_models import ApprovalDecision, StepDecision

    dana, raj = make_student(name='Dana "D" Whitfield'), make_student(name="Raj Patel")
    at = utcnow()
    steps = [
        (1, 0, "Advisor review", StepDecision.RETURNED, dana, None),
        (2, 0, "Advisor review", StepDecision.APPROVED, dana, raj),
        (2, 1, "Registrar check, final", StepDecision.APPROVED, None, None),
    ]
    for pass_no, index, label, decision, by, behalf in steps:
        session.add(
            ApprovalDecision(
                request_id=award.request_id,
                pass_no=pass_no,
                step_index=index,
                step_label=label,
                decision=decision,
                decided_by_id=by.id if by else None,
                on_behalf_of_id=behalf.id if behalf else None,
                decided_at=at,
            )
        )
    experience = award.request.experiences[0]
    # two statements on one record, the later one added first: both paths list the oldest first
    for statement, statement_at in (
        ('I worked 22 hours; "see" my timesheet.', at),
        ("Earlier: the dates are wrong — début in May.", at - timedelta(days=3)),
    ):
        session.add(
            AmendmentRequest(
                student_id=award.student_id,
                experience_id=experience.id,
                what_is_wrong="The hours",
                should_say="22 hours",
                state=AmendmentState.DENIED,
                due_on=at.date(),
                decided_at=at,
                decision_reason="The supervisor confirmed 20.",
                statement=statement,
                statement_at=statement_at,
            )
        )


def _both(client: Any, monkeypatch: pytest.MonkeyPatch, path: str, **kw: Any) -> tuple[bytes, bytes]:
    answers = []
    for sql in (False, True):
        monkeypatch.setattr(feed_sql, "enabled", lambda session, sql=sql: sql)
        response = client.get(path, **kw)
        assert response.status_code == 200, response.data
        answers.append(response.get_data())
    return answers[0], answers[1]


def _disclosures(session: Any) -> list[tuple[Any, ...]]:
    """The responses' disclosure rows, oldest first."""
    rows = session.execute(
        sa.select(
            AwardDisclosure.party_type,
            AwardDisclosure.party_id,
            AwardDisclosure.party_label,
            AwardDisclosure.how,
            AwardDisclosure.basis,
            AwardDisclosure.interest,
            AwardDisclosure.award_ids,
            AwardDisclosure.student_ids,
        ).order_by(AwardDisclosure.id)
    ).all()
    return [tuple(r) for r in rows]


pg = pytest.mark.postgres_only


@pytest.fixture()
def read(bearer: Any) -> dict[str, str]:
    return bearer("credits:read")


@pg
def test_sql_pages_are_byte_for_byte_the_orm_pages(
    client: Any, session: Any, read: dict[str, str], awards: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    cursor = {}
    pages = 0
    while True:
        orm, sql = _both(
            client, monkeypatch, "/api/v1/credit-awards", query_string={"limit": 3, **cursor}, headers=read
        )
        assert sql == orm
        pages += 1
        body = json.loads(sql)
        if body["next_cursor"] is None:
            break
        cursor = {"cursor": body["next_cursor"]}
    assert pages == 5  # 14 awards, 3 a page
    for query in ({"status": "pending", "limit": 100}, {"term": "2027SP"}, {"limit": 1000}):
        orm, sql = _both(client, monkeypatch, "/api/v1/credit-awards", query_string=query, headers=read)
        assert sql == orm, query
    assert len(json.loads(sql)["data"]) == len(awards)
    # what was escaped: non-ASCII (an astral character as a surrogate pair), DEL, controls, quotes
    for escaped in (rb"\u00eb", rb"\ud83c\udf93", rb"\u007f", rb"\u0007", rb"\n", rb"\t", rb"\"", rb"\\"):
        assert escaped in sql, escaped
    # the approvals trail (the last pass only, in route order) and a statement of disagreement
    trail = next(a["approvals"] for a in json.loads(sql)["data"] if a["approvals"])
    assert [(t["step"], t["decision"], t["on_behalf_of"]) for t in trail] == [
        ("Advisor review", "approved", "Raj Patel"),
        ("Registrar check, final", "approved", None),
    ]
    statements = next(
        e["statements_of_disagreement"]
        for a in json.loads(sql)["data"]
        for e in a["experiences"]
        if e["statements_of_disagreement"]
    )
    assert [s["statement"][:8] for s in statements] == ["Earlier:", "I worked"]  # the oldest first


@pg
def test_sql_student_listing_and_disclosures_match(
    client: Any, session: Any, read: dict[str, str], awards: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = f"/api/v1/students/{awards[0].student.campus_id}/credit-awards"
    session.execute(sa.delete(AwardDisclosure))
    session.commit()
    monkeypatch.setattr(feed_sql, "enabled", lambda session: False)
    orm = client.get("/api/v1/credit-awards", headers=read).get_data()
    orm_rows = _disclosures(session)
    session.execute(sa.delete(AwardDisclosure))
    session.commit()
    monkeypatch.setattr(feed_sql, "enabled", lambda session: True)
    sql = client.get("/api/v1/credit-awards", headers=read).get_data()
    assert sql == orm
    assert _disclosures(session) == orm_rows  # the same row
    (row,) = orm_rows  # one per response, naming every award sent and its student
    assert row[6] == [a["id"] for a in json.loads(sql)["data"]]
    assert len(set(row[7])) == len(AWKWARD) + 1 and row[3] == "read"
    (entry,) = disclosures_for(session, awards[0].student_id)  # the student's own awards, and no other
    own = [i for i, s in zip(row[6], row[7], strict=True) if s == awards[0].student_id]
    assert entry.records == f"credit awards #{own[0]}, #{own[1]} (read through the registrar API)"
    orm, sql = _both(client, monkeypatch, path, headers=read)
    assert sql == orm and len(json.loads(sql)["data"]) == 2


@pg
def test_sql_csv_is_byte_for_byte_the_orm_csv(
    client: Any, session: Any, read: dict[str, str], awards: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_export, "CSV_BATCH", 4)  # several batches, one a partial one
    session.execute(sa.delete(AwardDisclosure))
    session.commit()
    monkeypatch.setattr(feed_sql, "enabled", lambda session: False)
    orm = client.get("/api/v1/credit-awards.csv", headers=read).get_data()
    orm_rows = _disclosures(session)
    session.execute(sa.delete(AwardDisclosure))
    session.commit()
    monkeypatch.setattr(feed_sql, "enabled", lambda session: True)
    sql = client.get("/api/v1/credit-awards.csv", headers=read).get_data()
    assert sql == orm
    assert _disclosures(session) == orm_rows
    assert len(orm_rows) == -(-len(awards) // 4)  # one per batch
    assert [i for row in orm_rows for i in row[6]] == [int(r["id"]) for r in csv.DictReader(io.StringIO(sql.decode()))]
    assert "Zoë".encode() in sql and b"'=HYPERLINK" in sql and b"'+SIS" in sql and b'"Line\nbreak\r\n' in sql
    for query in ({"status": "posted"}, {"term": "2027SP"}):
        orm, sql = _both(client, monkeypatch, "/api/v1/credit-awards.csv", query_string=query, headers=read)
        assert sql == orm, query


@pg
def test_many_awards_of_one_student_are_disclosed_as_the_orm_words_it(
    client: Any,
    session: Any,
    read: dict[str, str],
    make_award: Any,
    make_student: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    student = make_student()
    for _ in range(23):
        make_award(student, hours=("1",))
    rows = []
    for sql in (False, True):
        session.execute(sa.delete(AwardDisclosure))
        session.commit()
        monkeypatch.setattr(feed_sql, "enabled", lambda session, sql=sql: sql)
        assert client.get("/api/v1/credit-awards", query_string={"limit": 100}, headers=read).status_code == 200
        rows.append(_disclosures(session))
    assert rows[0] == rows[1] and len(rows[0]) == 1 and rows[0][0][7] == [student.id] * 23
    (entry,) = disclosures_for(session, student.id)
    assert entry.records.endswith(" and 3 more (read through the registrar API)")


def test_sqlite_keeps_the_orm_path(app: Any, session: Any, is_postgres: bool) -> None:
    assert feed_sql.enabled(session) is is_postgres
    assert service.API_INTEREST  # the SQL path words disclosures with the service's interest
