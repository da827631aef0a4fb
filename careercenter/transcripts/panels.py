"""Home-page panels: a student's transcripts (and reissue offers), registrar staff's desk.

Each panel is an autoescaped template, so wrapping its output in `Markup` is safe (S704).
"""

from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from careercenter.extensions import db
from careercenter.sso.models import Person
from careercenter.transcripts import service, supersede


def student_panel(person: Person) -> Markup:
    count, newest = service.transcript_summary(db.session, person.id)
    html = render_template(
        "transcripts/_panel_student.html",
        count=count,
        newest=newest,
        offers=supersede.open_offers(db.session, person.id),
    )
    return Markup(html)  # noqa: S704 (an autoescaped template's output)


def registrar_panel(person: Person) -> Markup:
    return Markup(render_template("transcripts/_panel_registrar.html"))  # noqa: S704 (autoescaped template)
