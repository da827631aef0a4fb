"""Issue 20 "done when", in the demo: an advisor sees which supervisors used verified domains, a
CSCI-397 sign-off asks that program's questions, a verified experience's Open Badges credential
carries NACE alignments and still validates and verifies, and staff merge two duplicate
employers with every record following."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from careercenter.credentials import issuance, proof
from careercenter.employers.models import Employer
from careercenter.internships.models import Experience
from careercenter.sso.models import Person
from tests.credentials.test_issue import OB_SCHEMAS, _assert_valid, _resolver
from tests.internships.helpers import mails, token_in


def _person(session: Any, campus_id: str) -> Person:
    return session.execute(sa.select(Person).where(Person.campus_id == campus_id)).scalar_one()


def _experience(session: Any, employer: str) -> Experience:
    return session.execute(sa.select(Experience).where(Experience.employer == employer)).scalar_one()


def test_the_demo_shows_issue_20(runner: Any, session: Any, client: Any, login: Any, app: Any) -> None:
    result = runner.invoke(args=["seed-demo", "--no-history"])
    assert result.exit_code == 0, result.output
    assert "employers: 12 (2 verified: Cedar Valley Credit Union, Meridian Transit Authority" in result.output
    employers = list(session.execute(sa.select(Employer)).scalars())
    assert sum(e.verified for e in employers) == 2 and sum(bool(e.domains) for e in employers) >= 10

    # The advisor (Dana advises Maya) sees the verified domain; Aisha's supervisor signed from gmail.
    login(_person(session, "F2001"))
    maya = client.get(f"/experiences/{_experience(session, 'Cedar Valley Credit Union').id}").get_data(as_text=True)
    assert "matches a verified domain of Cedar Valley Credit Union" in maya
    login(_person(session, "F2003"))  # Elena advises Aisha
    clinic = _experience(session, "Northfield Community Clinic")
    assert "personal address" in client.get(f"/experiences/{clinic.id}").get_data(as_text=True)

    # Maya's data pipeline waits for sign-off: the link asks CSCI-397's questions.
    [mail] = mails(session, "signoff.request", to="jonah.feld@brightline.example.com")
    page = client.get(f"/signoff/{token_in(mail)}").get_data(as_text=True)
    assert "Computing practicum evaluation (Computer Science)" in page
    assert "Software engineering practice" in page

    # A verified experience's credential carries NACE alignments, validates and verifies.
    verified = _experience(session, "Cedar Valley Credit Union")
    doc = issuance.issue_for_experience(session, verified, app.config).document
    for schema in OB_SCHEMAS:
        _assert_valid(doc, schema)
    frameworks = {a["targetFramework"] for a in doc["credentialSubject"]["achievement"]["alignment"]}
    assert "NACE Career Readiness Competencies" in frameworks
    assert proof.verify(doc, _resolver(app))

    # Staff merge the duplicate Pixelforge record; every record follows.
    login(_person(session, "C5001"))  # career-center staff
    keep = session.execute(sa.select(Employer).where(Employer.name == "Pixelforge Games")).scalar_one()
    dupe = session.execute(sa.select(Employer).where(Employer.name == "Pixelforge Games, Inc.")).scalar_one()
    assert "Pixelforge Games, Inc." in client.get("/employers").get_data(as_text=True)
    response = client.post(f"/employers/{dupe.id}/merge", data={"into": str(keep.id)})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Employer, dupe.id).merged_into_id == keep.id
    assert [p.external_id for p in session.get(Employer, keep.id).platform_ids] == ["HS-20417"]
    pixelforge = _experience(session, "Pixelforge Games")
    assert pixelforge.employer_id == keep.id
