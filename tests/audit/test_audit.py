"""The hash-chained audit log and the FERPA disclosure log."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.audit.models import AuditEvent, AwardDisclosure
from careercenter.audit.service import (
    Actor,
    disclose_to_person,
    disclosures_for,
    record_award_disclosure,
    record_event,
    verify_chain,
)


def _chain(session: Any, n: int = 5) -> list[AuditEvent]:
    events = [
        record_event(session, Actor.system(), "test.step", "thing", i, {"n": i, "hours": "12.50"}) for i in range(n)
    ]
    session.commit()
    return events


def test_chain_verifies(session: Any, runner: Any) -> None:
    _chain(session)
    assert verify_chain(session).is_ok
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert result.output.strip() == "OK 5 events"


def test_edited_row_is_caught(session: Any, runner: Any) -> None:
    events = _chain(session)
    session.execute(sa.text("UPDATE audit_events SET action = 'test.forged' WHERE seq = :s"), {"s": events[2].seq})
    session.commit()
    session.expire_all()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN at event {events[2].seq}: its content was changed" in result.output


def test_deleted_row_is_caught(session: Any, runner: Any) -> None:
    seq = _chain(session)[1].seq
    session.execute(sa.text("DELETE FROM audit_events WHERE seq = :s"), {"s": seq})
    session.commit()
    session.expire_all()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN at event {seq}: event {seq} is missing" in result.output


def test_inserted_row_is_caught(session: Any) -> None:
    events = _chain(session, 3)
    first_hash = events[0].hash
    second_seq, second_at = events[1].seq, events[1].at
    # Renumber the tail and slip a forged event in the middle with a plausible hash.
    session.execute(sa.text("UPDATE audit_events SET seq = seq + 100 WHERE seq >= :s"), {"s": second_seq})
    session.expire_all()
    forged = AuditEvent(
        seq=second_seq,
        at=second_at,
        actor_type="system",
        actor_id=None,
        action="x",
        subject_type="t",
        subject_id="1",
        data={},
        prev_hash="e" * 64,
        hash="f" * 64,
    )
    session.add(forged)
    session.commit()
    report = verify_chain(session)
    assert not report.is_ok and report.broken_seq == second_seq
    assert first_hash


def test_disclosure_helper_skips_the_student_themself(session: Any, make_student: Any, make_advisor: Any) -> None:
    student = make_student()
    advisor = make_advisor([student], name="Dana Whitfield")
    assert disclose_to_person(session, student, student, "credit request #1", "own record") is None
    entry = disclose_to_person(session, advisor, student, "credit request #1", "reviewing a credit request")
    assert entry is not None and entry.party_label == "Dana Whitfield (advisor)"
    assert entry.basis.startswith("34 CFR 99.31(a)(1)")


def test_registrar_reads_a_students_disclosures(
    client: Any, session: Any, login: Any, make_student: Any, make_advisor: Any, make_person: Any
) -> None:
    from careercenter.sso.models import Role

    student = make_student(name="Liam Chen")
    advisor = make_advisor([student], name="Raj Patel")
    disclose_to_person(session, advisor, student, "credit request #7", "reviewing a credit request")
    session.commit()
    login(make_person(Role.REGISTRAR))
    page = client.get(f"/registrar/students/{student.campus_id}/disclosures").get_data(as_text=True)
    assert "Raj Patel (advisor)" in page and "credit request #7" in page and "reviewing a credit request" in page
    assert client.get("/registrar/students/NOPE/disclosures").status_code == 404


def test_students_cannot_read_the_disclosure_pages(client: Any, login: Any, make_student: Any) -> None:
    me, other = make_student(), make_student()
    login(me)
    assert client.get(f"/registrar/students/{other.campus_id}/disclosures").status_code == 403
    assert client.get("/me/disclosures").status_code == 200


def test_a_response_naming_a_longer_id_is_not_in_a_students_log(session: Any, make_student: Any) -> None:
    student = make_student()
    longer = int(f"{student.id}0")  # 12 → 120: the same digits, another student
    for award, named in ((900, longer), (901, student.id), (902, int(f"9{student.id}"))):
        record_award_disclosure(
            session, party_id="c1", party_label="SIS", how="read", awards=[(award, named)], interest="posting credit"
        )
    session.flush()
    (entry,) = disclosures_for(session, student.id)
    assert entry.records == "credit award #901 (read through the registrar API)"
    assert disclosures_for(session, longer)[0].student_id == longer


@pytest.mark.parametrize(("award_ids", "student_ids"), [([1, 2], [7]), ([1], [7, 8]), ([], [])])
def test_an_award_disclosure_names_a_student_beside_each_award(
    session: Any, award_ids: list[int], student_ids: list[int]
) -> None:
    row = {"party_type": "api_client", "party_label": "SIS", "how": "read", "basis": "b", "interest": "i"}
    with pytest.raises(sa.exc.IntegrityError), session.begin_nested():
        session.execute(sa.insert(AwardDisclosure).values(award_ids=award_ids, student_ids=student_ids, **row))
    assert session.execute(sa.select(sa.func.count()).select_from(AwardDisclosure)).scalar_one() == 0
