"""Issuing OB 3.0 credentials (a verified experience, a posted award) and the CLR that bundles
a student's credentials in force. Plain functions: session in, flush only.

One status per record: the credential of an experience or an award is issued once (its JSON-LD
and VC-JWT renderings are two signatures over the same content and share one status bit).
Revocation and the status list are `careercenter.credentials.status`.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from careercenter.amendments import service as amendments
from careercenter.audit.service import Actor, record_disclosure, record_event
from careercenter.credentials import builders, jwt, proof, statuslist
from careercenter.credentials.issuer import issuer_info, jwt_kid, status_list_url, verification_method_id
from careercenter.credentials.keys import IssuerKeys, issuer_keys
from careercenter.credentials.models import (
    CredentialKind,
    CredentialState,
    CredentialSubject,
    IssuedCredential,
    StatusList,
)
from careercenter.credits.models import AwardStatus, CreditAward
from careercenter.db import utcnow
from careercenter.employers import forms_service
from careercenter.errors import Conflict
from careercenter.internships.models import Experience, ExperienceState
from careercenter.sso.models import Person, Role

Config = Mapping[str, Any]


class CredentialNotFound(LookupError):
    """No such student (or record) for this request."""


class NothingToBundle(Conflict):
    """The student has no credential in force, and a CLR must hold at least one."""


# ---- subjects and status slots --------------------------------------------------------------


def subject_for(session: Session, person: Person) -> builders.Subject:
    """The student's stable credential subject, made on first use."""
    row = session.get(CredentialSubject, person.id)
    if row is None:
        row = CredentialSubject(person_id=person.id, subject_uuid=str(uuid.uuid4()), salt=secrets.token_hex(16))
        session.add(row)
        session.flush()
    return builders.Subject(
        id=row.subject_id, name=person.display_name, campus_id=person.campus_id, email=person.email, salt=row.salt
    )


def _current_list(session: Session) -> StatusList:
    current = session.execute(sa.select(StatusList).order_by(StatusList.id.desc()).limit(1)).scalar_one_or_none()
    if current is not None:
        used = session.execute(
            sa.select(sa.func.count()).where(IssuedCredential.status_list_id == current.id)
        ).scalar_one()
        # Keep each list at most half full so that a random free slot is found at once.
        if used < current.size // 2:
            return current
    current = StatusList(size=statuslist.MIN_BITS)
    session.add(current)
    session.flush()
    return current


def _free_index(session: Session, status_list: StatusList) -> int:
    """A random unused index: the spec asks for random assignment, so that neighbouring bits
    say nothing about when or to whom credentials were issued."""
    while True:
        index = secrets.randbelow(status_list.size)
        taken = session.execute(
            sa.select(IssuedCredential.id).where(
                IssuedCredential.status_list_id == status_list.id, IssuedCredential.status_index == index
            )
        ).first()
        if taken is None:
            return index


def _sign_both(document: dict[str, Any], config: Config, keys: IssuerKeys, created: str) -> tuple[dict[str, Any], str]:
    signed = proof.sign(
        document,
        keys.ed25519,
        verification_method=verification_method_id(config, keys.multikey),
        created=created,
        as_list=True,
    )
    token = jwt.encode(document, keys.p256, kid=jwt_kid(config, keys.jwk_thumbprint), jwk=keys.public_jwk)
    return signed, token


def _issue(
    session: Session,
    config: Config,
    *,
    kind: CredentialKind,
    student: Person,
    build: Any,
    experience_id: int | None = None,
    award_id: int | None = None,
    included: list[str] | None = None,
) -> IssuedCredential:
    keys = issuer_keys(config)
    for _attempt in range(5):
        status_list = _current_list(session)
        index = _free_index(session, status_list)
        credential_id = f"urn:uuid:{uuid.uuid4()}"
        now = utcnow().replace(microsecond=0)
        document = build(
            credential_id=credential_id,
            status=builders.status_entry(status_list_url(config, status_list.id), index),
            issued_at=now,
        )
        signed, token = _sign_both(document, config, keys, builders.xsd_datetime(now))
        row = IssuedCredential(
            credential_id=credential_id,
            kind=kind,
            student_id=student.id,
            experience_id=experience_id,
            award_id=award_id,
            status_list_id=status_list.id,
            status_index=index,
            document=signed,
            jwt=token,
            included=included or [],
            issued_at=now,
        )
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            # Another request took the slot, or issued this record's credential meanwhile.
            existing = _existing_for(session, experience_id=experience_id, award_id=award_id)
            if existing is not None:
                return existing
            continue
        record_event(
            session,
            Actor.system("credentials"),
            "credential.issued",
            "issued_credentials",
            row.id,
            {"kind": kind.value, "credential_id": credential_id, "status_index": index, "list": status_list.id},
        )
        return row
    raise Conflict("Could not allocate a status-list slot; please try again.")


