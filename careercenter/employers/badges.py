"""Who signed, made visible: the badge for a supervisor's address.

"matches a verified domain of <Employer>" when the address's domain is a domain of the
experience's employer and staff verified that employer; "personal address" for a free-mail
provider; "new domain" otherwise. The free-mail list is the one issue 16 introduces
(`CAREERCENTER_FREE_MAIL_DOMAINS`, the same default list), so the badge agrees with the
"signed from a personal address" mark.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_app_context

from careercenter.employers.models import Employer

#: Kept identical to careercenter/internships/claim_checks.py (issue 16) DEFAULT_FREE_MAIL_DOMAINS.
DEFAULT_FREE_MAIL_DOMAINS = (
    "gmail.com,googlemail.com,yahoo.com,ymail.com,outlook.com,hotmail.com,live.com,msn.com,icloud.com,"
    "me.com,mac.com,aol.com,proton.me,protonmail.com,gmx.com,gmx.net,mail.com,yandex.com,zoho.com,"
    "fastmail.com,hey.com,tutanota.com,qq.com,163.com"
)

VERIFIED = "verified"
PERSONAL = "personal"
NEW = "new"


def _domains(raw: str | Iterable[str] | None) -> frozenset[str]:
    items = raw.split(",") if isinstance(raw, str) else (raw or [])
    return frozenset(d.strip().lower().lstrip("@") for d in items if d and d.strip())


def free_mail_domains(config: Mapping[str, Any] | None = None) -> frozenset[str]:
    source = config if config is not None else (current_app.config if has_app_context() else {})
    return _domains(source.get("FREE_MAIL_DOMAINS") or DEFAULT_FREE_MAIL_DOMAINS)


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
    if domain in free_mail_domains(config):
        return Badge(PERSONAL, "personal address")
    return Badge(NEW, "new domain")


def domain_verified(address: str | None, employer: Employer | None) -> bool:
    """The fact the rule key `supervisor_domain_verified` checks."""
    return badge_for(address, employer).kind == VERIFIED
