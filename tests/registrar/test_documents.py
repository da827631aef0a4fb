"""The award documents PostgreSQL keeps for the registrar API (`registrar/documents.py`): built
when an award is written; cleared by the triggers when anything a document reads changes, and
built again before the writer commits; read by the pages, which build in the statement any that
is missing; filled and checked by `flask registrar build-documents` / `check-documents`.

Beside these, every test on PostgreSQL ends by comparing each kept document with one built then
(`tests/conftest.py`): a write anywhere in the suite that a trigger missed fails its test.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.amendments.models import AmendmentRequest, AmendmentState
from careercenter.audit.models import Disclosure
from careercenter.credits.approval_models import ApprovalDecision, StepDecision
from careercenter.credits.models import AwardStatus, request_experiences
from careercenter.db import utcnow
from careercenter.internships.models import ExperienceState
from careercenter.jobs.models import Job
from careercenter.registrar import documents
from careercenter.sso.models import Person

pg = pytest.mark.postgres_only


@pytest.fixture()
def read(bearer: Any) -> dict[str, str]:
    return bearer("credits:read")


def _kept(session: Any, award_id: int) -> tuple[str | None, str | None]:
    row = session.execute(sa.text("SELECT doc, csv FROM award_documents WHERE award_id = :id"), {"id": award_id}).one()
    return row.doc, row.csv


def _get(client: Any, path: str, headers: dict[str, str]) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.data
    return response.get_data(as_text=True)


@pg
def test_a_written_award_is_kept_as_the_pages_send_it(make_award: Any, session: Any, client: Any, read: Any) -> None:
    awards = [make_award(), make_award(status=AwardStatus.POSTED)]
    for award in awards:
        doc, line = _kept(session, award.id)
        assert doc is not None and doc.startswith('{"approvals":') and f'"id":{award.id},' in doc
        assert line is not None and line.startswith(f"{award.id},")
    json_body = _get(client, "/api/v1/credit-awards", read)
    csv_body = _get(client, "/api/v1/credit-awards.csv", read)
    assert all(_kept(session, a.id)[0] in json_body for a in awards)
    assert all(_kept(session, a.id)[1] + "\r\n" in csv_body for a in awards)
    # the same pages with nothing kept (each document built in the statement): the same bytes
    session.execute(sa.text("UPDATE award_documents SET doc = NULL, csv = NULL"))
    session.commit()
    assert _get(client, "/api/v1/credit-awards", read) == json_body
    assert _get(client, "/api/v1/credit-awards.csv", read) == csv_body


def _decision(session: Any, award: Any, make_student: Any) -> None:
    by = make_student(name="Renamed Decider")
    session.add(
        ApprovalDecision(
            request_id=award.request_id,
            pass_no=9,
            step_index=0,
            step_label="Renamed step",
            decision=StepDecision.APPROVED,
            decided_by_id=by.id,
            decided_at=utcnow(),
        )
    )


def _statement(session: Any, award: Any, make_student: Any) -> None:
    session.add(
        AmendmentRequest(
            student_id=award.student_id,
            experience_id=award.request.experiences[0].id,
            what_is_wrong="The hours",
            should_say="22 hours",
            state=AmendmentState.DENIED,
            due_on=utcnow().date(),
            decided_at=utcnow(),
            decision_reason="Confirmed.",
            statement="Renamed statement of disagreement",
            statement_at=utcnow(),
        )
    )


def _rename(path: str) -> Callable[[Any, Any, Any], None]:
    def change(session: Any, award: Any, make_student: Any) -> None:
        *hops, name = path.split(".")
        target = award
        for hop in hops:
            target = getattr(target, hop)
        setattr(target, name, "Renamed " + name)

    return change


#: Each thing an award's document reads, changed through the app's models.
CHANGES = {
    "the student's name": _rename("student.display_name"),
    "the approver's name": _rename("approved_by.display_name"),
    "an experience's employer": lambda session, award, _make: setattr(
        award.request.experiences[0], "employer", "Renamed employer"
    ),
    "the rule's course title": _rename("rule.course_title"),
    "the award's SIS reference": _rename("sis_reference"),
    "a decision of the last pass": _decision,
    "a statement of disagreement": _statement,
    "the student's name, by an UPDATE through the session": lambda session, award, _make: session.execute(
        sa.update(Person).where(Person.id == award.student_id).values(display_name="Renamed display_name")
    ),
}


@pg
@pytest.mark.parametrize("what", list(CHANGES))
def test_a_change_to_what_a_document_reads_builds_it_again(
    what: str, make_award: Any, make_student: Any, session: Any
) -> None:
    award, other = make_award(), make_award(number="399", title="Another course")
    before, other_before = _kept(session, award.id), _kept(session, other.id)
    assert "Renamed" not in before[0]
    CHANGES[what](session, award, make_student)
    session.commit()
    doc, line = _kept(session, award.id)
    assert doc is not None and "Renamed" in doc and doc != before[0]
    assert line is not None  # (the CSV shows some of these only: it is compared with a fresh one below)
    assert documents.differing(session) == []
    assert _kept(session, other.id) == other_before  # another award's document is left alone


@pg
def test_a_savepoint_rolled_back_after_a_change_leaves_the_commit_building_it(make_award: Any, session: Any) -> None:
    """A savepoint rolled back (a unique key's conflict caught, say) undoes its own writes only:
    the documents cleared before it are still this transaction's to build at its commit."""
    award = make_award()
    award.student.display_name = "Renamed before the savepoint"
    session.flush()  # the trigger clears the award's document
    savepoint = session.begin_nested()
    session.execute(sa.update(Person).where(Person.id == award.student_id).values(program="Undone"))
    savepoint.rollback()
    assert session.info.get(documents._FLAG) is True
    session.commit()
    doc, line = _kept(session, award.id)
    assert doc is not None and "Renamed before the savepoint" in doc and "Undone" not in doc and line is not None
    assert documents.differing(session) == []


def test_a_rollback_of_the_whole_transaction_forgets_what_it_cleared(session: Any) -> None:
    session.commit()
    session.execute(sa.update(Person).where(Person.id == -1).values(display_name="x"))
    assert session.info.get(documents._FLAG) is True
    session.rollback()
    assert documents._FLAG not in session.info


#: Statements through the session: whether each may clear a document (and so makes the commit look).
WRITES = {
    "a person renamed": (lambda: sa.update(Person).where(Person.id == -1).values(display_name="x"), True),
    "a request's experiences": (
        lambda: sa.delete(request_experiences).where(request_experiences.c.request_id == -1),
        True,
    ),
    "a job's lease": (lambda: sa.update(Job).where(Job.id == -1).values(attempts=0), False),
    "a disclosure logged": (lambda: sa.delete(Disclosure).where(Disclosure.id == -1), False),
}


@pytest.mark.parametrize("what", list(WRITES))
def test_only_writes_to_what_documents_read_make_the_commit_look(what: str, session: Any) -> None:
    statement, marks = WRITES[what]
    session.commit()
    assert documents._FLAG not in session.info
    session.execute(statement())
    assert session.info.get(documents._FLAG, False) is marks


@pg
def test_a_new_experience_on_the_request_builds_it_again(make_award: Any, make_experience: Any, session: Any) -> None:
    award = make_award()
    added = make_experience(award.student, state=ExperienceState.VERIFIED, employer="Added Employer")
    award.request.experiences.append(added)
    session.commit()
    doc, line = _kept(session, award.id)
    assert doc is not None and "Added Employer" in doc and f" {added.id}" in line
    assert documents.differing(session) == []


@pg
def test_sql_outside_the_app_is_served_right_and_filled_by_the_command(
    make_award: Any, session: Any, client: Any, read: Any, runner: Any
) -> None:
    award = make_award()
    session.execute(sa.text("UPDATE people SET display_name = 'Raw Rename' WHERE id = :id"), {"id": award.student_id})
    session.commit()
    assert _kept(session, award.id) == (None, None)  # the trigger cleared it; nothing built it
    assert '"name":"Raw Rename"' in _get(client, "/api/v1/credit-awards", read)
    assert ",Raw Rename," in _get(client, "/api/v1/credit-awards.csv", read)

    result = runner.invoke(args=["registrar", "build-documents"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("built 1 award documents; ")
    assert result.output.endswith(", 0 missing\n")
    assert '"name":"Raw Rename"' in _kept(session, award.id)[0]


@pg
def test_check_finds_a_wrong_document_and_build_all_mends_it(make_award: Any, session: Any, runner: Any) -> None:
    good, bad = make_award(), make_award()
    session.execute(sa.text("UPDATE award_documents SET doc = '{}' WHERE award_id = :id"), {"id": bad.id})
    session.commit()

    checked = runner.invoke(args=["registrar", "check-documents"])
    assert checked.exit_code == 1
    assert "kept award documents differ from their awards: " in checked.output
    assert f"#{bad.id}" in checked.output and f"#{good.id}" not in checked.output

    assert runner.invoke(args=["registrar", "build-documents"]).output.startswith("built 0 award documents")
    rebuilt = runner.invoke(args=["registrar", "build-documents", "--all"])
    assert rebuilt.exit_code == 0 and ", 0 missing" in rebuilt.output
    again = runner.invoke(args=["registrar", "check-documents"])
    assert again.exit_code == 0, again.output
    assert again.output.endswith("kept and as built now; 0 missing\n")
    assert _kept(session, bad.id)[0] != "{}"


@pg
def test_a_document_of_another_format_is_not_used(make_award: Any, session: Any, client: Any, read: Any) -> None:
    award = make_award()
    session.execute(
        sa.text("UPDATE award_documents SET doc = '{\"old\": 1}', format = 'older' WHERE award_id = :id"),
        {"id": award.id},
    )
    session.commit()
    body = _get(client, "/api/v1/credit-awards", read)
    assert '"old"' not in body and f'"id":{award.id},' in body
    assert documents.counts(session)[1] >= 1  # counted as missing until built again


@pytest.mark.sqlite_only
def test_sqlite_keeps_no_documents(runner: Any) -> None:
    assert runner.invoke(args=["registrar", "build-documents"]).output == (
        "award documents are kept on PostgreSQL only; nothing to build\n"
    )
    assert runner.invoke(args=["registrar", "check-documents"]).output == (
        "award documents are kept on PostgreSQL only; nothing to check\n"
    )


def _committed_award(app: Any) -> tuple[int, int, int]:
    from careercenter.extensions import db
    from tests.factories import build_award, build_rule, build_student_with_experience

    with app.app_context():
        student, experience = build_student_with_experience(db.session, "T-doc-race", "Rae Student", "Analyst")
        award = build_award(db.session, student, [experience], build_rule(db.session))
        db.session.commit()
        ids = award.id, student.id, experience.id
        db.session.remove()
    return ids


_LOCK_WAITS = sa.text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


def _wait_for_a_lock_wait(engine: Any) -> None:
    with engine.connect() as conn:
        for _ in range(200):
            waiting = conn.execute(_LOCK_WAITS).scalar_one()
            if waiting:
                return
            time.sleep(0.05)
    raise AssertionError("the second writer never waited for the first")


@pg
def test_two_writers_of_one_award_leave_its_document_as_both_wrote(committed_db: Any) -> None:
    """The first writer has cleared the document (its trigger holds the row); the second
    writer's trigger waits for it, then clears the document again and builds it after the
    first has committed: the kept document has both changes, not the second writer's snapshot."""
    from sqlalchemy.orm import Session

    from careercenter.extensions import db
    from careercenter.internships.models import Experience

    award_id, student_id, experience_id = _committed_award(committed_db)
    failures: list[BaseException] = []
    with committed_db.app_context():
        engine = db.engine
        first, second = Session(engine), Session(engine)
        first.get(Person, student_id).display_name = "First Writer"
        first.flush()  # the trigger has cleared the document and holds its row

        def second_writer() -> None:
            try:
                second.get(Experience, experience_id).employer = "Second Writer"
                second.commit()  # its trigger waits for the first writer
            except BaseException as exc:  # noqa: BLE001 (reported below, in the test's thread)
                failures.append(exc)

        thread = threading.Thread(target=second_writer)
        thread.start()
        _wait_for_a_lock_wait(engine)
        first.commit()
        thread.join(timeout=30)
        first.close()
        second.close()
        assert not failures, failures
        with Session(engine) as check:
            doc = check.execute(
                sa.text("SELECT doc FROM award_documents WHERE award_id = :id"), {"id": award_id}
            ).scalar_one()
            assert '"name":"First Writer"' in doc and '"employer":"Second Writer"' in doc
            assert documents.differing(check) == []


@pg
def test_a_commit_builds_a_bounded_number_and_doctor_names_the_rest(
    make_award: Any, make_student: Any, session: Any, client: Any, read: Any, runner: Any, monkeypatch: Any
) -> None:
    from careercenter.doctor import run_checks

    student = make_student(name="Before Rename")
    awards = [make_award(student), make_award(student)]
    monkeypatch.setattr(documents, "OWN_BUILD_LIMIT", 1)
    student.display_name = "After Rename"
    session.commit()
    kept = [_kept(session, award.id)[0] for award in awards]
    assert '"name":"After Rename"' in kept[0] and kept[1] is None  # the first built, the second left
    body = _get(client, "/api/v1/credit-awards", read)
    assert body.count('"name":"After Rename"') == 2 and "Before Rename" not in body

    found = {r.name: r for r in run_checks(client.application)}["award docs"]
    assert found.status == "WARN" and ", 1 missing: run flask --app wsgi registrar build-documents" in found.detail
    assert runner.invoke(args=["registrar", "build-documents"]).output.startswith("built 1 award documents")
    found = {r.name: r for r in run_checks(client.application)}["award docs"]
    assert found.status == "OK" and found.detail.endswith(" kept, none missing")


@pytest.mark.sqlite_only
def test_doctor_says_sqlite_keeps_none(app: Any) -> None:
    from careercenter.doctor import run_checks

    found = {r.name: r for r in run_checks(app)}["award docs"]
    assert found.status == "OK"
    assert found.detail == "not kept on SQLite: the registrar API builds each page as it is asked"
