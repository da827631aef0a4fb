"""What a record's page shows about its amendments (internships' record page includes it)."""

from __future__ import annotations

from typing import Any

from flask import render_template
from markupsafe import Markup

from careercenter.amendments import service
from careercenter.amendments.forms import RequestForm, StatementForm
from careercenter.extensions import db


def record_section(experience: Any, *, is_owner: bool) -> Markup:
    """Requests and their states, the attestation's amended mark, statements; the forms for the owner."""
    html = render_template(
        "amendments/_record.html",
        experience=experience,
        requests=service.for_experience(db.session, experience.id),
        pending=service.pending_for(db.session, experience.id),
        request_form=RequestForm() if is_owner else None,
        statement_form=StatementForm() if is_owner else None,
        version=service.version_of(db.session, experience.id),
        is_owner=is_owner,
        hearing=service.HEARING,
    )
    return Markup(html)  # noqa: S704 (an autoescaped template's output)


def registrar_panel(person: Any) -> Markup:
    """Registrar staff's home: how many amendment requests wait, and the oldest due date."""
    waiting, _decided = service.desk(db.session)
    return Markup(render_template("amendments/_panel_registrar.html", waiting=waiting))  # noqa: S704
