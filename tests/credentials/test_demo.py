"""The demo step makes the development key if missing and issues the demo students' credentials."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from careercenter.credentials import demo as credentials_demo
from careercenter.credentials.models import CredentialKind, IssuedCredential
from careercenter.credits.models import AwardStatus
from careercenter.demo import Demo


def test_demo_step_issues_credentials(
    app: Any, session: Any, make_student: Any, verified_experience: Any, make_award: Any
) -> None:
    maya, liam = make_student(), make_student()
    experience = verified_experience(maya)
    make_award(maya, [experience], status=AwardStatus.POSTED)
    lines = credentials_demo.seed(session, Demo(people={"maya": maya, "liam": liam}))
    assert any("2 Open Badges credential(s) and 1 CLR(s)" in line for line in lines)
    kinds = session.execute(sa.select(IssuedCredential.kind).where(IssuedCredential.student_id == maya.id)).scalars()
    assert sorted(k.value for k in kinds) == sorted(
        [CredentialKind.EXPERIENCE.value, CredentialKind.AWARD.value, CredentialKind.CLR.value]
    )
