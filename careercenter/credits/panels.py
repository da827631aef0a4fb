"""Home-page panels: a student's credit requests, an advisor's queue, registrar awards.

Each panel is an autoescaped template, so wrapping its output in `Markup` is safe (S704).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template
from markupsafe import Markup

from careercenter import pagedata
from careercenter.credits import approval_queue
from careercenter.credits.models import AwardStatus, CreditAward
from careercenter.extensions import db
from careercenter.sso.models import Person


def student_panel(person: Person) -> Markup:
    requests = pagedata.student_requests(db.session, person)[:5]
    return Markup(render_template("credits/_panel_student.html", requests=requests))  # noqa: S704


def advisor_panel(person: Person) -> Markup:
    waiting, eligible = approval_queue.counts(db.session, person)
    return Markup(render_template("credits/_panel_advisor.html", waiting=waiting, eligible=eligible))  # noqa: S704


def registrar_panel(person: Person) -> Markup:
    counts = dict(
        db.session.execute(sa.select(CreditAward.status, sa.func.count()).group_by(CreditAward.status)).tuples().all()
    )
    return Markup(render_template("credits/_panel_registrar.html", counts=[(s, counts.get(s, 0)) for s in AwardStatus]))  # noqa: S704
