"""`/me/away`: an approver names a delegate and a date range; during it the delegate sees and
decides the approver's steps (when they themself hold the role such a step asks for)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from careercenter.audit.service import Actor, record_event
from careercenter.credits.approval_models import ApproverSettings, Delegation
from careercenter.credits.eligibility import APPROVER_ROLES, is_approver
from careercenter.errors import NotAllowed, ValidationFailed
from careercenter.sso.models import Person, Role, RoleGrant


def possible_delegates(session: Session, person: Person) -> list[Person]:
    """Active people holding a role that may decide some step this person decides."""
    roles = [role for role in APPROVER_ROLES if person.has_role(role)] or [Role.FACULTY]
    return list(
        session.execute(
            sa.select(Person)
            .join(RoleGrant, RoleGrant.person_id == Person.id)
            .where(RoleGrant.role.in_(roles), Person.is_active.is_(True), Person.id != person.id)
            .order_by(Person.display_name)
        )
        .scalars()
        .unique()
    )


def delegations_of(session: Session, person: Person) -> list[Delegation]:
    return list(
        session.execute(
            sa.select(Delegation).where(Delegation.person_id == person.id).order_by(Delegation.starts_on)
        ).scalars()
    )


def set_away(
    session: Session, person: Person, delegate_campus_id: str, starts_on: date | None, ends_on: date | None
) -> Delegation:
    """Name `delegate_campus_id` to decide `person`'s steps from `starts_on` to `ends_on`."""
    if not is_approver(person):
        raise NotAllowed("Only someone who decides approval steps can name a delegate.")
    errors: dict[str, str] = {}
    delegate = session.execute(
        sa.select(Person).where(Person.campus_id == (delegate_campus_id or "").strip())
    ).scalar_one_or_none()
    shared = [role for role in APPROVER_ROLES if person.has_role(role)] or [Role.FACULTY]
    if delegate is None or not delegate.is_active:
        errors["delegate"] = "Choose a delegate from the list."
    elif delegate.id == person.id:
        errors["delegate"] = "Choose someone other than yourself."
    elif not delegate.has_role(*shared):
        errors["delegate"] = (
            f"{delegate.display_name} holds no role that may decide your steps "
            f"({', '.join(r.value for r in shared)}): choose someone who does."
        )
    if starts_on is None:
        errors["starts_on"] = "Enter the first day you are away, e.g. 2026-12-21."
    if ends_on is None:
        errors["ends_on"] = "Enter the last day you are away, e.g. 2027-01-04."
    elif starts_on is not None and ends_on < starts_on:
        errors["ends_on"] = "The last day must not be before the first."
    if errors:
        raise ValidationFailed("Please correct the marked fields.", errors)
    assert delegate is not None and starts_on is not None and ends_on is not None
    delegation = Delegation(person_id=person.id, delegate_id=delegate.id, starts_on=starts_on, ends_on=ends_on)
    session.add(delegation)
    session.flush()
    record_event(
        session,
        Actor.person(person),
        "approval.delegated",
        Delegation.__tablename__,
        delegation.id,
        {"delegate": delegate.display_name, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()},
    )
    return delegation


def end_away(session: Session, person: Person, delegation_id: int) -> None:
    delegation = session.get(Delegation, delegation_id)
    if delegation is None or delegation.person_id != person.id:
        raise NotAllowed("No such delegation of yours.")
    record_event(
        session, Actor.person(person), "approval.delegation_ended", Delegation.__tablename__, delegation.id, {}
    )
    session.delete(delegation)
    session.flush()


def wants_digest(session: Session, person: Person) -> bool:
    settings = session.get(ApproverSettings, person.id)
    return bool(settings and settings.daily_digest)


def set_digest(session: Session, person: Person, daily_digest: bool) -> None:
    """Choose one email per step (False) or one daily digest (True)."""
    settings = session.get(ApproverSettings, person.id)
    if settings is None:
        settings = ApproverSettings(person_id=person.id)
        session.add(settings)
    settings.daily_digest = daily_digest
    session.flush()
    record_event(
        session, Actor.person(person), "approval.notice_choice", "person", person.id, {"daily_digest": daily_digest}
    )
