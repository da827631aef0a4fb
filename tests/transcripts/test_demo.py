"""The demo step: transcripts for students with verified work, one revoked; others skipped."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from careercenter.credits.models import AwardStatus
from careercenter.demo import Demo
from careercenter.sso.models import Role
from careercenter.transcripts.demo import REVOKE_REASON, seed
from careercenter.transcripts.models import Transcript, TranscriptState
from tests.transcripts.conftest import run_tool


def test_demo_issues_signed_transcripts_and_revokes_one(
    app: Any,
    session: Any,
    make_student: Any,
    make_person: Any,
    verified_experience: Any,
    make_award: Any,
    tmp_path: Any,
) -> None:
    no_work = make_student(name="No Work Yet")
    first, second = make_student(name="First Demo"), make_student(name="Second Demo")
    make_award(first, experiences=[verified_experience(first)], status=AwardStatus.POSTED)
    verified_experience(second)
    karen = make_person(Role.REGISTRAR, name="Karen Mbeki")
    demo = Demo(people={"a": no_work, "b": first, "c": second, "karen": karen})

    lines = seed(session, demo)

    transcripts = session.execute(sa.select(Transcript).order_by(Transcript.id)).scalars().all()
    assert {t.student_id for t in transcripts} == {first.id, second.id}
    revoked = [t for t in transcripts if t.state is TranscriptState.REVOKED]
    assert len(revoked) == 1 and revoked[0].revocation_reason == REVOKE_REASON
    assert any("revoked one of" in line for line in lines)
    superseded = [t for t in transcripts if t.state is TranscriptState.SUPERSEDED]
    assert len(superseded) == 1 and superseded[0].student_id == first.id
    assert f"transcripts: a superseded one to check: /verify/{superseded[0].verification_code}" in lines
    pdf = tmp_path / "demo.pdf"
    pdf.write_bytes(transcripts[0].pdf)
    assert "Signature is Valid." in run_tool("pdfsig", str(pdf))


def test_demo_without_verified_work_says_so(session: Any, make_student: Any, signing_pair: Any) -> None:
    demo = Demo(people={"a": make_student()})
    assert seed(session, demo) == ["transcripts: none (no demo student has a verified micro-internship)"]