def _existing_for(session: Session, *, experience_id: int | None, award_id: int | None) -> IssuedCredential | None:
    if experience_id is not None:
        # The newest: an amended record's earlier versions keep their revoked credentials.
        query = (
            sa.select(IssuedCredential)
            .where(IssuedCredential.experience_id == experience_id)
            .order_by(IssuedCredential.id.desc())
            .limit(1)
        )
    elif award_id is not None:
        query = sa.select(IssuedCredential).where(IssuedCredential.award_id == award_id)
    else:
        return None
    return session.execute(query).scalar_one_or_none()


# ---- issuing ------------------------------------------------------------------------------


def issue_for_experience(session: Session, experience: Experience, config: Config) -> IssuedCredential:
    """The OB 3.0 credential of a verified experience, issued on first request."""
    existing = _existing_for(session, experience_id=experience.id, award_id=None)
    if existing is not None and not (existing.revoked_reason or "").startswith("amended:"):
        return existing  # an amended record's new version gets a credential of its own
    if experience.state is not ExperienceState.VERIFIED or experience.verified_at is None:
        raise Conflict("Only a verified micro-internship can be issued as a credential.")
    student = experience.student
    subject = subject_for(session, student)
    info = issuer_info(config)
    alignments = forms_service.alignments_for(session, experience)

    def build(**kw: Any) -> dict[str, Any]:
        return builders.experience_credential(experience, issuer=info, subject=subject, alignments=alignments, **kw)

    return _issue(
        session, config, kind=CredentialKind.EXPERIENCE, student=student, build=build, experience_id=experience.id
    )


def issue_for_award(session: Session, award: CreditAward, config: Config) -> IssuedCredential:
    """The OB 3.0 credential of a posted credit award, issued on first request."""
    existing = _existing_for(session, experience_id=None, award_id=award.id)
    if existing is not None:
        return existing
    if award.status is not AwardStatus.POSTED:
        raise Conflict("Only credit the registrar has posted can be issued as a credential.")
    student = award.student
    subject = subject_for(session, student)
    info = issuer_info(config)

    def build(**kw: Any) -> dict[str, Any]:
        return builders.award_credential(award, issuer=info, subject=subject, **kw)

    return _issue(session, config, kind=CredentialKind.AWARD, student=student, build=build, award_id=award.id)


def record_credentials(session: Session, student: Person, config: Config) -> list[IssuedCredential]:
    """Every record credential of `student`: one per verified experience and posted award,
    issuing those not yet issued; revoked ones are listed too (they stay revoked)."""
    experiences = session.execute(
        sa.select(Experience)
        .where(Experience.student_id == student.id, Experience.state == ExperienceState.VERIFIED)
        .order_by(Experience.start_date, Experience.id)
    ).scalars()
    awards = session.execute(
        sa.select(CreditAward)
        .where(CreditAward.student_id == student.id, CreditAward.status == AwardStatus.POSTED)
        .order_by(CreditAward.approved_at, CreditAward.id)
    ).scalars()
    out = [issue_for_experience(session, e, config) for e in experiences]
    out += [issue_for_award(session, a, config) for a in awards]
    # Records no longer eligible (a rescinded award) keep their revoked credential on the list.
    seen = {c.id for c in out}
    out += [
        c
        for c in session.execute(
            sa.select(IssuedCredential)
            .where(IssuedCredential.student_id == student.id, IssuedCredential.kind != CredentialKind.CLR)
            .order_by(IssuedCredential.issued_at)
        ).scalars()
        if c.id not in seen
    ]
    return out


