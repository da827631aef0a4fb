"""Credit rules stored as versions: loading a rules file, and the versions in force.

Plain functions taking a session: they `flush()`; the request or CLI command commits.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from careercenter.audit.service import Actor, record_event
from careercenter.credits.models import RULE_TRANSITIONS, CreditRule, RuleStatus
from careercenter.credits.rules import RuleSpec
from careercenter.credits.terms import DEFAULT_TERM_STARTS, Calendar
from careercenter.formatting import format_decimal
from careercenter.statemachine import move


def calendar() -> Calendar:
    """The term calendar configured by CAREERCENTER_CREDITS_TERM_STARTS."""
    return Calendar.parse(current_app.config.get("CREDITS_TERM_STARTS") or DEFAULT_TERM_STARTS)


def spec_of(rule: CreditRule) -> RuleSpec:
    """The rule version's definition, parsed."""
    return RuleSpec.from_definition(rule.definition)


def load_rules(session: Session, specs: Sequence[RuleSpec], actor: Actor) -> list[str]:
    """Store each spec as a new version of its code unless its content is unchanged.

    Returns one line per rule, e.g. ``INTR-295 v2 loaded (INTR 295, 1–3 credits); v1 superseded``.
    """
    lines = []
    for spec in specs:
        latest = session.execute(
            sa.select(CreditRule).where(CreditRule.code == spec.code).order_by(CreditRule.version.desc()).limit(1)
        ).scalar_one_or_none()
        digest = spec.content_hash()
        if latest is not None and latest.content_hash == digest:
            lines.append(f"{spec.code} v{latest.version} unchanged")
            continue
        rule = CreditRule(
            code=spec.code,
            version=latest.version + 1 if latest else 1,
            status=RuleStatus.RETIRED if spec.retired else RuleStatus.ACTIVE,
            name=spec.name,
            course_subject=spec.course_subject,
            course_number=spec.course_number,
            course_title=spec.course_title,
            grading_basis=spec.grading_basis,
            definition=spec.definition(),
            content_hash=digest,
        )
        session.add(rule)
        session.flush()
        record_event(
            session,
            actor,
            "credit_rule.loaded",
            CreditRule.__tablename__,
            rule.id,
            {"code": rule.code, "version": rule.version, "content_hash": digest, "status": rule.status.value},
        )
        line = (
            f"{spec.code} v{rule.version} loaded "
            f"({spec.course_label}, {credit_range(spec)} credits, {rule.status.value})"
        )
        if latest is not None and latest.status is not RuleStatus.SUPERSEDED:
            move(
                session,
                latest,
                RuleStatus.SUPERSEDED,
                transitions=RULE_TRANSITIONS,
                actor=actor,
                action="credit_rule.superseded",
                data={"by_version": rule.version},
                attribute="status",
            )
            line += f"; v{latest.version} superseded"
        lines.append(line)
    return lines


def credit_range(spec: RuleSpec) -> str:
    """``1`` or ``1–3``: the credits a rule grants."""
    if spec.min_credits == spec.max_credits:
        return format_decimal(spec.min_credits)
    return f"{format_decimal(spec.min_credits)}–{format_decimal(spec.max_credits)}"


def all_rule_versions(session: Session) -> list[CreditRule]:
    """Every version of every rule, by code and version."""
    return list(session.execute(sa.select(CreditRule).order_by(CreditRule.code, CreditRule.version)).scalars())


def active_rules(session: Session) -> list[CreditRule]:
    """The versions in force, by code."""
    return list(
        session.execute(
            sa.select(CreditRule).where(CreditRule.status == RuleStatus.ACTIVE).order_by(CreditRule.code)
        ).scalars()
    )


def active_rule(session: Session, code: str) -> CreditRule | None:
    """The version of `code` in force, if any."""
    return session.execute(
        sa.select(CreditRule).where(CreditRule.code == code, CreditRule.status == RuleStatus.ACTIVE)
    ).scalar_one_or_none()
