"""Sign-off links and mail: the settings that time them, their tokens, their URLs and messages.

Shared by `signoff` (the request's state machine) and nothing else outside the domain.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import current_app, render_template
from sqlalchemy.orm import Session

from careercenter.internships.models import Experience, SignoffRequest, SignoffToken
from careercenter.notify.service import queue_message


def reminder_days(config: Mapping[str, Any]) -> list[int]:
    """Days after the last mail on which the supervisor is reminded (CAREERCENTER_SIGNOFF_REMINDER_DAYS)."""
    raw = config.get("SIGNOFF_REMINDER_DAYS", "3,10")
    values = raw if isinstance(raw, list | tuple) else [p for p in str(raw).split(",") if p.strip()]
    return sorted(int(v) for v in values)


def link_lifetime(config: Mapping[str, Any]) -> timedelta:
    """How long a mailed link works (CAREERCENTER_SIGNOFF_LINK_DAYS)."""
    return timedelta(days=int(config.get("SIGNOFF_LINK_DAYS") or 14))


def hash_token(token: str) -> str:
    """The SHA-256 we keep of a token (the token itself is never stored)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token(session: Session, request: SignoffRequest, purpose: str) -> str:
    """Make a 256-bit token for one mail; keep only its SHA-256."""
    token = secrets.token_urlsafe(32)
    session.add(SignoffToken(request=request, token_hash=hash_token(token), purpose=purpose))
    session.flush()
    return token


def signoff_url(token: str) -> str:
    """The supervisor's page for `token`."""
    return f"{current_app.config['PUBLIC_URL']}/signoff/{token}"


def experience_url(experience: Experience) -> str:
    """The student's page of `experience`."""
    return f"{current_app.config['PUBLIC_URL']}/experiences/{experience.id}"


def _mail(template: str, **context: Any) -> tuple[str, str]:
    context.setdefault("institution", current_app.config["INSTITUTION_NAME"])
    return (
        render_template(f"internships/mail/{template}.txt", **context),
        render_template(f"internships/mail/{template}.html", **context),
    )


def mail_supervisor(
    session: Session, request: SignoffRequest, token: str, *, kind: str, reminder: bool = False
) -> None:
    """Queue the mail that carries a sign-off link (the first one, a resend or a reminder)."""
    experience = request.experience
    student = experience.student
    text, html = _mail(
        "signoff_request",
        experience=experience,
        student=student,
        request=request,
        link=signoff_url(token),
        reminder=reminder,
    )
    prefix = "Reminder: please" if reminder else "Please"
    queue_message(
        session,
        to=request.supervisor_email,
        subject=f"{prefix} confirm {student.display_name}'s micro-internship at {experience.employer}",
        text=text,
        html=html,
        kind=kind,
    )


def mail_student(session: Session, experience: Experience, template: str, subject: str, kind: str) -> None:
    """Queue a mail telling the student what became of their sign-off request."""
    text, html = _mail(template, experience=experience, student=experience.student, link=experience_url(experience))
    queue_message(session, to=experience.student.email, subject=subject, text=text, html=html, kind=kind)
