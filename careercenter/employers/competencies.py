"""Competencies the evaluation forms rate, each aligned to its framework.

The default list is the eight NACE Career Readiness Competencies plus time management and
problem solving (the two skills students and employers name most for micro-internships). A
campus swaps in its own list through a forms file (`flask employers load-forms`); each
competency may carry an institutional learning outcome besides its framework. Plain data: no
database, no Flask.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NACE_FRAMEWORK = "NACE Career Readiness Competencies"
NACE_PAGE = "https://www.naceweb.org/career-readiness/competencies/career-readiness-defined/"
CAMPUS_FRAMEWORK = "Career Center Micro-internship Skills"
#: OB 3.0 AlignmentTargetType for a competency.
COMPETENCY_TYPE = "ceasn:Competency"


@dataclass(frozen=True)
class Alignment:
    """One alignment target: a framework's competency or an institutional learning outcome."""

    name: str
    url: str
    framework: str
    code: str
    type: str = COMPETENCY_TYPE

    def to_ob(self) -> dict[str, Any]:
        """The OB 3.0 / CLR 2.0 `Alignment` object."""
        return {
            "type": ["Alignment"],
            "targetName": self.name,
            "targetUrl": self.url,
            "targetFramework": self.framework,
            "targetCode": self.code,
            "targetType": self.type,
        }

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "url": self.url, "framework": self.framework, "code": self.code, "type": self.type}


@dataclass(frozen=True)
class Competency:
    """A competency a form rates: its name, a short description, and its alignments."""

    code: str
    name: str
    description: str
    alignments: tuple[Alignment, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "description": self.description,
            "alignments": [a.to_dict() for a in self.alignments],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Competency:
        return cls(
            code=str(data["code"]),
            name=str(data["name"]),
            description=str(data.get("description", "")),
            alignments=tuple(Alignment(**a) for a in data.get("alignments", [])),
        )


def _nace(code: str, name: str, anchor: str, description: str) -> Competency:
    return Competency(code, name, description, (Alignment(name, f"{NACE_PAGE}#{anchor}", NACE_FRAMEWORK, code),))


def _campus(code: str, name: str, description: str, base_url: str) -> Competency:
    url = f"{base_url.rstrip('/')}/competencies#{code}"
    return Competency(code, name, description, (Alignment(name, url, CAMPUS_FRAMEWORK, code),))


def default_competencies(base_url: str = "http://localhost:5000") -> tuple[Competency, ...]:
    """NACE's eight (aligned to NACE's page) and the campus's two (aligned to /competencies)."""
    return (
        _nace(
            "career-self-development",
            "Career & Self-Development",
            "career-self-development",
            "Grows their own skills and career: learns on purpose, knows strengths and gaps, builds a network.",
        ),
        _nace(
            "communication",
            "Communication",
            "communication",
            "Exchanges information and ideas clearly with people inside and outside the organization.",
        ),
        _nace(
            "critical-thinking",
            "Critical Thinking",
            "critical-thinking",
            "Reads the situation, weighs the relevant information and responds to the need.",
        ),
        _nace(
            "equity-inclusion",
            "Equity & Inclusion",
            "equity-inclusion",
            "Works fairly and inclusively with people of different backgrounds and cultures.",
        ),
        _nace(
            "leadership",
            "Leadership",
            "leadership",
            "Recognizes and builds on others' strengths to reach shared goals.",
        ),
        _nace(
            "professionalism",
            "Professionalism",
            "professionalism",
            "Acts with integrity and accountability and delivers reliably.",
        ),
        _nace(
            "teamwork",
            "Teamwork",
            "teamwork",
            "Builds and keeps working relationships toward a common goal.",
        ),
        _nace(
            "technology",
            "Technology",
            "technology",
            "Uses and learns the tools and technology the work needs, ethically and effectively.",
        ),
        _campus(
            "time-management",
            "Time management",
            "Plans the work, keeps to deadlines and says early when a date is at risk.",
            base_url,
        ),
        _campus(
            "problem-solving",
            "Problem solving",
            "Breaks a problem down, tries solutions and checks that they work.",
            base_url,
        ),
    )


#: The old global skill list's names → the default form's competency names (the migration and
#: older records use these).
LEGACY_SKILLS = {
    "communication": "Communication",
    "time management": "Time management",
    "problem solving": "Problem solving",
    "teamwork": "Teamwork",
    "technical skill": "Technology",
}


def legacy_name(skill: str) -> str:
    """The default form's competency name for an old skill name (unchanged when not an old name)."""
    return LEGACY_SKILLS.get(skill.strip().lower(), skill)


def find(competencies: tuple[Competency, ...] | list[Competency], name: str) -> Competency | None:
    """The competency called `name` (or an old skill name mapping to it), case-insensitively."""
    wanted = legacy_name(name).casefold()
    for competency in competencies:
        if wanted in (competency.name.casefold(), competency.code.casefold()):
            return competency
    return None
