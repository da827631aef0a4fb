"""People, their roles and advisor–student assignments: who someone is *here*."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from careercenter.db import enum_column, utcnow
from careercenter.extensions import db


class Role(enum.StrEnum):
    STUDENT = "student"
    ADVISOR = "advisor"
    REGISTRAR = "registrar"
    ADMIN = "admin"
    #: Career-center staff: reports, rules, student record pages; no decisions, postings or revocations.
    STAFF = "staff"
    #: Faculty: may be named as a student's sponsor, and sits in approver pools (department chairs).
    FACULTY = "faculty"


class ClassLevel(enum.StrEnum):
    FIRST_YEAR = "first-year"
    SOPHOMORE = "sophomore"
    JUNIOR = "junior"
    SENIOR = "senior"
    GRADUATE = "graduate"


class Person(db.Model):
    """Anyone with a campus identity: student, advisor, registrar staff or admin."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The registrar's id for the person (e.g. a Banner ID); stable across name/email changes.
    campus_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: The subject the campus identity provider gave at the last SSO login.
    sso_subject: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(200))
    program: Mapped[str | None] = mapped_column(sa.String(120))
    class_level: Mapped[ClassLevel | None] = mapped_column(enum_column(ClassLevel, "class_level"))
    #: False once the directory no longer lists the person: every sign-in and session ends.
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    #: Demo people can be picked on the development login page.
    is_demo: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    directory_synced_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    role_grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="person", cascade="all, delete-orphan", lazy="selectin"
    )
    #: Loaded when asked for (a signed-in person's with their session, sso.sessions): not with every person.
    pool_memberships: Mapped[list[PoolMembership]] = relationship(
        back_populates="person", cascade="all, delete-orphan", lazy="select"
    )

    @property
    def pools(self) -> set[str]:
        """The approver pools (e.g. "csci-chairs") the directory puts the person in."""
        return {m.pool for m in self.pool_memberships}

    def set_pools(self, pools: set[str]) -> bool:
        """Make the person's approver pools exactly `pools`; return whether anything changed."""
        current = self.pools
        if current == pools:
            return False
        self.pool_memberships = [m for m in self.pool_memberships if m.pool in pools] + [
            PoolMembership(pool=p) for p in sorted(pools - current)
        ]
        return True

    @property
    def roles(self) -> set[Role]:
        return {grant.role for grant in self.role_grants}

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    def set_roles(self, roles: set[Role]) -> bool:
        """Make the person's roles exactly `roles`; return whether anything changed."""
        current = self.roles
        if current == roles:
            return False
        self.role_grants = [g for g in self.role_grants if g.role in roles] + [
            RoleGrant(role=r) for r in sorted(roles - current)
        ]
        return True

    @property
    def primary_role(self) -> Role | None:
        """The role whose home page the person lands on: the most powerful they hold."""
        for role in (Role.ADMIN, Role.REGISTRAR, Role.STAFF, Role.ADVISOR, Role.FACULTY, Role.STUDENT):
            if role in self.roles:
                return role
        return None

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.campus_id}>"


class RoleGrant(db.Model):
    __tablename__ = "role_grants"

    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    #: Indexed alone too: who holds a role (every registrar, told of each step that reaches them)
    #: is asked of the role, and the primary key begins with the person.
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"), primary_key=True, index=True)
    person: Mapped[Person] = relationship(back_populates="role_grants")


class PoolMembership(db.Model):
    """A person sits in an approver pool (`pool:NAME` in CAREERCENTER_LDAP_ROLE_MAP)."""

    __tablename__ = "pool_memberships"

    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    pool: Mapped[str] = mapped_column(sa.String(60), primary_key=True, index=True)
    person: Mapped[Person] = relationship(back_populates="pool_memberships")


class AdvisorAssignment(db.Model):
    """An advisor is responsible for a student: the relation that lets them see the records."""

    __tablename__ = "advisor_assignments"
    __table_args__ = (sa.CheckConstraint("advisor_id <> student_id", name="not_self"),)

    advisor_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    student_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    #: "directory" when `flask directory sync` made it, "manual" otherwise.
    source: Mapped[str] = mapped_column(sa.String(20), default="manual")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    advisor: Mapped[Person] = relationship(foreign_keys=[advisor_id])
    student: Mapped[Person] = relationship(foreign_keys=[student_id])
