"""Issue 21 item 4: share links with the student's consent (FERPA 34 CFR 99.30): recipient,
purpose, chosen records, expiry (30 days by default), revocation, a typed-name signature; the
recipient's page shows exactly what was shared with live statuses; every view is
disclosure-logged under that consent; the student sees links and views on /me/shares."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from typing import Any

import sqlalchemy as sa

from careercenter.audit.models import Disclosure
from careercenter.audit.service import Actor
from careercenter.credentials import status as credentials_service
from careercenter.credentials.models import IssuedCredential
from careercenter.demo import seed_demo
from careercenter.sharing.models import ShareLink, ShareState
from careercenter.sharing.service import CONSENT_BASIS

LINK = re.compile(r'value="(http://careers\.test/shared/[^"]+)"')


def _student_with_credentials(session: Any, client: Any, login: Any, make_student: Any, verified: Any) -> Any:
    student = make_student(name="Maya Okafor")
    verified(student, title="Churn dashboard", employer="Acme")
    verified(student, title="Survey design", employer="Bright Labs")
    verified(student, title="Podcast plan", employer="Harbor Light")
    login(student)
    client.get("/me/credentials")  # issues the credentials
    rows = list(
        session.execute(
            sa.select(IssuedCredential).where(IssuedCredential.student_id == student.id).order_by(IssuedCredential.id)
        ).scalars()
    )
    return student, rows


def _make(client: Any, **form: Any) -> Any:
    data = {"recipient": "Northwind Analytics", "purpose": "Summer analyst application", "transcript": "", "days": ""}
    data.update(form)
    return client.post("/me/shares", data=data)


def test_share_shows_exactly_what_was_chosen_and_logs_every_view(
    client: Any, login: Any, session: Any, make_student: Any, verified: Any
) -> None:
    student, rows = _student_with_credentials(session, client, login, make_student, verified)
    chosen, other = rows[:2], rows[2]
    made = _make(client, credentials=[str(r.id) for r in chosen], typed_name="  maya   okafor ")
    assert made.status_code == 201
    (url,) = LINK.findall(made.get_data(as_text=True))
    share = session.execute(sa.select(ShareLink)).scalar_one()
    assert share.expires_at - share.created_at == timedelta(days=30)  # the default
    assert "Northwind Analytics" in share.consent_text and "Summer analyst application" in share.consent_text
    assert all(r.document["name"] in share.consent_text for r in chosen)
    assert share.token_hash not in url and url.rsplit("/", 1)[-1] not in str(share.token_hash)
    client.post("/logout")

    page = client.get(url.removeprefix("http://careers.test"))
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    text = unescape(page.get_data(as_text=True))
    assert all(r.document["name"] in text for r in chosen)
    assert other.document["name"] not in text
    assert share.consent_text in text
    logged = session.execute(sa.select(Disclosure).where(Disclosure.party_type == "share_link")).scalars().all()
    assert len(logged) == 1
    assert (logged[0].student_id, logged[0].basis, logged[0].interest) == (
        student.id,
        CONSENT_BASIS,
        "Summer analyst application",
    )

    # Live status: a credential revoked after sharing shows as revoked to the recipient.
    credentials_service.revoke(session, chosen[0], actor=Actor.system("test"), reason="error")
    session.commit()
    text = client.get(url.removeprefix("http://careers.test")).get_data(as_text=True)
    assert text.count("badge-revoked") == 1
    assert (
        session.execute(
            sa.select(sa.func.count()).select_from(Disclosure).where(Disclosure.party_type == "share_link")
        ).scalar_one()
        == 2
    )

    # The student sees the link and both views; revokes it; the recipient gets 410 and nothing is logged.
    login(student)
    mine = client.get("/me/shares").get_data(as_text=True)
    assert "Northwind Analytics" in mine and "badge-live" in mine and mine.count(" UTC</li>") == 2
    assert client.post(f"/me/shares/{share.id}/revoke").status_code == 302
    client.post("/logout")
    gone = client.get(url.removeprefix("http://careers.test"))
    assert gone.status_code == 410 and "revoked" in gone.get_data(as_text=True)
    assert chosen[1].document["name"] not in gone.get_data(as_text=True)
    session.refresh(share)
    assert share.state is ShareState.REVOKED
    assert (
        session.execute(
            sa.select(sa.func.count()).select_from(Disclosure).where(Disclosure.party_type == "share_link")
        ).scalar_one()
        == 2
    )


def test_expired_link_shows_nothing(client: Any, login: Any, session: Any, make_student: Any, verified: Any) -> None:
    _student, rows = _student_with_credentials(session, client, login, make_student, verified)
    made = _make(client, credentials=[str(rows[0].id)], typed_name="Maya Okafor", days="1")
    (url,) = LINK.findall(made.get_data(as_text=True))
    share = session.execute(sa.select(ShareLink)).scalar_one()
    share.created_at -= timedelta(days=2)
    share.expires_at -= timedelta(days=2)
    session.commit()
    gone = client.get(url.removeprefix("http://careers.test"))
    assert gone.status_code == 410 and "expired" in gone.get_data(as_text=True)
    assert "badge-expired" in client.get("/me/shares").get_data(as_text=True)


def test_bad_input_shows_an_error_summary_and_changes_nothing(
    client: Any, login: Any, session: Any, make_student: Any, verified: Any, make_person: Any
) -> None:
    student, rows = _student_with_credentials(session, client, login, make_student, verified)
    cases = [
        {"credentials": [str(rows[0].id)], "typed_name": "Someone Else"},
        {"typed_name": "Maya Okafor"},  # nothing chosen
        {"credentials": ["999999"], "typed_name": "Maya Okafor"},  # not hers
        {"credentials": [str(rows[0].id)], "typed_name": "Maya Okafor", "days": "400"},
        {"credentials": [str(rows[0].id)], "typed_name": "Maya Okafor", "recipient": " "},
    ]
    for form in cases:
        answer = _make(client, **form)
        assert answer.status_code == 422, form
        assert 'class="error-summary"' in answer.get_data(as_text=True)
    assert session.execute(sa.select(sa.func.count()).select_from(ShareLink)).scalar_one() == 0
    # Another student's share cannot be revoked (404), and an unknown token is 404.
    made = _make(client, credentials=[str(rows[0].id)], typed_name="Maya Okafor")
    assert made.status_code == 201
    share = session.execute(sa.select(ShareLink)).scalar_one()
    client.post("/logout")
    login(make_person(name="Liam Chen"))
    assert client.post(f"/me/shares/{share.id}/revoke").status_code == 404
    assert client.get("/shared/not-a-token").status_code == 404


def test_demo_maya_has_a_live_and_an_expired_link(client: Any, session: Any) -> None:
    summary = seed_demo(session, history=False)
    session.commit()
    line = next(line for line in summary if line.startswith("share links: Maya Okafor"))
    url = re.search(r"(http://careers\.test/shared/\S+)\)", line).group(1)
    shares = session.execute(sa.select(ShareLink).order_by(ShareLink.id)).scalars().all()
    assert [s.student.display_name for s in shares] == ["Maya Okafor"] * 2
    now = shares[0].created_at + timedelta(seconds=1)
    assert sorted(s.status(now) for s in shares) == ["expired", "live"]
    assert client.get(url.removeprefix("http://careers.test")).status_code == 200
