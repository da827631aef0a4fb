"""Checks on a claimed experience beyond "is it filled in": one line of plain text in every
single-line field (issue 16 item 3), and a supervisor who is someone else (item 5).

The supervisor's address decides who may verify the student's hours, so it must not be the
student in disguise:

- not an address at the campus's student mail domains (`CAREERCENTER_STUDENT_EMAIL_DOMAINS`,
  comma-separated; default: the domain of the student's own directory email);
- not a plus-address (or differently-cased copy) of the student's own address, at any domain.

A free-mail address (`CAREERCENTER_FREE_MAIL_DOMAINS`, a list of common providers) is accepted —
small employers use them — but the advisor's request page marks it: "the supervisor signed
from a personal address".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import current_app, has_app_context

from careercenter.validation import single_line_errors

#: The single-line fields of a claim (description is free text).
SINGLE_LINE_FIELDS = ("employer", "title", "category", "supervisor_name", "supervisor_title", "supervisor_email")

DEFAULT_FREE_MAIL_DOMAINS = (
    "gmail.com,googlemail.com,yahoo.com,ymail.com,outlook.com,hotmail.com,live.com,msn.com,icloud.com,"
    "me.com,mac.com,aol.com,proton.me,protonmail.com,gmx.com,gmx.net,mail.com,yandex.com,zoho.com,"
    "fastmail.com,hey.com,tutanota.com,qq.com,163.com"
)


def _domains(raw: str | Iterable[str] | None) -> frozenset[str]:
    items = raw.split(",") if isinstance(raw, str) else (raw or [])
    return frozenset(d.strip().lower().lstrip("@") for d in items if d and d.strip())


def _config() -> Mapping[str, Any]:
    return current_app.config if has_app_context() else {}


def _split(address: str) -> tuple[str, str]:
    local, _, domain = address.strip().lower().rpartition("@")
    return local, domain


def student_mail_domains(student_email: str, config: Mapping[str, Any] | None = None) -> frozenset[str]:
    """The campus's student mail domains: configured, else the domain of this student's email."""
    configured = _domains((config if config is not None else _config()).get("STUDENT_EMAIL_DOMAINS"))
    return configured or frozenset({_split(student_email)[1]} - {""})


def free_mail_domains(config: Mapping[str, Any] | None = None) -> frozenset[str]:
    return _domains((config if config is not None else _config()).get("FREE_MAIL_DOMAINS") or DEFAULT_FREE_MAIL_DOMAINS)


def supervisor_email_problem(
    supervisor_email: str, student_email: str, config: Mapping[str, Any] | None = None
) -> str | None:
    """Why this cannot be the supervisor's address (a sentence beside the field), or None."""
    local, domain = _split(supervisor_email)
    own_local, own_domain = _split(student_email)
    if domain == own_domain and local.split("+", 1)[0] == own_local.split("+", 1)[0]:
        return "Enter your supervisor's email address, not your own."
    if domain in student_mail_domains(student_email, config):
        return "Enter your supervisor's work address: a student mail address cannot sign off an experience."
    return None


def is_personal_address(address: str | None, config: Mapping[str, Any] | None = None) -> bool:
    """Is this a free-mail (personal) address rather than an employer's?"""
    return bool(address) and _split(address or "")[1] in free_mail_domains(config)


def claim_problems(data: Any, student_email: str, already: Mapping[str, str]) -> dict[str, str]:
    """Problems with a claim's single-line fields and supervisor address not already reported."""
    errors = single_line_errors({name: getattr(data, name, "") or "" for name in SINGLE_LINE_FIELDS}, already)
    email = getattr(data, "supervisor_email", "") or ""
    if "supervisor_email" not in already and "supervisor_email" not in errors and email:
        problem = supervisor_email_problem(email, student_email)
        if problem:
            errors["supervisor_email"] = problem
    return errors
