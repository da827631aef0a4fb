"""Unsigned OB 3.0 AchievementCredentials and CLR 2.0 ClrCredentials built from our records.

Pure functions: records and issuer facts in, JSON-LD documents out. Every value uses a term
the vendored contexts define (the signer refuses anything else), and every list-typed
property is a list, so the documents satisfy both the formal and the JSON-LD-adapted schemas.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from careercenter.credentials.jsonld import CLR_V2P0, OB_V3P0, OB_V3P0_EXTENSIONS, VC_V2
from careercenter.formatting import format_decimal

OB_SCHEMA_ID = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
CLR_SCHEMA_ID = "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json"
SCHEMA_VALIDATOR = "1EdTechJsonSchemaValidator2019"

OB_CONTEXT = [VC_V2, OB_V3P0, OB_V3P0_EXTENSIONS]
CLR_CONTEXT = [VC_V2, CLR_V2P0, OB_V3P0, OB_V3P0_EXTENSIONS]

#: The scale supervisors rate skills on.
RATING_MIN, RATING_MAX = 1, 5


@dataclass(frozen=True)
class IssuerInfo:
    id: str
    name: str
    url: str

    def profile(self) -> dict[str, Any]:
        return {"id": self.id, "type": ["Profile"], "name": self.name, "url": self.url}

    def urn(self, *parts: object) -> str:
        """A stable `urn:uuid:` for something this issuer describes (an achievement, a skill)."""
        return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join([self.id, *map(str, parts)])))


@dataclass(frozen=True)
class Subject:
    """Who a credential is about: an opaque id, plus salted hashes the student can prove."""

    id: str
    name: str
    campus_id: str
    email: str
    salt: str

    def identifiers(self) -> list[dict[str, Any]]:
        """OB 3.0 IdentityObjects: the campus id and email, SHA-256 hashed with the salt.

        A verifier who is told the student's campus id or email can check the match; a reader
        of the credential alone learns neither.
        """
        return [
            _identity("sisSourcedId", self.campus_id, self.salt),
            _identity("emailAddress", self.email.lower(), self.salt),
        ]


def _identity(kind: str, value: str, salt: str) -> dict[str, Any]:
    digest = hashlib.sha256((value + salt).encode("utf-8")).hexdigest()
    return {
        "type": "IdentityObject",
        "identityHash": f"sha256${digest}",
        "identityType": kind,
        "hashed": True,
        "salt": salt,
    }


def xsd_datetime(value: datetime | date) -> str:
    """`2026-05-01T12:00:00Z`: UTC, whole seconds (dates become midnight UTC)."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _number(value: Decimal) -> int | float:
    """A JSON number for a Decimal (xsd:float in the context); whole values stay integers."""
    return int(value) if value == value.to_integral_value() else float(value)


def status_entry(list_url: str, index: int) -> dict[str, Any]:
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def _envelope(
    *,
    credential_id: str,
    types: list[str],
    context: list[str],
    schema_id: str,
    issuer: IssuerInfo,
    valid_from: datetime,
    name: str,
    description: str,
    status: dict[str, Any],
) -> dict[str, Any]:
    return {
        "@context": list(context),
        "id": credential_id,
        "type": ["VerifiableCredential", *types],
        "issuer": issuer.profile(),
        "validFrom": xsd_datetime(valid_from),
        "name": name,
        "description": description,
        "credentialSchema": [{"id": schema_id, "type": SCHEMA_VALIDATOR}],
        "credentialStatus": status,
    }


