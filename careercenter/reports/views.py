"""The career center's console: `/reports` with a chart and a table per figure, each table as CSV.

Career-center staff, registrar staff and admins see it. Every figure is an aggregate; cells
that count fewer than `CAREERCENTER_REPORT_MIN_CELL` students are withheld (reports/tables.py).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, render_template, request
from werkzeug.wrappers import Response

from careercenter.auth import roles_required
from careercenter.credits.terms import DEFAULT_TERM_STARTS, Calendar, TermError
from careercenter.db import utcnow
from careercenter.replica import read_session
from careercenter.reports.catalog import BY_NAME, REPORTS
from careercenter.reports.charts import render_svg
from careercenter.reports.queries import Scope
from careercenter.reports.terms import make_period, term_choices
from careercenter.sso.models import Person, Role

bp = Blueprint("reports", __name__)

REPORT_ROLES = (Role.STAFF, Role.REGISTRAR, Role.ADMIN)
#: The SVG documents carry pygal's own <style>; they run no script and load nothing.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"


@dataclass
class Filters:
    first: str
    last: str
    program: str | None
    terms: list[str]
    programs: list[str]
    errors: dict[str, str]

    def query_args(self) -> dict[str, str]:
        args = {"from": self.first, "to": self.last}
        if self.program:
            args["program"] = self.program
        return args


def _calendar() -> Calendar:
    return Calendar.parse(current_app.config.get("CREDITS_TERM_STARTS") or DEFAULT_TERM_STARTS)


def _programs() -> list[str]:
    query = sa.select(Person.program).where(Person.program.is_not(None)).distinct().order_by(Person.program)
    return [p for p in read_session().scalars(query) if p]


def _filters(*, with_programs: bool) -> tuple[Filters, Scope | None]:
    """Read `from`, `to` and `program`; the default is the current term and the two before it."""
    calendar = _calendar()
    terms = term_choices(calendar, utcnow().date())
    current = calendar.term_for(utcnow().date())
    default_first = terms[max(0, terms.index(current) - 2)]
    first = (request.args.get("from") or default_first).strip().upper()
    last = (request.args.get("to") or current).strip().upper()
    program = (request.args.get("program") or "").strip() or None
    programs = _programs() if with_programs else []
    errors: dict[str, str] = {}
    for key, value in (("from", first), ("to", last)):
        try:
            calendar.term_key(value)
        except TermError as exc:
            errors[key] = str(exc)
    scope = None
    if not errors:
        try:
            scope = Scope(make_period(calendar, first, last), program)
        except TermError as exc:
            errors["to"] = str(exc)
    if with_programs and program and program not in programs:
        errors["program"] = f"No student is in a program called {program!r}."
        scope = None
    return Filters(first, last, program, terms, programs, errors), scope


def _min_cell() -> int:
    return max(1, int(current_app.config["REPORT_MIN_CELL"]))


@bp.get("/reports")
@roles_required(*REPORT_ROLES)
def index() -> tuple[str, int] | str:
    filters, scope = _filters(with_programs=True)
    if scope is None:
        return render_template("reports/index.html", filters=filters, reports=[], min_cell=_min_cell()), 422
    shown = [(report, report.table(read_session(), scope, _min_cell())) for report in REPORTS]
    return render_template("reports/index.html", filters=filters, reports=shown, min_cell=_min_cell())


def _report_or_404(name: str) -> tuple[object, Scope]:
    report = BY_NAME.get(name)
    if report is None:
        abort(404)
    filters, scope = _filters(with_programs=False)
    if scope is None:
        abort(Response("; ".join(filters.errors.values()) + "\n", status=400, mimetype="text/plain"))
    return report, scope


@bp.get("/reports/<name>.csv")
@roles_required(*REPORT_ROLES)
def report_csv(name: str) -> Response:
    report, scope = _report_or_404(name)
    table = report.table(read_session(), scope, _min_cell())  # type: ignore[attr-defined]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    writer.writerows(table.display_rows())
    filename = f"{name}-{scope.period.terms[0]}-{scope.period.terms[-1]}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/reports/<name>.svg")
@roles_required(*REPORT_ROLES)
def report_svg(name: str) -> Response:
    report, scope = _report_or_404(name)
    table = report.table(read_session(), scope, _min_cell())  # type: ignore[attr-defined]
    svg = render_svg(table, report.chart, report.title, report.description)  # type: ignore[attr-defined]
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = SVG_CSP
    return response
