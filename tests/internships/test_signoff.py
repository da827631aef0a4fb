"""The supervisor's sign-off: emailed single-use link, GET changes nothing, guessing, reuse,
expiry, withdrawal, resend, reminders, and what the student sees afterwards."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from careercenter.audit.service import Actor, verify_chain
from careercenter.db import utcnow
from careercenter.internships import signoff
from careercenter.internships.models import ExperienceState, SignoffRequest, SignoffState, SignoffToken
from careercenter.internships.signoff_checks import SignoffInput
from careercenter.internships.signoff_tasks import run_due_signoff_tasks
from tests.internships.helpers import error_beside, events, mails, token_in

SUPERVISOR = {"REMOTE_ADDR": "198.51.100.7"}
AGENT = {"User-Agent": "Mozilla/5.0 (Supervisor test browser)"}


@pytest.fixture()
def asked(session: Any, make_student: Any, make_experience: Any) -> Any:
    """An experience whose student asked for sign-off; returns (experience, token from the mail)."""
    student = make_student(name="Maya Okafor")
    experience = make_experience(
        student,
        employer="Cedar Valley Credit Union",
        title="Member marketing analytics",
        hours=Decimal("15"),
        skills=["communication", "problem solving"],
        supervisor_name="Renee Castillo",
        supervisor_email="rcastillo@cedarvalley.example.com",
    )
    request, token = signoff.request_signoff(session, experience, Actor.person(student))
    session.commit()  # views roll back on bad input; the test's outer transaction still undoes it all
    [mail] = mails(session, "signoff.request")
    assert token_in(mail) == token
    return experience, token


def _sign(**overrides: Any) -> dict[str, Any]:
    data = {
        "signoff-hours_worked": "14",
        "signoff-q_communication": "5",
        "signoff-q_problem_solving": "4",
        "signoff-feedback": "Maya found the pattern we had missed for a year.",
        "signoff-willing_reference": "y",
        "signoff-attested": "y",
        "signoff-full_name": "Renee Castillo",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _invalid_page(client: Any) -> str:
    response = client.get("/signoff/" + secrets.token_urlsafe(32))
    assert response.status_code == 404
    return response.get_data(as_text=True)


def test_the_request_mail_names_student_employer_and_project(session: Any, asked: Any, app: Any) -> None:
    experience, token = asked
    [mail] = mails(session, "signoff.request")
    assert mail.to_address == "rcastillo@cedarvalley.example.com"
    assert mail.subject == "Please confirm Maya Okafor's micro-internship at Cedar Valley Credit Union"
    for text in ("Dear Renee Castillo", "Maya Okafor", "Cedar Valley Credit Union", "Member marketing analytics", "15"):
        assert text in mail.body_text
    assert f"http://careers.test/signoff/{token}" in mail.body_text
    assert mail.reply_to == app.config["MAIL_REPLY_TO"]
    assert experience.state is ExperienceState.AWAITING_SIGNOFF
    [moved] = events(session, "signoff.requested")
    assert moved.data == {"from": "draft", "to": "awaiting_signoff", "supervisor_email": experience.supervisor_email}


def test_only_the_hash_of_the_256_bit_token_is_stored(session: Any, asked: Any) -> None:
    experience, token = asked
    assert len(token) == 43  # 32 random bytes, base64url
    request = session.execute(sa.select(SignoffRequest)).scalar_one()
    assert request.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert request.expires_at - request.created_at == timedelta(days=14)
    for table in ("signoff_requests", "signoff_tokens", "audit_events", "experiences"):
        rows = session.execute(sa.text(f"SELECT * FROM {table}")).all()  # noqa: S608
        assert token not in repr(rows), table


def test_opening_the_link_changes_nothing(client: Any, session: Any, asked: Any) -> None:
    experience, token = asked
    before = len(events(session))
    for _ in range(3):  # a mail scanner, then the person, then a reload
        response = client.get(f"/signoff/{token}")
        assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Confirm Maya Okafor's micro-internship" in html.replace("&#39;", "'")
    assert "Hours worked" in html and 'value="15.00"' in html
    assert "Communication" in html and "Problem solving" in html
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    session.expire_all()
    request = session.execute(sa.select(SignoffRequest)).scalar_one()
    assert request.used_at is None and request.ip_address is None
    assert experience.state is ExperienceState.AWAITING_SIGNOFF
    assert len(events(session)) == before


def test_supervisor_signs_and_the_student_sees_it(client: Any, session: Any, asked: Any, login: Any) -> None:
    experience, token = asked
    response = client.post(f"/signoff/{token}", data=_sign(), environ_base=SUPERVISOR, headers=AGENT)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "You confirmed Maya Okafor" in response.get_data(as_text=True)
    assert response.headers["Referrer-Policy"] == "no-referrer"
    session.refresh(experience)
    assert experience.state is ExperienceState.VERIFIED
    assert experience.verified_hours == Decimal("14.00")
    assert experience.skill_ratings == {"Communication": 5, "Problem solving": 4}
    assert experience.evaluation_form_id is not None and experience.evaluation_answers == {}
    assert experience.willing_reference is True and experience.attested_name == "Renee Castillo"
    request = session.execute(sa.select(SignoffRequest)).scalar_one()
    assert request.outcome == "confirmed" and request.used_at is not None
    assert request.ip_address == "198.51.100.7" and request.user_agent == AGENT["User-Agent"]
    [event] = events(session, "signoff.confirmed")
    assert event.actor_type == "supervisor" and event.actor_id == str(request.id)
    assert event.data["signed_by"] == "Renee Castillo"
    assert event.data["ip"] == "198.51.100.7" and event.data["verified_hours"] == "14.00"
    assert event.data["user_agent"] == AGENT["User-Agent"] and event.data["at"]
    assert verify_chain(session).is_ok
    [mail] = mails(session, "signoff.confirmed")
    assert mail.to_address == experience.student.email
    assert f"http://careers.test/experiences/{experience.id}" in mail.body_text
    login(experience.student)
    page = client.get(f"/experiences/{experience.id}").get_data(as_text=True)
    assert "Verified by Renee Castillo" in page
    assert "Maya found the pattern we had missed for a year." in page
    assert "5 of 5" in page and "willing to be a reference" in page


def test_a_link_works_once(client: Any, session: Any, asked: Any) -> None:
    experience, token = asked
    assert client.post(f"/signoff/{token}", data=_sign()).status_code == 200
    invalid = _invalid_page(client)
    again = client.post(f"/signoff/{token}", data=_sign(**{"signoff-hours_worked": "40"}))
    assert again.status_code == 404 and again.get_data(as_text=True) == invalid
    assert client.get(f"/signoff/{token}").get_data(as_text=True) == invalid
    assert client.post(f"/signoff/{token}/dispute", data={"dispute-reason": "x" * 20}).status_code == 404
    session.refresh(experience)
    assert experience.verified_hours == Decimal("14.00") and experience.state is ExperienceState.VERIFIED


def test_guessed_tokens_get_the_same_page_that_reveals_nothing(client: Any, session: Any, asked: Any) -> None:
    experience, token = asked
    invalid = _invalid_page(client)
    assert "This link cannot be used" in invalid
    for text in ("Maya", "Cedar Valley", "Renee", "marketing", experience.supervisor_email):
        assert text not in invalid
    near_miss = token[:-1] + ("A" if token[-1] != "A" else "B")
    for guess in (near_miss, token.upper(), token[:20], "x" * 500, hashlib.sha256(token.encode()).hexdigest()):
        response = client.get(f"/signoff/{guess}")
        assert response.status_code == 404 and response.get_data(as_text=True) == invalid
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert client.post(f"/signoff/{guess}", data=_sign()).get_data(as_text=True) == invalid
    session.refresh(experience)
    assert experience.state is ExperienceState.AWAITING_SIGNOFF


def test_an_expired_link_does_nothing(client: Any, session: Any, asked: Any) -> None:
    experience, token = asked
    invalid = _invalid_page(client)
    request = session.execute(sa.select(SignoffRequest)).scalar_one()
    request.expires_at = utcnow() - timedelta(seconds=1)
    session.flush()
    assert client.get(f"/signoff/{token}").get_data(as_text=True) == invalid
    assert client.post(f"/signoff/{token}", data=_sign()).get_data(as_text=True) == invalid
    session.refresh(experience)
    assert experience.state is ExperienceState.AWAITING_SIGNOFF and experience.verified_hours is None
    # The worker's pass closes it: the record is a draft again, and the student is told.
    lines = run_due_signoff_tasks(session)
    assert lines == ["sign-off: 0 reminder(s) queued, 1 expired link(s) closed"]
    assert experience.state is ExperienceState.DRAFT
    assert request.state is SignoffState.EXPIRED and request.outcome is None
    [mail] = mails(session, "signoff.expired")
    assert mail.to_address == experience.student.email
    assert events(session, "signoff.expired")[0].actor_type == "system"


def test_withdrawing_kills_every_link(client: Any, session: Any, asked: Any, login: Any) -> None:
    experience, token = asked
    login(experience.student)
    response = client.post(
        f"/experiences/{experience.id}/signoff/withdraw", data={"confirmed": "yes"}, follow_redirects=True
    )
    invalid = _invalid_page(client)
    assert "The request is withdrawn" in response.get_data(as_text=True)
    session.refresh(experience)
    assert experience.state is ExperienceState.DRAFT
    assert client.get(f"/signoff/{token}").get_data(as_text=True) == invalid
    assert client.post(f"/signoff/{token}", data=_sign()).get_data(as_text=True) == invalid
    assert events(session, "signoff.withdrawn")[0].data["to"] == "draft"
    # A new request is allowed (the old one no longer counts as active) and gets a new link.
    assert client.post(f"/experiences/{experience.id}/signoff").status_code == 302
    second = mails(session, "signoff.request")[-1]
    assert token_in(second) != token
    assert client.get(f"/signoff/{token_in(second)}").status_code == 200


def test_resend_at_most_once_a_day(client: Any, session: Any, asked: Any, login: Any) -> None:
    experience, first = asked
    login(experience.student)
    response = client.post(f"/experiences/{experience.id}/signoff/resend", follow_redirects=True)
    assert "you can send it again after" in response.get_data(as_text=True)
    assert mails(session, "signoff.resend") == []
    request = session.execute(sa.select(SignoffRequest)).scalar_one()
    request.last_sent_at = utcnow() - timedelta(hours=25)
    request.reminders_sent = 1
    session.flush()
    response = client.post(f"/experiences/{experience.id}/signoff/resend", follow_redirects=True)
    assert "A fresh sign-off link is on its way" in response.get_data(as_text=True)
    [mail] = mails(session, "signoff.resend")
    second = token_in(mail)
    assert second != first
    session.refresh(request)
    assert request.reminders_sent == 0 and request.expires_at > utcnow() + timedelta(days=13)
    # Both mails' links lead to the same single-use request.
    assert client.get(f"/signoff/{first}").status_code == 200
    assert client.post(f"/signoff/{second}", data=_sign()).status_code == 200
    assert client.get(f"/signoff/{first}").status_code == 404


def test_reminders_after_3_and_10_days_then_expiry(client: Any, session: Any, asked: Any) -> None:
    experience, first = asked
    start = session.execute(sa.select(SignoffRequest)).scalar_one().last_sent_at
    assert run_due_signoff_tasks(session, start + timedelta(days=2, hours=23)) == []
    assert run_due_signoff_tasks(session, start + timedelta(days=3, minutes=1)) == [
        "sign-off: 1 reminder(s) queued, 0 expired link(s) closed"
    ]
    assert run_due_signoff_tasks(session, start + timedelta(days=4)) == []  # not twice
    [reminder] = mails(session, "signoff.reminder")
    assert reminder.subject.startswith("Reminder: please confirm Maya Okafor's micro-internship")
    assert "A short reminder" in reminder.body_text
    assert run_due_signoff_tasks(session, start + timedelta(days=10, minutes=1)) != []
    assert len(mails(session, "signoff.reminder")) == 2
    assert run_due_signoff_tasks(session, start + timedelta(days=12)) == []
    # Every mailed link works (each has its own token), until the request is used.
    tokens = [first] + [token_in(m) for m in mails(session, "signoff.reminder")]
    assert len(set(tokens)) == 3
    assert session.execute(sa.select(sa.func.count()).select_from(SignoffToken)).scalar_one() == 3
    for token in tokens:
        assert client.get(f"/signoff/{token}").status_code == 200
    run_due_signoff_tasks(session, start + timedelta(days=14, minutes=1))
    assert experience.state is ExperienceState.DRAFT
    assert len(mails(session, "signoff.reminder")) == 2


def test_a_worker_that_was_down_sends_one_reminder_not_two(session: Any, asked: Any) -> None:
    start = session.execute(sa.select(SignoffRequest)).scalar_one().last_sent_at
    run_due_signoff_tasks(session, start + timedelta(days=11))
    assert len(mails(session, "signoff.reminder")) == 1
    assert session.execute(sa.select(SignoffRequest)).scalar_one().reminders_sent == 2


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"signoff-attested": None}, "signoff-attested", "Tick the box to confirm that this is accurate."),
        ({"signoff-full_name": " "}, "signoff-full_name", "Type your full name to sign."),
        ({"signoff-hours_worked": "0"}, "signoff-hours_worked", "Hours worked must be more than 0."),
        ({"signoff-hours_worked": "ten"}, "signoff-hours_worked", "Enter the hours worked as a number"),
        ({"signoff-hours_worked": "1000"}, "signoff-hours_worked", "That is more than 24 hours a day"),
        ({"signoff-feedback": ""}, "signoff-feedback", "Write a few words of feedback for the student."),
        ({"signoff-q_problem_solving": "9"}, "signoff-q_problem_solving", "Rate Problem solving from 1 to 5."),
        (
            {"signoff-q_communication": None, "signoff-q_problem_solving": None},
            "signoff-q_career_self_development",
            "Rate at least 1 of the skills from 1 to 5.",
        ),
    ],
)
def test_bad_sign_off_input_changes_nothing_and_keeps_the_link(
    client: Any, session: Any, asked: Any, change: dict[str, Any], field: str, message: str
) -> None:
    experience, token = asked
    response = client.post(f"/signoff/{token}", data=_sign(**change))
    assert response.status_code == 422
    assert error_beside(response.get_data(as_text=True), field).startswith(message)
    session.refresh(experience)
    assert experience.state is ExperienceState.AWAITING_SIGNOFF
    assert session.execute(sa.select(SignoffRequest)).scalar_one().used_at is None
    assert client.post(f"/signoff/{token}", data=_sign()).status_code == 200


def test_dispute_with_a_reason(client: Any, session: Any, asked: Any, login: Any) -> None:
    experience, token = asked
    empty = client.post(f"/signoff/{token}/dispute", data={"dispute-reason": "", "dispute-full_name": "R"})
    assert empty.status_code == 422
    assert error_beside(empty.get_data(as_text=True), "dispute-reason").startswith("Say what is not right")
    reason = "The project ran three weeks, not six, and I count about 8 hours."
    response = client.post(
        f"/signoff/{token}/dispute",
        data={"dispute-reason": reason, "dispute-full_name": "Renee Castillo"},
        environ_base=SUPERVISOR,
        headers=AGENT,
    )
    assert response.status_code == 200
    session.refresh(experience)
    assert experience.state is ExperienceState.DISPUTED and experience.dispute_reason == reason
    request = session.execute(sa.select(SignoffRequest)).scalar_one()
    assert request.outcome == "disputed" and request.ip_address == "198.51.100.7"
    [mail] = mails(session, "signoff.disputed")
    assert reason in mail.body_text
    login(experience.student)
    page = client.get(f"/experiences/{experience.id}").get_data(as_text=True)
    assert reason in page and "Correct it" in page


def test_two_submissions_cannot_both_use_the_link(session: Any, asked: Any) -> None:
    experience, token = asked
    data = SignoffInput(Decimal("15"), {"communication": 5, "problem solving": 5}, "Good.", False, True, "R C")
    request = signoff.find_request(session, token)
    signoff.confirm_signoff(session, token, data, ip=None, user_agent=None)
    # A second submission that looked the request up before the first committed:
    with pytest.raises(signoff.InvalidLink):
        signoff._use(session, request, "confirmed", None, None, utcnow())