def _associations(session: Session, credentials: list[IssuedCredential]) -> list[tuple[str, str, str]]:
    """Each experience that an award was granted for `isPartOf` that award's course."""
    achievement_of = {
        (c.kind, c.experience_id or c.award_id): c.document["credentialSubject"]["achievement"]["id"]
        for c in credentials
    }
    out = []
    for c in credentials:
        if c.kind is not CredentialKind.AWARD:
            continue
        award = session.get(CreditAward, c.award_id)
        assert award is not None
        for experience in award.request.experiences:
            source = achievement_of.get((CredentialKind.EXPERIENCE, experience.id))
            if source:
                out.append(("isPartOf", source, achievement_of[(CredentialKind.AWARD, c.award_id)]))
    return out


def disagreement_evidence(session: Session, records: list[IssuedCredential]) -> list[dict[str, Any]]:
    """The student's statements of disagreement about the bundled experiences, as OB 3.0 Evidence."""
    by_experience = {c.experience_id: c for c in records if c.experience_id is not None}
    found = amendments.statements(session, list(by_experience))
    out: list[dict[str, Any]] = []
    for experience_id, statements in sorted(found.items()):
        credential = by_experience[experience_id]
        for st in statements:
            out.append(
                {
                    "type": ["Evidence"],
                    "name": "Statement of disagreement",
                    "description": f"The student's statement (FERPA, 34 CFR 99.21) of {st['added_on']} about "
                    f"the record in credential {credential.credential_id}.",
                    "narrative": st["statement"],
                }
            )
    return out


def clr_for(session: Session, student: Person, config: Config) -> IssuedCredential:
    """The student's current CLR: every credential in force, bundled and signed.

    A CLR is reused while the set of credentials it bundles is unchanged and it is not revoked.
    """
    records = [c for c in record_credentials(session, student, config) if c.state is CredentialState.ISSUED]
    if not records:
        raise NothingToBundle(
            "There is no record to bundle yet: a micro-internship counts once the supervisor has verified it, "
            "course credit once the registrar has posted it."
        )
    ids = [c.credential_id for c in records]
    latest = session.execute(
        sa.select(IssuedCredential)
        .where(
            IssuedCredential.student_id == student.id,
            IssuedCredential.kind == CredentialKind.CLR,
            IssuedCredential.state == CredentialState.ISSUED,
        )
        .order_by(IssuedCredential.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    evidence = disagreement_evidence(session, records)
    if latest is not None and list(latest.included) == ids and latest.document.get("evidence", []) == evidence:
        return latest
    subject = subject_for(session, student)
    info = issuer_info(config)
    associations = _associations(session, records)

    def build(**kw: Any) -> dict[str, Any]:
        return builders.clr_credential(
            issuer=info,
            subject=subject,
            credentials=[c.document for c in records],
            associations=associations,
            evidence=evidence,
            **kw,
        )

    return _issue(session, config, kind=CredentialKind.CLR, student=student, build=build, included=ids)


def clr_for_student(session: Session, campus_id: str, client: Any, config: Config) -> dict[str, Any]:
    """The registrar API: the CLR of the student with `campus_id`, disclosure-logged.

    :param client: the OAuth2 client (needs `client_id`, and `client_name` or `name`).
    """
    student = session.execute(sa.select(Person).where(Person.campus_id == campus_id)).scalar_one_or_none()
    if student is None or Role.STUDENT not in student.roles:
        raise CredentialNotFound(f"no student with campus id {campus_id}")
    clr = clr_for(session, student, config)
    client_id = getattr(client, "client_id", None) or getattr(client, "id", None)
    label = getattr(client, "client_name", None) or getattr(client, "name", None) or f"API client {client_id}"
    record_disclosure(
        session,
        student_id=student.id,
        party_type="api_client",
        party_id=client_id,
        party_label=str(label),
        records=f"comprehensive learner record (CLR 2.0) {clr.credential_id}: {len(clr.included)} credential(s)",
        interest="registrar system: recording verified micro-internships and credit",
    )
    return clr.document


def student_credential(session: Session, student: Person, credential_id: str) -> IssuedCredential:
    """One of `student`'s own issued credentials, or `CredentialNotFound` (also for another's)."""
    row = session.execute(
        sa.select(IssuedCredential).where(
            IssuedCredential.credential_id == credential_id, IssuedCredential.student_id == student.id
        )
    ).scalar_one_or_none()
    if row is None:
        raise CredentialNotFound(credential_id)
    return row