def experience_credential(
    experience: Any,
    *,
    issuer: IssuerInfo,
    subject: Subject,
    credential_id: str,
    status: dict[str, Any],
    issued_at: datetime,
    alignments: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """An AchievementCredential for one verified micro-internship; `alignments` (OB 3.0
    `Alignment` objects for the rated competencies) go on its achievement."""
    hours = experience.verified_hours or experience.hours
    ratings: dict[str, Any] = experience.skill_ratings or {}
    achievement_id = issuer.urn("achievement", "experience", experience.id)
    skills = list(dict.fromkeys([*experience.skills, *ratings.keys()]))
    result_descriptions = [
        {
            "id": issuer.urn("result", "experience", experience.id, "hours"),
            "type": ["ResultDescription"],
            "name": "Hours confirmed by the supervisor",
            "resultType": "ext:VerifiedHours",
            "valueMin": "0",
        }
    ]
    results = [
        {
            "type": ["Result"],
            "resultDescription": result_descriptions[0]["id"],
            "value": format_decimal(hours),
        }
    ]
    for skill in skills:
        if skill not in ratings:
            continue
        rd_id = issuer.urn("result", "experience", experience.id, "skill", skill)
        result_descriptions.append(
            {
                "id": rd_id,
                "type": ["ResultDescription"],
                "name": f"Supervisor rating: {skill}",
                "resultType": "RubricScore",
                "allowedValue": [str(v) for v in range(RATING_MIN, RATING_MAX + 1)],
                "valueMin": str(RATING_MIN),
                "valueMax": str(RATING_MAX),
            }
        )
        results.append({"type": ["Result"], "resultDescription": rd_id, "value": str(int(ratings[skill]))})

    employer = {
        "id": issuer.urn("employer", experience.employer.casefold()),
        "type": ["Profile"],
        "name": experience.employer,
    }
    signoff_date = xsd_datetime(experience.verified_at)
    supervisor = experience.supervisor_name + (
        f", {experience.supervisor_title}" if experience.supervisor_title else ""
    )
    achievement: dict[str, Any] = {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": "Fieldwork",
        "name": f"{experience.title} — {experience.employer}",
        "description": experience.description or f"A micro-internship with {experience.employer}.",
        "criteria": {
            "narrative": (
                f"A finished micro-internship with {experience.employer}: {format_decimal(hours)} hours of work "
                f"between {experience.start_date.isoformat()} and {experience.end_date.isoformat()}, "
                f"confirmed by the supervisor ({supervisor}), who rated the skills shown on a "
                f"{RATING_MIN}–{RATING_MAX} scale."
            )
        },
        "creator": issuer.profile(),
        "resultDescription": result_descriptions,
        "tag": skills,
    }
    if experience.category:
        achievement["fieldOfStudy"] = experience.category
    if alignments:
        achievement["alignment"] = alignments
    document = _envelope(
        credential_id=credential_id,
        types=["OpenBadgeCredential"],
        context=OB_CONTEXT,
        schema_id=OB_SCHEMA_ID,
        issuer=issuer,
        valid_from=issued_at,
        name=f"Micro-internship: {experience.title}",
        description=f"{subject.name} completed a verified micro-internship with {experience.employer}.",
        status=status,
    )
    document["awardedDate"] = signoff_date
    document["credentialSubject"] = {
        "id": subject.id,
        "type": ["AchievementSubject"],
        "identifier": subject.identifiers(),
        "achievement": achievement,
        "activityStartDate": xsd_datetime(experience.start_date),
        "activityEndDate": xsd_datetime(experience.end_date),
        "result": results,
        "source": employer,
    }
    document["evidence"] = [
        {
            "id": issuer.urn("evidence", "experience", experience.id, "signoff"),
            "type": ["Evidence"],
            "name": "Supervisor sign-off",
            "genre": "Supervisor attestation",
            "narrative": (
                f"{supervisor} at {experience.employer} confirmed {format_decimal(hours)} hours and rated "
                f"{len([s for s in skills if s in ratings])} skill(s) through a single-use sign-off link, "
                f"attesting with the typed name “{experience.attested_name or experience.supervisor_name}” "
                f"on {signoff_date}."
            ),
        }
    ]
    return document


def award_credential(
    award: Any,
    *,
    issuer: IssuerInfo,
    subject: Subject,
    credential_id: str,
    status: dict[str, Any],
    issued_at: datetime,
) -> dict[str, Any]:
    """An AchievementCredential for one credit award: the course, its credits, the term."""
    rule = award.rule
    credits = _number(Decimal(award.credits))
    achievement = {
        "id": issuer.urn("achievement", "course", rule.course_subject, rule.course_number),
        "type": ["Achievement"],
        "achievementType": "Course",
        "name": rule.course_title,
        "humanCode": f"{rule.course_subject} {rule.course_number}",
        "description": f"{rule.course_title}: academic credit for verified micro-internship work ({rule.name}).",
        "criteria": {
            "narrative": (
                f"Credit is granted under the rule “{rule.name}” (version {rule.version}) for verified "
                "micro-internship hours, on the approval of the student's advisor."
            )
        },
        "creditsAvailable": credits,
        "creator": issuer.profile(),
        "resultDescription": [
            {
                "id": issuer.urn("result", "course", rule.course_subject, rule.course_number, "grade"),
                "type": ["ResultDescription"],
                "name": f"Grading basis {award.grading_basis}",
                "resultType": "Status" if award.grading_basis.upper() in {"P/NP", "S/U"} else "LetterGrade",
            }
        ],
    }
    document = _envelope(
        credential_id=credential_id,
        types=["OpenBadgeCredential"],
        context=OB_CONTEXT,
        schema_id=OB_SCHEMA_ID,
        issuer=issuer,
        valid_from=issued_at,
        name=f"{rule.course_subject} {rule.course_number}: {rule.course_title}",
        description=f"{subject.name} earned {format_decimal(Decimal(award.credits))} credit(s) in {award.term}.",
        status=status,
    )
    document["awardedDate"] = xsd_datetime(award.posted_at or award.approved_at)
    document["credentialSubject"] = {
        "id": subject.id,
        "type": ["AchievementSubject"],
        "identifier": subject.identifiers(),
        "achievement": achievement,
        "creditsEarned": credits,
        "term": award.term,
        "result": [
            {
                "type": ["Result"],
                "resultDescription": achievement["resultDescription"][0]["id"],  # type: ignore[index]
                "status": "Completed",
            }
        ],
    }
    return document


def clr_credential(
    *,
    issuer: IssuerInfo,
    subject: Subject,
    credential_id: str,
    status: dict[str, Any],
    issued_at: datetime,
    credentials: list[dict[str, Any]],
    associations: list[tuple[str, str, str]],
    evidence: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A ClrCredential bundling the student's signed credentials.

    :param associations: (associationType, source achievement id, target achievement id).
    :param evidence: OB 3.0 `Evidence` objects: the student's statements of disagreement
        (FERPA), disclosed with the records they are about.
    """
    document = _envelope(
        credential_id=credential_id,
        types=["ClrCredential"],
        context=CLR_CONTEXT,
        schema_id=CLR_SCHEMA_ID,
        issuer=issuer,
        valid_from=issued_at,
        name=f"{issuer.name}: comprehensive learner record of {subject.name}",
        description="Verified micro-internships and the academic credit awarded for them.",
        status=status,
    )
    document["partial"] = False
    subject_node: dict[str, Any] = {
        "id": subject.id,
        "type": ["ClrSubject"],
        "identifier": subject.identifiers(),
        "verifiableCredential": credentials,
    }
    aligned = [
        c["credentialSubject"]["achievement"]
        for c in credentials
        if isinstance(c.get("credentialSubject"), dict)
        and c["credentialSubject"].get("achievement", {}).get("alignment")
    ]
    if aligned:
        # The same achievements, with their competency alignments, readable without opening each credential.
        subject_node["achievement"] = aligned
    if associations:
        subject_node["association"] = [
            {"type": "Association", "associationType": kind, "sourceId": source, "targetId": target}
            for kind, source, target in associations
        ]
    document["credentialSubject"] = subject_node
    if evidence:
        document["evidence"] = evidence
    return document
