"""Who signed, made visible: the badge for a supervisor's address.

"matches a verified domain of <Employer>" when the address's domain is a domain of the
experience's employer and staff verified that employer; "personal address" for a free-mail
provider; "new domain" otherwise. "Personal address" is issue 16's own rule
(`internships.claim_checks.is_personal_address`, `CAREERCENTER_FREE_MAIL_DOMAINS`), so the badge
always agrees with the "signed from a personal address" mark.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from careercenter.employers.models import Employer
from careercenter.internships.claim_checks import is_personal_address

VERIFIED = "verified"
PERSONAL = "personal"
NEW = "new"


def email_domain(address: str | None) -> str:
    return (address or "").strip().lower().rpartition("@")[2]


@dataclass(frozen=True)
class Badge:
    kind: str  # verified | personal | new
    text: str


def badge_for(address: str | None, employer: Employer | None, config: Mapping[str, Any] | None = None) -> Badge:
    """The badge for a supervisor's address at `employer` (the experience's employer record)."""
    domain = email_domain(address)
    if employer is not None and employer.verified and domain in {d.domain for d in employer.domains}:
        return Badge(VERIFIED, f"matches a verified domain of {employer.name}")
    if is_personal_address(address, config):
        return Badge(PERSONAL, "personal address")
    return Badge(NEW, "new domain")


def domain_verified(address: str | None, employer: Employer | None) -> bool:
    """The fact the rule key `supervisor_domain_verified` checks."""
    return badge_for(address, employer).kind == VERIFIED


def supervisor_badge(experience: Any) -> Badge:
    """The badge for an experience's supervisor address (a template global, see wiring.py)."""
    return badge_for(experience.supervisor_email, experience.employer_record)
