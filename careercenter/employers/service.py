"""The employer directory: find or add employers, attach experiences and supervisors to them,
map platform ids, verify, add domains, and merge duplicates (records follow, audit kept).

Plain functions taking a session; they only `flush()`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from careercenter.audit.service import Actor, record_event
from careercenter.db import utcnow
from careercenter.employers.models import Employer, EmployerDomain, PlatformId, SupervisorContact
from careercenter.errors import Conflict, ValidationFailed
from careercenter.internships.models import Experience

_DOMAIN = re.compile(r"^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_SUFFIXES = re.compile(r"[,.]?\s+(inc|llc|ltd|co|corp|corporation|company|gmbh)\.?$")


def normalized_name(name: str) -> str:
    """ "ACME, Inc." and "Acme" both → "acme": the key for proposing duplicates (never for merging)."""
    text = re.sub(r"\s+", " ", name.strip().casefold())
    text = _SUFFIXES.sub("", text)
    return re.sub(r"[^\w ]", "", text).strip()


def live(session: Session) -> sa.Select[tuple[Employer]]:
    return sa.select(Employer).where(Employer.merged_into_id.is_(None))


def search(session: Session, query: str, limit: int = 20) -> list[Employer]:
    """Employers whose name (or a domain) contains `query`, case-insensitively; all when empty."""
    stmt = live(session).order_by(Employer.name, Employer.id).limit(limit)
    text = query.strip()
    if any(ord(c) < 32 or c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069" for c in text):
        return []  # not a name (the claim's checks say so beside the field)
    if text:
        like = f"%{text.casefold()}%"
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(Employer.name).like(like),
                Employer.id.in_(sa.select(EmployerDomain.employer_id).where(EmployerDomain.domain.like(like))),
            )
        )
    return list(session.execute(stmt).scalars())


def add_employer(session: Session, name: str, actor: Actor, *, domains: Sequence[str] = ()) -> Employer:
    name = name.strip()
    if not name or len(name) > 200:
        raise ValidationFailed("Check the employer.", {"employer": "Enter the employer's name (under 200 characters)."})
    employer = Employer(name=name)
    session.add(employer)
    session.flush()
    for domain in domains:
        add_domain(session, employer, domain, actor)
    record_event(session, actor, "employer.created", Employer.__tablename__, employer.id, {"name": name})
    return employer


def find_by_name(session: Session, name: str) -> Employer | None:
    """The one live employer named exactly `name` (case-insensitively), if there is exactly one."""
    rows = list(session.execute(live(session).where(sa.func.lower(Employer.name) == name.strip().casefold())).scalars())
    return rows[0] if len(rows) == 1 else None


def resolve(session: Session, employer_id: int | None, name: str, actor: Actor) -> Employer:
    """The employer an experience names: the one picked, else the one of that exact name, else a new one."""
    if employer_id is not None:
        employer = session.get(Employer, employer_id)
        while employer is not None and employer.merged_into_id is not None:
            employer = session.get(Employer, employer.merged_into_id)
        if employer is not None:
            return employer
    return find_by_name(session, name) or add_employer(session, name, actor)


def by_platform_id(session: Session, platform: str, external_id: str) -> Employer | None:
    row = session.execute(
        sa.select(PlatformId).where(PlatformId.platform == platform, PlatformId.external_id == external_id)
    ).scalar_one_or_none()
    return row.employer if row else None


def map_platform_id(session: Session, employer: Employer, platform: str, external_id: str) -> None:
    if by_platform_id(session, platform, external_id) is None:
        session.add(PlatformId(employer_id=employer.id, platform=platform, external_id=external_id))
        session.flush()


def contact_for(session: Session, employer: Employer, name: str, title: str, email: str) -> SupervisorContact:
    """The supervisor under `employer` with this email (one contact per address), kept up to date."""
    email = email.strip().lower()
    contact = session.execute(
        sa.select(SupervisorContact).where(
            SupervisorContact.employer_id == employer.id, SupervisorContact.email == email
        )
    ).scalar_one_or_none()
    if contact is None:
        contact = SupervisorContact(employer_id=employer.id, name=name, title=title or "", email=email)
        session.add(contact)
        session.flush()
    else:
        contact.name, contact.title = name or contact.name, title or contact.title
    return contact


def attach(session: Session, experience: Experience, employer_id: int | None, actor: Actor) -> Employer:
    """Point a recorded experience at its employer record and supervisor contact (kept when
    nothing was picked and the name still is the record's)."""
    current = experience.employer_record
    if employer_id is None and current is not None and current.name == experience.employer:
        employer_id = current.id
    employer = resolve(session, employer_id, experience.employer, actor)
    experience.employer_record = employer
    experience.employer = employer.name
    contact = contact_for(
        session, employer, experience.supervisor_name, experience.supervisor_title, experience.supervisor_email
    )
    experience.supervisor_id = contact.id
    session.flush()
    return employer


def add_domain(session: Session, employer: Employer, domain: str, actor: Actor) -> EmployerDomain:
    domain = domain.strip().lower().removeprefix("www.").removeprefix("@")
    if not _DOMAIN.match(domain):
        raise ValidationFailed("Check the domain.", {"domain": "Enter a web domain like cedarvalleycu.org."})
    taken = session.execute(sa.select(EmployerDomain).where(EmployerDomain.domain == domain)).scalar_one_or_none()
    if taken is not None:
        if taken.employer_id == employer.id:
            return taken
        raise ValidationFailed("Check the domain.", {"domain": f"{domain} belongs to {taken.employer.name} already."})
    row = EmployerDomain(employer_id=employer.id, domain=domain)
    session.add(row)
    session.flush()
    record_event(session, actor, "employer.domain_added", Employer.__tablename__, employer.id, {"domain": domain})
    return row


def set_verified(session: Session, employer: Employer, verified: bool, actor: Actor) -> None:
    if employer.verified == verified:
        return
    employer.verified = verified
    employer.verified_at = utcnow() if verified else None
    session.flush()
    action = "employer.verified" if verified else "employer.unverified"
    record_event(session, actor, action, Employer.__tablename__, employer.id, {"name": employer.name})


def merge(session: Session, duplicate: Employer, keep: Employer, actor: Actor) -> dict[str, int]:
    """Merge `duplicate` into `keep`: experiences, supervisors, domains and platform ids follow."""
    if duplicate.id == keep.id:
        raise Conflict("An employer cannot be merged into itself.")
    if duplicate.merged_into_id is not None or keep.merged_into_id is not None:
        raise Conflict("That employer was merged already.")
    moved = {"experiences": 0, "supervisors": 0, "domains": 0, "platform_ids": 0}
    contacts = {c.email: c for c in keep.supervisors}
    for contact in list(duplicate.supervisors):
        target = contacts.get(contact.email)
        if target is None:
            contact.employer_id = keep.id
            moved["supervisors"] += 1
            continue
        session.execute(
            sa.update(Experience).where(Experience.supervisor_id == contact.id).values(supervisor_id=target.id)
        )
        session.delete(contact)
    result = session.execute(
        sa.update(Experience)
        .where(Experience.employer_id == duplicate.id)
        .values(employer_id=keep.id, employer=keep.name)
        .execution_options(synchronize_session="fetch")
    )
    moved["experiences"] = int(result.rowcount or 0)
    for domain in list(duplicate.domains):
        domain.employer_id = keep.id
        moved["domains"] += 1
    for pid in list(duplicate.platform_ids):
        pid.employer_id = keep.id
        moved["platform_ids"] += 1
    duplicate.merged_into_id = keep.id
    session.flush()
    session.expire(keep)
    session.expire(duplicate)
    record_event(
        session,
        actor,
        "employer.merged",
        Employer.__tablename__,
        keep.id,
        {"merged": duplicate.id, "merged_name": duplicate.name, "into": keep.id, **moved},
    )
    return moved


@dataclass(frozen=True)
class DuplicateProposal:
    """Employers whose names differ only in case, spacing, punctuation or a company suffix."""

    key: str
    employers: tuple[Employer, ...]


def proposed_duplicates(session: Session) -> list[DuplicateProposal]:
    groups: dict[str, list[Employer]] = {}
    for employer in session.execute(live(session).order_by(Employer.id)).scalars():
        groups.setdefault(normalized_name(employer.name), []).append(employer)
    return [DuplicateProposal(k, tuple(v)) for k, v in sorted(groups.items()) if len(v) > 1]


def backfill(session: Session, actor: Actor) -> int:
    """Attach each experience that has no employer record, by its exact name (a new record when
    no employer has it); same-name variants stay apart and show as proposals on /employers."""
    orphans = list(
        session.execute(sa.select(Experience).where(Experience.employer_id.is_(None)).order_by(Experience.id)).scalars()
    )
    for experience in orphans:
        attach(session, experience, None, actor)
    return len(orphans)
