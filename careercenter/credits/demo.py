"""Demo step: the demo rules, verified micro-internships, and advisors' queues with requests
that pass and requests that fail their rules, plus approved ones with pending and posted awards."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from careercenter.audit.service import Actor
from careercenter.credits import requests as credit_requests
from careercenter.credits import rule_versions
from careercenter.credits.demo_routes import ROUTE_EXPERIENCES, seed_routes
from careercenter.credits.models import CreditRequest
from careercenter.credits.route_check import check_routes
from careercenter.credits.rules import parse_rules_text
from careercenter.db import utcnow
from careercenter.internships.models import Experience, ExperienceState

DEMO_RULES = Path(__file__).with_name("demo_rules.yaml")

REFLECTION_LONG = (
    "Over the autumn I completed two short projects for regional businesses, and together they taught me "
    "more about how a company actually makes decisions than any case study I have read. At Harbor Goods I "
    "rebuilt the product catalog for their online store and then measured which category pages kept "
    "visitors longest. The numbers were messy at first: seasonal products distorted the averages, and I "
    "had to learn to separate a trend from a one-week spike before recommending anything to the owner.\n\n"
    "The second project, a pricing review for Northside Bikes, connected directly to my managerial "
    "accounting course. I built a contribution-margin table for their repair services and found that "
    "two popular tune-up packages lost money once technician time was counted honestly. Presenting that "
    "to the owner was uncomfortable, because those packages were her idea, and I learned to lead with "
    "the data and a proposal rather than with the problem alone. She adopted a revised price list the "
    "following week, which was the most satisfying moment of the semester.\n\n"
    "Both supervisors pushed me on communication. My first weekly updates were long and buried the "
    "point; by the end I was writing three sentences with the decision I needed at the top. I also "
    "learned to estimate my own time: I promised the catalog in ten hours and it took sixteen, which "
    "taught me to plan for cleanup work I cannot see in advance. Next term I want to take the "
    "operations management elective, because both projects showed me that the interesting questions "
    "sit where finance meets day-to-day operations, and I would like to understand the tools people "
    "use to answer them. I also plan to keep the habit of a short weekly summary for my student "
    "organization, since it made my own thinking clearer as much as it helped my supervisors follow along."
)

REFLECTION_SHORT = (
    "I worked on social media posts for a local gym and on a customer survey for a coffee roaster. "
    "I learned how to plan content for a month and how to write survey questions that are not "
    "leading. My supervisors were helpful and I would like to do more marketing work next year. "
    "The survey results showed that customers cared most about opening hours, which surprised the "
    "owner and me."
)

# student key → (employer, title, category, hours, days since it ended, ratings, feedback)
EXPERIENCES: dict[str, list[tuple[str, str, str, str, int, dict[str, int], str]]] = {
    "maya": [
        (
            "Brightline Health",
            "Patient-intake form accessibility audit",
            "Software development",
            "18",
            40,
            {"technical skill": 5, "communication": 4, "problem solving": 5},
            "Found issues our vendor missed; clear write-up.",
        ),
        (
            "Cobalt Freight",
            "Shipment-delay dashboard",
            "Data analysis",
            "20",
            75,
            {"technical skill": 4, "communication": 4, "time management": 4},
            "Delivered a working dashboard a week early.",
        ),
        (
            "Lumen Books",
            "Inventory API cleanup",
            "Software development",
            "14.5",
            120,
            {"technical skill": 4, "teamwork": 4},
            "Careful, tested code; asked good questions.",
        ),
        (
            "Riverbend Clinic",
            "Appointment reminder script",
            "Software development",
            "22",
            300,
            {"technical skill": 5, "problem solving": 4},
            "Saved our front desk hours each week.",
        ),
        (
            "Keystone Labs",
            "Test-suite triage",
            "Software development",
            "24",
            330,
            {"technical skill": 4, "communication": 3},
            "Solid work on a dull but important job.",
        ),
    ],
    "ethan": [
        (
            "Pixel Pantry",
            "Menu website refresh",
            "Software development",
            "16",
            30,
            {"technical skill": 3, "communication": 4},
            "Eager and quick to learn.",
        ),
        (
            "Campus Rec Co-op",
            "Class-signup spreadsheet automation",
            "Data analysis",
            "12",
            55,
            {"technical skill": 4, "time management": 3},
            "Automation works; documentation was thin.",
        ),
    ],
    "grace": [
        (
            "Meridian Insurance",
            "Claims-text topic model",
            "Data analysis",
            "15",
            20,
            {"technical skill": 5, "communication": 4},
            "Excellent modelling and a crisp summary.",
        ),
        (
            "GreenGrid Energy",
            "Meter-data anomaly report",
            "Data analysis",
            "12.5",
            45,
            {"technical skill": 4, "problem solving": 4},
            "Found three faulty meters we had missed.",
        ),
        (
            "Open Harbor NGO",
            "Donor retention analysis",
            "Data analysis",
            "11",
            90,
            {"technical skill": 4, "communication": 5},
            "Made the numbers understandable to our board.",
        ),
    ],
    "liam": [
        (
            "Harbor Goods",
            "Online catalog rebuild",
            "Marketing",
            "16",
            35,
            {"communication": 4, "time management": 3, "problem solving": 4},
            "Thoughtful and persistent.",
        ),
        (
            "Northside Bikes",
            "Repair-service pricing review",
            "Finance",
            "30",
            60,
            {"communication": 4, "problem solving": 5},
            "Changed how we price our services.",
        ),
        (
            "Summit Outfitters",
            "Wholesale order-process map",
            "Business operations",
            "72",
            200,
            {"communication": 4, "teamwork": 4},
            "Clear process maps; staff still use them.",
        ),
    ],
    "omar": [
        (
            "Ironworks Gym",
            "Monthly social media plan",
            "Marketing",
            "20",
            25,
            {"communication": 4, "time management": 4},
            "Creative posts, always on time.",
        ),
        (
            "Bean & Barrel Roasters",
            "Customer survey design",
            "Marketing",
            "28",
            50,
            {"communication": 3, "problem solving": 4},
            "Good survey; analysis could go deeper.",
        ),
    ],
    "sofia": [
        (
            "Civic Voices Podcast",
            "Episode research and show notes",
            "Communication",
            "16",
            20,
            {"communication": 5, "time management": 4},
            "Well-researched and always on deadline.",
        ),
    ],
    "noah": [
        (
            "Apex Fabrication",
            "Fixture design review",
            "Engineering",
            "50",
            150,
            {"technical skill": 4, "communication": 3},
            "Spotted a tolerance problem before production.",
        ),
        (
            "Torque Robotics",
            "Gearbox test rig",
            "Engineering",
            "26",
            40,
            {"technical skill": 5, "teamwork": 4},
            "Built a rig we now use every week.",
        ),
        (
            "Delta HVAC",
            "Duct-sizing calculator",
            "Engineering",
            "21",
            70,
            {"technical skill": 4, "problem solving": 4},
            "Accurate and well documented.",
        ),
    ],
    "aisha": [
        (
            "Wildflower Conservancy",
            "Pollinator survey data entry",
            "Research",
            "17",
            30,
            {"teamwork": 4, "problem solving": 3},
            "Careful and reliable in the field.",
        ),
    ],
}


#: The supervisors of the verified micro-internships the credit requests combine (name, title).
SUPERVISORS: list[tuple[str, str]] = [
    ("Miriam Halvorsen", "Operations Manager"),
    ("Kwame Asante", "Engineering Lead"),
    ("Laura Brennan-Ortiz", "Marketing Coordinator"),
    ("Daniel Whitcombe", "Product Manager"),
    ("Yuki Tanaka", "Research Director"),
    ("Farah Siddiqui", "Program Manager"),
    ("Gregor Lindqvist", "Studio Director"),
    ("Nia Robinson", "Community Outreach Lead"),
    ("Pavel Horak", "Plant Manager"),
    ("Rosa Delgado", "Volunteer Coordinator"),
    ("Ethan Blackwood", "Senior Analyst"),
    ("Adaeze Eze", "Clinic Administrator"),
]
#: One supervisor signed from a free-mail address: Dana's request page marks it (issue 16).
#: (Verified long ago: no mail is ever queued to it.)
PERSONAL_ADDRESSES = {("maya", 0): "brightline.intake.lead@gmail.com"}


def _make_experiences(session: Session, demo: Any, today: date) -> dict[str, list[Experience]]:
    made: dict[str, list[Experience]] = {}
    supervisors_used: list[str] = []
    for key, rows in list(EXPERIENCES.items()) + list(ROUTE_EXPERIENCES.items()):
        student = demo.people[key]
        for employer, title, category, hours, ended_ago, ratings, feedback in rows:
            end = today - timedelta(days=ended_ago)
            hrs = Decimal(hours)
            supervisor, supervisor_title = SUPERVISORS[len(supervisors_used) % len(SUPERVISORS)]
            supervisors_used.append(supervisor)
            exp = Experience(
                student_id=student.id,
                employer=employer,
                title=title,
                description=f"{title} for {employer}.",
                category=category,
                start_date=end - timedelta(days=max(7, int(hrs))),
                end_date=end,
                hours=hrs,
                skills=sorted(ratings),
                supervisor_name=supervisor,
                supervisor_title=supervisor_title,
                supervisor_email=PERSONAL_ADDRESSES.get((key, len(made.get(key, []))))
                or f"{supervisor.split()[0].lower()}@{employer.split()[0].lower()}.example.com",
                source="Parker Dewey" if len(made) % 2 else "manual",
                state=ExperienceState.VERIFIED,
                verified_hours=hrs,
                verified_at=utcnow() - timedelta(days=max(ended_ago - 3, 1)),
                skill_ratings=dict(ratings),
                supervisor_feedback=feedback,
                willing_reference=True,
                attested_name=supervisor,
            )
            session.add(exp)
            made.setdefault(key, []).append(exp)
    session.flush()
    return made


def seed(session: Session, demo: Any) -> list[str]:
    """Load the demo rules (with their approval routes) and put requests at every step."""
    today = utcnow().date()
    specs = parse_rules_text(DEMO_RULES.read_text(encoding="utf-8"), rule_versions.calendar())
    routes = check_routes(session, specs)
    if not routes.is_ok:  # the demo people must be able to decide every step of the demo routes
        raise RuntimeError("; ".join(routes.undecidable))
    rule_versions.load_rules(session, specs, Actor.system("seed-demo"))
    exps = _make_experiences(session, demo, today)
    people = demo.people

    def submit(
        key: str, code: str, items: list[Experience], reflection: str = "", days_ago: int = 0, sponsor: str = ""
    ) -> CreditRequest:
        student = people[key]
        draft = credit_requests.prepare_request(session, student, code, [e.id for e in items], reflection, today=today)
        request = credit_requests.submit_request(
            session, student, draft, Actor.person(student), people[sponsor] if sponsor else None
        )
        request.submitted_at = utcnow() - timedelta(days=days_ago, hours=3)
        session.flush()
        return request

    lines = seed_routes(session, people, exps, submit, (REFLECTION_LONG, REFLECTION_SHORT))
    return [f"credit rules: {len(specs)} loaded from {DEMO_RULES.name}", *lines]
