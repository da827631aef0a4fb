"""Demo step: micro-internships in every state across the demo students, with their mail."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from careercenter.audit.service import Actor
from careercenter.db import utcnow
from careercenter.internships.experiences import ExperienceInput, create_experience
from careercenter.internships.models import Experience
from careercenter.internships.signoff import confirm_signoff, dispute_signoff, request_signoff
from careercenter.internships.signoff_checks import SignoffInput

DEMO_IP = "203.0.113.24"  # TEST-NET-3: a documentation address
DEMO_AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) demo supervisor"

# student, employer, project, category, days ago (start, end), hours, skills, supervisor (name, title, email),
# description, what happens: draft | awaiting | verified (hours, ratings, feedback, reference) | disputed (reason)
EXPERIENCES: list[dict[str, Any]] = [
    {
        "student": "maya",
        "employer": "Cedar Valley Credit Union",
        "title": "Member marketing analytics",
        "category": "Marketing analytics",
        "span": (70, 50),
        "hours": "15",
        "skills": ["communication", "problem solving", "technical skill"],
        "supervisor": ("Renee Castillo", "Marketing Director", "rcastillo@cedarvalleycu.example.com"),
        "description": "Segmented two years of member email-campaign results and built a short report on which "
        "offers brought new checking accounts.",
        "outcome": (
            "verified",
            "15",
            [5, 4, 5],
            "Maya found the pattern in our campaign data that we had missed "
            "for a year, and explained it plainly to the board. Her report is already shaping our spring "
            "campaign.",
            True,
        ),
    },
    {
        "student": "maya",
        "employer": "Brightline Health Data",
        "title": "Python data-cleaning pipeline",
        "category": "Data analysis",
        "span": (30, 12),
        "hours": "20",
        "skills": ["technical skill", "time management"],
        "supervisor": ("Jonah Feld", "Lead Data Engineer", "jonah.feld@brightline.example.com"),
        "description": "Wrote pandas scripts that de-duplicate and validate clinic appointment exports.",
        "outcome": ("awaiting",),
    },
    {
        "student": "maya",
        "employer": "Fernhill Public Library",
        "title": "Volunteer scheduling web form",
        "category": "Software development",
        "span": (20, 8),
        "hours": "9",
        "skills": ["technical skill", "communication"],
        "supervisor": ("Beatriz Almeida", "Branch Manager", "balmeida@fernhill-library.example.org"),
        "description": "Replaced the paper volunteer sign-up sheet with an accessible web form and a weekly rota.",
        "outcome": ("draft",),
    },
    {
        "student": "maya",
        "employer": "Quarry Street Bakery",
        "title": "Online ordering menu update",
        "category": "Marketing",
        "span": (40, 33),
        "hours": "14",
        "skills": ["communication", "time management"],
        "supervisor": ("Samuel Okonkwo", "Owner", "sam@quarrystreetbakery.example.com"),
        "description": "Rewrote the online ordering menu and photographed the seasonal range.",
        "outcome": (
            "disputed",
            "Maya worked about 8 hours on the menu, not 14: the photographs were taken by our own staff. "
            "Please correct the hours and the description.",
        ),
    },
    {
        "student": "liam",
        "employer": "Northwind Outfitters",
        "title": "Market sizing for a rental program",
        "category": "Business strategy",
        "span": (90, 75),
        "hours": "12",
        "skills": ["problem solving", "communication"],
        "supervisor": ("Hannah Ostrowski", "Head of Strategy", "h.ostrowski@northwind.example.com"),
        "description": "Estimated demand for renting camping gear in three metro areas from survey and census data.",
        "outcome": (
            "verified",
            "12",
            [4, 4],
            "Clear assumptions and a model we could reuse. Liam kept us informed every step of the way.",
            True,
        ),
    },
    {
        "student": "liam",
        "employer": "Harbor & Pine Coffee Roasters",
        "title": "Social media content calendar",
        "category": "Marketing",
        "span": (40, 26),
        "hours": "18",
        "skills": ["communication", "time management"],
        "supervisor": ("Dev Raman", "Owner", "dev@harborpine.example.com"),
        "description": "Planned six weeks of posts for the café's Instagram and drafted captions.",
        "outcome": (
            "disputed",
            "The calendar covered three weeks, not six, and I count about 8 hours of work, "
            "not 18. Happy to confirm once the hours are corrected.",
        ),
    },
    {
        "student": "sofia",
        "employer": "Lumen Learning Apps",
        "title": "UX research sprint",
        "category": "UX research",
        "span": (45, 38),
        "hours": "10",
        "skills": ["communication", "teamwork", "problem solving"],
        "supervisor": ("Priya Natarajan", "UX Research Manager", "priya@lumenapps.example.com"),
        "description": "Ran five usability interviews with students on the homework app and wrote up the findings.",
        "outcome": (
            "verified",
            "10",
            [5, 5, 4],
            "Sofía ran the interviews with real warmth and wrote the best findings summary we have had from an intern.",
            True,
        ),
    },
    {
        "student": "sofia",
        "employer": "Riverbend Public Radio",
        "title": "Podcast episode research",
        "category": "Communication",
        "span": (20, 9),
        "hours": "8",
        "skills": ["communication"],
        "supervisor": ("Marcus Bell", "Senior Producer", "mbell@riverbendradio.example.org"),
        "description": "Researched and fact-checked sources for an episode on local water policy.",
        "outcome": ("awaiting",),
    },
    {
        "student": "noah",
        "employer": "Keystone Fabrication",
        "title": "CAD model clean-up for a bracket family",
        "category": "Engineering",
        "span": (25, 15),
        "hours": "16",
        "skills": ["technical skill", "time management"],
        "supervisor": ("Ilse Becker", "Design Engineer", "ibecker@keystonefab.example.com"),
        "description": "Rebuilt 14 legacy bracket models as parametric SolidWorks parts.",
        "outcome": ("awaiting",),
    },
    {
        "student": "noah",
        "employer": "GreenGrid Solar",
        "title": "Panel layout feasibility study",
        "category": "Engineering",
        "span": (14, 6),
        "hours": "9.5",
        "skills": ["problem solving"],
        "supervisor": ("Tomás Vidal", "Project Engineer", "tvidal@greengrid.example.com"),
        "description": "Checked roof layouts for three small-business installations against shading data.",
        "outcome": ("draft",),
    },
    {
        "student": "aisha",
        "employer": "Northfield Community Clinic",
        "title": "Lab inventory database",
        "category": "Data analysis",
        "span": (60, 45),
        "hours": "22",
        "skills": ["technical skill", "teamwork", "time management"],
        "supervisor": ("Dr. Elaine Park", "Laboratory Manager", "elaine.park.lab@gmail.com"),
        "description": "Moved the lab's reagent inventory from spreadsheets into a small Airtable base with alerts.",
        "outcome": (
            "verified",
            "20",
            [4, 5, 4],
            "Aisha was careful and organised; we adjusted the hours to 20 "
            "because two planned sessions were cancelled on our side.",
            False,
        ),
    },
    {
        "student": "ethan",
        "employer": "Pixelforge Games",
        "title": "Playtest bug triage",
        "category": "Software development",
        "span": (12, 5),
        "hours": "6",
        "skills": ["teamwork"],
        "supervisor": ("Casey Moreau", "QA Lead", "casey@pixelforge.example.com"),
        "description": "Sorted and reproduced 120 bug reports from a public playtest.",
        "outcome": ("draft",),
    },
    {
        "student": "grace",
        "employer": "Meridian Transit Authority",
        "title": "Python data-cleaning project",
        "category": "Data analysis",
        "span": (50, 35),
        "hours": "20",
        "skills": ["technical skill", "problem solving", "communication"],
        "supervisor": ("Oluwaseun Adeyemi", "Data Science Manager", "o.adeyemi@meridiantransit.example.gov"),
        "description": "Cleaned three years of bus ridership sensor data and documented every correction.",
        "outcome": (
            "verified",
            "20",
            [5, 5, 4],
            "Grace's cleaning notebook is now our team's reference. Excellent, independent work.",
            True,
        ),
    },
    {
        "student": "grace",
        "employer": "Open Harbor Foundation",
        "title": "Donor retention dashboard",
        "category": "Data analysis",
        "span": (18, 4),
        "hours": "14",
        "skills": ["technical skill", "communication"],
        "supervisor": ("Lena Fischer", "Development Director", "lfischer@openharbor.example.org"),
        "description": "Built a Looker Studio dashboard of donor retention by campaign.",
        "outcome": ("awaiting",),
    },
    {
        "student": "omar",
        "employer": "Summit Logistics",
        "title": "Warehouse slotting analysis",
        "category": "Operations",
        "span": (35, 28),
        "hours": "15",
        "skills": ["problem solving", "technical skill"],
        "supervisor": ("Gabriela Souza", "Operations Manager", "gsouza@summitlogistics.example.com"),
        "description": "Proposed new pick locations for the 200 fastest-moving items.",
        "source": ("Parker Dewey", "PD-48213"),
        "outcome": ("draft",),
    },
]


def _input(row: dict[str, Any], today: date) -> ExperienceInput:
    start_ago, end_ago = row["span"]
    name, title, email = row["supervisor"]
    return ExperienceInput(
        employer=row["employer"],
        title=row["title"],
        description=row["description"],
        category=row["category"],
        start_date=today - timedelta(days=start_ago),
        end_date=today - timedelta(days=end_ago),
        hours=Decimal(row["hours"]),
        skills=row["skills"],
        supervisor_name=name,
        supervisor_title=title,
        supervisor_email=email,
    )


def seed(session: Session, demo: Any) -> list[str]:
    """Add the demo micro-internships; return summary lines."""
    now = utcnow()
    today = now.date()
    made: list[Experience] = []
    for row in EXPERIENCES:
        student = demo.people[row["student"]]
        actor = Actor.person(student)
        source, external_id = row.get("source", ("manual", None))
        experience = create_experience(
            session, student, _input(row, today), actor, today=today, source=source, external_id=external_id
        )
        outcome = row["outcome"]
        end_ago = row["span"][1]
        if outcome[0] != "draft":
            asked = now - timedelta(days=min(max(1, end_ago - 2), 6), hours=3)
            _, token = request_signoff(session, experience, actor, now=asked)
            answered = asked + timedelta(days=1, hours=2)
            if outcome[0] == "verified":
                _, hours, ratings, feedback, reference = outcome
                skills = experience.skills
                confirm_signoff(
                    session,
                    token,
                    SignoffInput(
                        hours_worked=Decimal(hours),
                        ratings=dict(zip(skills, ratings, strict=True)),
                        feedback=feedback,
                        willing_reference=reference,
                        attested=True,
                        full_name=row["supervisor"][0],
                    ),
                    ip=DEMO_IP,
                    user_agent=DEMO_AGENT,
                    now=answered,
                )
            elif outcome[0] == "disputed":
                dispute_signoff(
                    session,
                    token,
                    reason=outcome[1],
                    full_name=row["supervisor"][0],
                    ip=DEMO_IP,
                    user_agent=DEMO_AGENT,
                    now=answered,
                )
        made.append(experience)
    demo.extra["experiences"] = made
    counts: dict[str, int] = {}
    for experience in made:
        counts[experience.state.value] = counts.get(experience.state.value, 0) + 1
    states = ", ".join(f"{n} {state.replace('_', ' ')}" for state, n in sorted(counts.items()))
    return [f"micro-internships: {len(made)} ({states}); sign-off mail in the dev mailbox at /dev/mailbox"]
