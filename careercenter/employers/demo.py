"""Demo step: about ten employers with web domains (two verified), a same-name pair for staff to
merge, a platform id, and the evaluation forms (NACE on INTR-295, a form of its own on CSCI-397).
Runs before the internships step, so that the demo's experiences link to these records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from careercenter.audit.service import Actor
from careercenter.employers import forms_service
from careercenter.employers import service as employers

FORMS_FILE = Path(__file__).with_name("demo_forms.yaml")

#: name, domains, verified by staff
EMPLOYERS: list[tuple[str, tuple[str, ...], bool]] = [
    ("Cedar Valley Credit Union", ("cedarvalleycu.example.com",), True),
    ("Meridian Transit Authority", ("meridiantransit.example.gov",), True),
    ("Brightline Health Data", ("brightline.example.com",), False),
    ("Northwind Outfitters", ("northwind.example.com",), False),
    ("Harbor & Pine Coffee Roasters", ("harborpine.example.com",), False),
    ("Lumen Learning Apps", ("lumenapps.example.com",), False),
    ("Riverbend Public Radio", ("riverbendradio.example.org",), False),
    ("Keystone Fabrication", ("keystonefab.example.com",), False),
    ("GreenGrid Solar", ("greengrid.example.com",), False),
    ("Pixelforge Games", ("pixelforge.example.com",), False),
    ("Northfield Community Clinic", ("northfieldclinic.example.org",), False),
    # A duplicate as a platform spelt it: proposed to staff on /employers, never merged by itself.
    ("Pixelforge Games, Inc.", (), False),
]


def seed(session: Session, demo: Any) -> list[str]:
    actor = Actor.system("seed-demo")
    specs = forms_service.parse_forms_text(FORMS_FILE.read_text(encoding="utf-8"), forms_service.base_url())
    forms_service.load_forms(session, specs, actor)
    verified = []
    for name, domains, is_verified in EMPLOYERS:
        employer = employers.add_employer(session, name, actor, domains=domains)
        if is_verified:
            employers.set_verified(session, employer, True, actor)
            verified.append(name)
        if name == "Pixelforge Games, Inc.":
            employers.map_platform_id(session, employer, "Handshake", "HS-20417")
    return [
        f"employers: {len(EMPLOYERS)} ({len(verified)} verified: {', '.join(verified)}; "
        "a duplicate to merge at /employers); evaluation forms: NACE on INTR-295, CSCI-397's own"
    ]


def attach_history(session: Session, demo: Any) -> list[str]:
    """The generated history's experiences get employer records too (by name)."""
    count = employers.backfill(session, Actor.system("seed-demo"))
    return [f"employer records for the history's micro-internships: {count}"] if count else []
