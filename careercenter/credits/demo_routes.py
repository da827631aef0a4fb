"""Demo step, approval routes: requests waiting at every step of the demo routes (one step
overdue and escalated, one approver away with a delegate), and earlier requests decided step by
step. Returns the lines `flask seed-demo` prints, saying whom to pick to see each step."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from careercenter.audit.service import Actor
from careercenter.credits import approvals, delegation
from careercenter.credits.approval_models import ApprovalDecision, ApprovalWait
from careercenter.credits.escalation import escalate_due
from careercenter.credits.models import AWARD_TRANSITIONS, AwardStatus, CreditAward, CreditRequest, RequestState
from careercenter.db import utcnow
from careercenter.internships.models import Experience
from careercenter.statemachine import move

# student key → (employer, title, category, hours, days since it ended, ratings, feedback)
# fmt: off
ROUTE_EXPERIENCES: dict[str, list[tuple[str, str, str, str, int, dict[str, int], str]]] = {
    "kenji": [
        ("Orbit Robotics", "Sensor-log parser", "Software development", "24", 30,
         {"technical skill": 4, "communication": 4}, "Parser handles every log format we have."),
        ("Fieldnote Apps", "Offline sync fix", "Software development", "22", 60,
         {"technical skill": 5, "problem solving": 4}, "Found the race we had chased for months."),
    ],
    "zoe": [
        ("Quarry Data", "ETL pipeline tests", "Data analysis", "30", 25,
         {"technical skill": 5, "communication": 4}, "Tests caught two bad loads in week one."),
        ("Beacon Transit", "Route-delay map", "Software development", "20", 80,
         {"technical skill": 4, "teamwork": 4}, "Riders use the map daily."),
    ],
    "arjun": [
        ("Lattice Security", "Log-alert tuning", "Software development", "25", 35,
         {"technical skill": 4, "problem solving": 4}, "Cut false alarms by half."),
        ("Harvest Co-op", "Inventory web form", "Software development", "18", 70,
         {"technical skill": 4, "communication": 4}, "Volunteers finally enter stock correctly."),
    ],
    "maya": [
        ("Nimbus Weather", "Forecast API client", "Software development", "42", 15,
         {"technical skill": 5, "communication": 4}, "Clean client library, well tested."),
    ],
}
# fmt: on


def _post(session: Session, award: CreditAward | None, reference: str) -> None:
    assert award is not None
    award.sis_reference = reference
    award.posted_at = utcnow() - timedelta(days=2)
    move(
        session,
        award,
        AwardStatus.POSTED,
        transitions=AWARD_TRANSITIONS,
        actor=Actor.system("demo registrar system"),
        action="credit_award.posted",
        data={"sis_reference": reference},
        attribute="status",
    )


def _history_in_order(session: Session) -> None:
    """Date the demo's finished decisions as they would have happened: each step a day after the
    one before (the first a day after the submission), the award approved at the last step and
    posted two days later — never before it was approved, never in the future."""
    now = utcnow()
    finished = session.scalars(
        sa.select(CreditRequest).where(
            CreditRequest.state != RequestState.SUBMITTED, CreditRequest.submitted_at.is_not(None)
        )
    ).all()
    for request in finished:
        at = request.submitted_at
        steps = session.scalars(
            sa.select(ApprovalDecision)
            .where(ApprovalDecision.request_id == request.id)
            .order_by(ApprovalDecision.pass_no, ApprovalDecision.step_index)
        ).all()
        for step in steps:
            at = min(at + timedelta(days=1), now)
            step.decided_at = at
        if request.decided_at is not None:
            request.decided_at = at
        award = session.scalars(sa.select(CreditAward).where(CreditAward.request_id == request.id)).first()
        if award is not None:
            award.approved_at = at
            if award.posted_at is not None:
                award.posted_at = min(at + timedelta(days=2), now)


def seed_routes(
    session: Session,
    people: dict[str, Any],
    exps: dict[str, list[Experience]],
    submit: Callable[..., Any],
    reflections: tuple[str, str],
) -> list[str]:
    """Decide and submit the demo requests; `reflections` is (a long one, a too-short one)."""
    p = people
    today = utcnow().date()

    # Decided earlier, every step of the route; two posted by the registrar system.
    done = submit("maya", "CSCI-397", exps["maya"][3:5], days_ago=30)
    approvals.approve(session, done, p["dana"], "Strong, well-documented work.")
    approvals.approve(session, done, p["helen"], "Fits the practicum.")
    _post(session, approvals.approve(session, done, p["karen"], "").award, "BANNER-2026-00418")
    done = submit("noah", "INTR-295", exps["noah"][0:1], days_ago=25)
    approvals.approve(session, done, p["elena"], "Approved.")
    _post(session, approvals.approve(session, done, p["tom"], "").award, "BANNER-2026-00422")
    # Approved, waiting for the registrar system to post.
    done = submit("sofia", "PDEV-110", exps["sofia"], days_ago=9)
    approvals.approve(session, done, p["raj"], "Nice work on the podcast.")
    done = submit("liam", "INTR-295", exps["liam"][2:3], days_ago=12)
    approvals.approve(
        session,
        done,
        p["raj"],
        "Approved.",
        credits=Decimal("1"),
        reason="One credit: the second half of the hours were routine data entry.",
    )
    approvals.approve(session, done, p["karen"], "")
    # Returned to the student at the first step.
    back = submit("aisha", "INTR-295", exps["aisha"], days_ago=6)
    approvals.send_back(
        session,
        back,
        p["elena"],
        "17 hours is not enough for INTR 295 yet; add another verified micro-internship and resubmit.",
        RequestState.RETURNED,
    )

    # Waiting: INTR-295 (advisor → registrar).
    submit("maya", "INTR-295", exps["maya"][0:3], days_ago=4)  # 52.5 h → 1 credit
    submit("grace", "INTR-295", exps["grace"], days_ago=3)  # 38.5 h in 3: too few hours
    at_registrar = submit("noah", "INTR-295", exps["noah"][1:3], days_ago=3)
    approvals.approve(session, at_registrar, p["elena"], "Good engineering work.")
    # Waiting: CSCI-397 (advisor → chair of the student's program → registrar), at every step.
    submit("ethan", "CSCI-397", exps["ethan"], days_ago=2)  # first-year, and too few hours
    submit("kenji", "CSCI-397", exps["kenji"], days_ago=2)
    at_chair = submit("zoe", "CSCI-397", exps["zoe"], days_ago=3)
    approvals.approve(session, at_chair, p["dana"], "Solid data work.")
    overdue = submit("arjun", "CSCI-397", exps["arjun"], days_ago=12)
    approvals.approve(session, overdue, p["dana"], "Fine by me.")
    wait = session.get(ApprovalWait, overdue.id)
    assert wait is not None and wait.deadline_at is not None
    wait.started_at -= timedelta(days=10)
    wait.deadline_at -= timedelta(days=10)
    escalate_due(session)  # 3 days past the chair's 7: the registrar may decide it too
    last = submit("maya", "CSCI-397", exps["maya"][5:6], days_ago=5)
    approvals.approve(session, last, p["dana"], "")
    approvals.approve(session, last, p["helen"], "Good fit for the practicum.")
    # Waiting: BUS-390 (the sponsor the student names → advisor); Raj is away, Dana decides for him.
    submit("omar", "BUS-390", exps["omar"], reflections[1], days_ago=1, sponsor="marcus")
    for_raj = submit("liam", "BUS-390", exps["liam"][0:2], reflections[0], days_ago=3, sponsor="marcus")
    approvals.approve(session, for_raj, p["marcus"], "A thoughtful reflection.")
    delegation.set_away(session, p["raj"], p["dana"].campus_id, today - timedelta(days=1), today + timedelta(days=10))
    _history_in_order(session)
    session.flush()
    return [
        "credit requests: 10 waiting at route steps, 1 returned, 4 approved through their routes "
        "(2 awards posted, 2 pending)",
        "approval routes — sign in on /dev/login as:",
        "  INTR-295 Advisor review: Dana Whitfield (Maya Okafor, Grace Lee)",
        "  INTR-295 Registrar check: Karen Mbeki or Tom Brennan (Noah Williams)",
        "  CSCI-397 Advisor review: Dana Whitfield (Kenji Sato; Ethan Novak does not meet the rule)",
        "  CSCI-397 Department chair: Helen Zhou (Zoe Martin; Arjun Mehta's is overdue and escalated, "
        "so Karen Mbeki may decide it too)",
        "  CSCI-397 Registrar check: Karen Mbeki (Maya Okafor)",
        "  BUS-390 Faculty sponsor: Marcus Bell (Omar Haddad)",
        "  BUS-390 Advisor review: Dana Whitfield, for Raj Patel who is away (Liam Chen)",
    ]
