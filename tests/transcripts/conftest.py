"""Transcript fixtures: the development signing pair, credit awards made directly, issuing."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from careercenter.audit.service import Actor
from careercenter.credits.models import (
    AwardStatus,
    CreditAward,
    CreditRequest,
    CreditRule,
    RequestState,
)
from careercenter.sso.models import Person
from careercenter.transcripts import service
from careercenter.transcripts.signing import dev_paths, make_dev_signing_cert

_rule_numbers = iter(range(100, 100_000))


@pytest.fixture(scope="session")
def signing_pair(app: Flask) -> tuple[Path, Path]:
    """The development key and certificate in the test instance folder (made once)."""
    key, cert, _made = make_dev_signing_cert(app.instance_path, app.config["INSTITUTION_NAME"])
    assert (key, cert) == dev_paths(app.instance_path)
    return key, cert


@pytest.fixture()
def make_award(session: Any) -> Any:
    """A credit award made directly (rule + approved request + award), as the credits domain would."""

    def make(
        student: Person,
        *,
        experiences: list[Any] = (),  # type: ignore[assignment]
        credits: str = "1.5",
        term: str = "2026FA",
        status: AwardStatus = AwardStatus.POSTED,
        subject: str = "INTR",
        number: str | None = None,
        title: str = "Micro-internship practicum",
        grading_basis: str = "P/NP",
    ) -> CreditAward:
        n = next(_rule_numbers)
        rule = CreditRule(
            code=f"intr-{n}",
            version=1,
            name=f"{subject} practicum {n}",
            course_subject=subject,
            course_number=number or str(n),
            course_title=title,
            grading_basis=grading_basis,
            definition={"hours_per_credit": 45},
            content_hash=hashlib.sha256(str(n).encode()).hexdigest(),
        )
        session.add(rule)
        session.flush()
        request = CreditRequest(
            student_id=student.id,
            rule_id=rule.id,
            term=term,
            state=RequestState.APPROVED,
            experiences=list(experiences),
            computed_credits=Decimal(credits),
            is_eligible=True,
        )
        session.add(request)
        session.flush()
        award = CreditAward(
            request_id=request.id,
            student_id=student.id,
            rule_id=rule.id,
            term=term,
            credits=Decimal(credits),
            grading_basis=grading_basis,
            status=status,
            sis_reference="SIS-1" if status is AwardStatus.POSTED else None,
        )
        session.add(award)
        session.flush()
        return award

    return make


@pytest.fixture()
def issue(app: Flask, session: Any, signing_pair: Any) -> Any:
    """Issue a transcript of `student` through the service (as the system)."""

    def do(student: Person, **kw: Any) -> Any:
        return service.issue_transcript(
            session, student, service.settings_from_app(app), actor=Actor.system("test"), **kw
        )

    return do


def run_tool(*args: str, input: bytes | None = None) -> str:
    """Run a command-line tool; return stdout + stderr as text (pdfsig exits 0 on failures too)."""
    if shutil.which(args[0]) is None:
        pytest.fail(f"{args[0]} is not installed: run scripts/install-system-deps.sh", pytrace=False)
    done = subprocess.run(args, input=input, capture_output=True, timeout=60, check=False)
    return done.stdout.decode("utf-8", "replace") + done.stderr.decode("utf-8", "replace")
