"""The demo step: experiences in every state, with their sign-off mail in the dev mailbox."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from careercenter.internships.models import Experience, ExperienceState
from careercenter.notify.models import OutboxMessage
from careercenter.sso.models import Person
from tests.internships.helpers import LINK


def test_demo_has_every_state_and_working_links(runner: Any, session: Any, client: Any) -> None:
    result = runner.invoke(args=["seed-demo", "--no-history"])
    assert result.exit_code == 0, result.output
    assert "micro-internships: 15 (4 awaiting signoff, 2 disputed, 4 draft, 5 verified)" in result.output
    experiences = list(session.execute(sa.select(Experience)).scalars())
    assert {e.state for e in experiences} == set(ExperienceState)
    demo_students = {p.id for p in session.execute(sa.select(Person).where(Person.is_demo.is_(True))).scalars()}
    with_experience = {e.student_id for e in experiences} & demo_students
    assert len(with_experience) == 11  # every demo student has one
    credit_union = next(e for e in experiences if e.employer == "Cedar Valley Credit Union")
    assert credit_union.state is ExperienceState.VERIFIED and str(credit_union.verified_hours) == "15.00"
    assert credit_union.skill_ratings and credit_union.supervisor_feedback
    requests = session.execute(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "signoff.request").order_by(OutboxMessage.id)
    ).scalars()
    mailbox = client.get("/dev/mailbox").get_data(as_text=True)
    assert "Please confirm Maya Okafor&#39;s micro-internship at Brightline Health Data" in mailbox
    awaiting = {e.supervisor_email for e in experiences if e.state is ExperienceState.AWAITING_SIGNOFF}
    live = [m for m in requests if m.to_address in awaiting]
    assert len(live) == 4
    for message in live:
        [token] = LINK.findall(message.body_text)
        assert client.get(f"/signoff/{token}").status_code == 200
