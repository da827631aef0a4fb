"""Issue 21 item 3: "Add to LinkedIn" on each transcript and credential opens LinkedIn's
documented add-to-profile URL with the certification's name, the institution, the issue month
and year, the id, and a public verification URL that answers."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa

from careercenter.audit.service import Actor
from careercenter.credentials import linkedin
from careercenter.credentials import status as credentials_service
from careercenter.credentials.models import IssuedCredential
from careercenter.credits.models import AwardStatus
from careercenter.sso.models import Role
from careercenter.transcripts.models import Transcript

LINK = re.compile(r'href="(https://www\.linkedin\.com/profile/add\?[^"]+)"')


def _query(url: str) -> dict[str, str]:
    parts = urlsplit(unescape(url))
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.linkedin.com", "/profile/add")
    return {k: v[0] for k, v in parse_qs(parts.query, strict_parsing=True).items()}


def test_add_to_profile_url_has_every_documented_field() -> None:
    url = linkedin.add_to_profile_url(
        name="INTR 295: Professional Experience & more",
        organization="Example State University",
        issued_at=datetime(2026, 3, 9, tzinfo=UTC),
        cert_url="https://careers.example.edu/verify/ABC",
        cert_id="ABCD-EFGH",
    )
    assert _query(url) == {
        "startTask": "CERTIFICATION_NAME",
        "name": "INTR 295: Professional Experience & more",
        "organizationName": "Example State University",
        "issueYear": "2026",
        "issueMonth": "3",
        "certUrl": "https://careers.example.edu/verify/ABC",
        "certId": "ABCD-EFGH",
    }


def test_each_credential_in_force_has_a_link_whose_cert_url_answers(
    client: Any, login: Any, session: Any, make_student: Any, verified_experience: Any, make_award: Any
) -> None:
    student = make_student(name="Maya Okafor")
    experience = verified_experience(student, title="Churn dashboard")
    make_award(student, experiences=[experience], status=AwardStatus.POSTED)
    login(student)
    page = client.get("/me/credentials").get_data(as_text=True)
    rows = session.execute(sa.select(IssuedCredential).where(IssuedCredential.student_id == student.id)).scalars()
    by_id = {r.credential_id: r for r in rows}
    links = [_query(u) for u in LINK.findall(page)]
    assert sorted(q["certId"] for q in links) == sorted(by_id)
    for query in links:
        row = by_id[query["certId"]]
        assert query["name"] == row.document["name"]
        assert query["organizationName"] == "Example State University"
        assert (query["issueYear"], query["issueMonth"]) == (str(row.issued_at.year), str(row.issued_at.month))
        path = query["certUrl"].removeprefix("http://careers.test")
        client.post("/logout")
        status_page = client.get(path)  # public: a recruiter following the link
        assert status_page.status_code == 200
        text = status_page.get_data(as_text=True)
        assert row.document["name"] in unescape(text) and "Maya Okafor" not in text
        login(student)
    # A revoked credential offers no link, and its public page says revoked.
    revoked = next(iter(by_id.values()))
    credentials_service.revoke(session, revoked, actor=Actor.system("test"), reason="error")
    session.commit()
    page = client.get("/me/credentials").get_data(as_text=True)
    assert revoked.credential_id not in [_query(u)["certId"] for u in LINK.findall(page)]
    uid = revoked.credential_id.rsplit(":", 1)[-1]
    assert "badge-revoked" in client.get(f"/verify/credential/{uid}").get_data(as_text=True)
    assert client.get("/verify/credential/00000000-0000-4000-8000-000000000000").status_code == 404


def test_transcript_page_offers_the_link_to_its_owner(
    client: Any,
    login: Any,
    session: Any,
    make_student: Any,
    make_person: Any,
    verified_experience: Any,
    signing_pair: Any,
) -> None:
    student = make_student(name="Sofía Ramírez")
    verified_experience(student)
    login(student)
    assert client.post("/transcripts").status_code in (302, 303)
    transcript = session.execute(sa.select(Transcript).where(Transcript.student_id == student.id)).scalar_one()
    page = client.get(f"/transcripts/{transcript.id}").get_data(as_text=True)
    (url,) = LINK.findall(page)
    query = _query(url)
    assert query["certId"] == transcript.display_code
    assert query["certUrl"] == f"http://careers.test/verify/{transcript.verification_code}"
    assert (query["issueYear"], query["issueMonth"]) == (
        str(transcript.issued_at.year),
        str(transcript.issued_at.month),
    )
    assert client.get(query["certUrl"].removeprefix("http://careers.test")).status_code == 200
    client.post("/logout")
    login(make_person(Role.REGISTRAR, program=None, class_level=None))
    assert not LINK.findall(client.get(f"/transcripts/{transcript.id}").get_data(as_text=True))
