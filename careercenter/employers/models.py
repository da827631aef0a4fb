"""Employers, their web domains and platform ids, supervisor contacts, and evaluation forms."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from careercenter.db import utcnow
from careercenter.extensions import db


class Employer(db.Model):
    """One organisation students work for. `merged_into_id` is set when staff merged it away."""

    __tablename__ = "employers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), index=True)
    #: Set by staff once they checked the employer and its domains.
    verified: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    verified_at: Mapped[datetime | None]
    #: The employer this one was merged into (its records now point there).
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employers.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    domains: Mapped[list[EmployerDomain]] = relationship(
        back_populates="employer", cascade="all, delete-orphan", order_by="EmployerDomain.domain"
    )
    platform_ids: Mapped[list[PlatformId]] = relationship(
        back_populates="employer", cascade="all, delete-orphan", order_by="PlatformId.id"
    )
    supervisors: Mapped[list[SupervisorContact]] = relationship(
        back_populates="employer", cascade="all, delete-orphan", order_by="SupervisorContact.name"
    )


class EmployerDomain(db.Model):
    """A web domain of an employer (`cedarvalleycu.org`); one employer per domain."""

    __tablename__ = "employer_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employers.id", ondelete="CASCADE"), index=True)
    domain: Mapped[str] = mapped_column(sa.String(253), unique=True)

    employer: Mapped[Employer] = relationship(back_populates="domains")


class PlatformId(db.Model):
    """The id a platform (Parker Dewey, Handshake) gives an employer; imports map it."""

    __tablename__ = "employer_platform_ids"
    __table_args__ = (sa.UniqueConstraint("platform", "external_id", name="uq_employer_platform_ids"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employers.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(sa.String(60))
    external_id: Mapped[str] = mapped_column(sa.String(120))

    employer: Mapped[Employer] = relationship(back_populates="platform_ids")


class SupervisorContact(db.Model):
    """A supervisor, de-duplicated by email under their employer."""

    __tablename__ = "supervisor_contacts"
    __table_args__ = (sa.UniqueConstraint("employer_id", "email", name="uq_supervisor_contacts_employer_email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    #: Lower-cased.
    email: Mapped[str] = mapped_column(sa.String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    employer: Mapped[Employer] = relationship(back_populates="supervisors")


class EvaluationForm(db.Model):
    """One version of an evaluation form: its questions and competencies, as data.

    A form is loaded from a forms file; a changed definition becomes a new version under the
    same code, and an answer keeps the id of the version it was given under.
    """

    __tablename__ = "evaluation_forms"
    __table_args__ = (sa.UniqueConstraint("code", "version", name="uq_evaluation_forms_code_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(60), index=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(200))
    definition: Mapped[dict[str, Any]]
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
