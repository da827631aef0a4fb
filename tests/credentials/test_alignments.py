"""Issue 20 item 4: a verified experience's OB 3.0 credential carries the rated competencies as
`alignment` entries on its achievement (NACE's for the NACE competencies), the CLR carries the
same, and both still validate against the vendored schemas and verify."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from careercenter.audit.service import Actor
from careercenter.credentials import issuance, proof, verification
from careercenter.credits.models import AwardStatus
from careercenter.employers import forms_service
from careercenter.employers.competencies import NACE_FRAMEWORK, NACE_PAGE
from tests.credentials.test_issue import CLR_SCHEMA, OB_SCHEMAS, _assert_valid, _resolver

NACE_NAMES = {
    "Career & Self-Development",
    "Communication",
    "Critical Thinking",
    "Equity & Inclusion",
    "Leadership",
    "Professionalism",
    "Teamwork",
    "Technology",
}


@pytest.fixture()
def student(make_student: Any) -> Any:
    return make_student(name="Maya Okafor", campus_id="S90020")


def _rated(session: Any, verified_experience: Any, student: Any, **kw: Any) -> Any:
    """A verified experience answered under the stored default (NACE) form."""
    form = forms_service.ensure_default(session)
    ratings = {"Communication": 4, "Teamwork": 5, "Time management": 3, "Technology": 4}
    return verified_experience(student, skill_ratings=ratings, evaluation_form_id=form.id, **kw)


def test_the_default_form_rates_nace_and_two_more(app: Any, session: Any) -> None:
    spec = forms_service.spec(forms_service.ensure_default(session))
    names = {c.name for c in spec.competencies}
    assert names == NACE_NAMES | {"Time management", "Problem solving"}
    for competency in spec.competencies:
        [alignment] = competency.alignments
        if competency.name in NACE_NAMES:
            assert alignment.framework == NACE_FRAMEWORK and alignment.url.startswith(NACE_PAGE + "#")
    assert all(len(q.anchors) == 5 for q in spec.questions)  # an anchored 1–5 scale


def test_experience_credential_carries_nace_alignments_validates_and_verifies(
    app: Any, session: Any, student: Any, verified_experience: Any
) -> None:
    doc = issuance.issue_for_experience(session, _rated(session, verified_experience, student), app.config).document
    for schema in OB_SCHEMAS:
        _assert_valid(doc, schema)
    alignments = {a["targetName"]: a for a in doc["credentialSubject"]["achievement"]["alignment"]}
    assert set(alignments) == {"Communication", "Teamwork", "Time management", "Technology"}
    communication = alignments["Communication"]
    assert communication == {
        "type": ["Alignment"],
        "targetName": "Communication",
        "targetUrl": NACE_PAGE + "#communication",
        "targetFramework": "NACE Career Readiness Competencies",
        "targetCode": "communication",
        "targetType": "ceasn:Competency",
    }
    assert alignments["Time management"]["targetUrl"] == "http://careers.test/competencies#time-management"
    assert proof.verify(doc, _resolver(app))["cryptosuite"] == "eddsa-rdfc-2022"
    assert verification.verify_submission(session, doc, app.config).outcome == verification.VALID
    # The alignments are signed: changing one breaks the proof.
    changed = copy.deepcopy(doc)
    changed["credentialSubject"]["achievement"]["alignment"][0]["targetCode"] = "leadership"
    assert verification.verify_submission(session, changed, app.config).outcome == verification.TAMPERED


def test_old_ratings_align_by_their_old_skill_names(
    app: Any, session: Any, student: Any, verified_experience: Any
) -> None:
    experience = verified_experience(student, skill_ratings={"communication": 4, "technical skill": 5})
    doc = issuance.issue_for_experience(session, experience, app.config).document
    codes = {a["targetCode"] for a in doc["credentialSubject"]["achievement"]["alignment"]}
    assert codes == {"communication", "technology"}


def test_clr_carries_the_same_alignments_and_validates(
    app: Any, session: Any, student: Any, verified_experience: Any, make_award: Any
) -> None:
    experience = _rated(session, verified_experience, student)
    make_award(student, [experience], status=AwardStatus.POSTED)
    doc = issuance.clr_for(session, student, app.config).document
    _assert_valid(doc, CLR_SCHEMA)
    [achievement] = doc["credentialSubject"]["achievement"]
    single = issuance.issue_for_experience(session, experience, app.config).document
    assert achievement == single["credentialSubject"]["achievement"]
    assert {a["targetFramework"] for a in achievement["alignment"]} >= {NACE_FRAMEWORK}
    assert proof.verify(doc, _resolver(app))
    assert verification.verify_submission(session, doc, app.config).outcome == verification.VALID


def test_a_campus_form_file_swaps_in_its_own_competencies(app: Any, session: Any) -> None:
    text = """
competencies:
  - code: ilo-3
    name: Applies disciplinary knowledge
    alignments:
      - {name: "ILO 3", url: "https://catalog.example.edu/ilo#3", framework: "Example State ILOs", code: "ILO-3"}
forms:
  - code: CAMPUS
    name: Campus form
    default: true
    questions:
      - {key: ilo3, kind: rating, competency: ilo-3}
"""
    specs = forms_service.parse_forms_text(text, "http://careers.test")
    forms_service.load_forms(session, specs, Actor.system("test"))
    form = forms_service.ensure_default(session)
    assert form.code == "CAMPUS"
    [competency] = forms_service.spec(form).competencies
    assert competency.alignments[0].to_ob()["targetFramework"] == "Example State ILOs"
