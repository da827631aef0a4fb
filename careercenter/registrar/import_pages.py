"""Registrar staff import finished micro-internships from a platform export (CSV or JSON).

The page is the registrar's; the rules of an import row are the internships domain's
(`internships.importer`, the same service `flask internships import FILE` calls).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from careercenter.audit.service import Actor
from careercenter.auth import me, roles_required
from careercenter.extensions import db
from careercenter.internships.experiences import configured_skills
from careercenter.internships.importer import import_file
from careercenter.registrar.forms import ImportForm
from careercenter.sso.models import Role

bp = Blueprint("registrar_import", __name__)


@bp.route("/registrar/internships/import", methods=["GET", "POST"])
@roles_required(Role.REGISTRAR, Role.ADMIN)
def import_page() -> tuple[str, int]:
    """Upload an export; show the report (imported, already there, rejected rows with reasons)."""
    form = ImportForm()
    report = None
    if request.method == "POST":
        if form.validate():
            upload = form.file.data
            report = import_file(db.session, upload.read(), filename=upload.filename or "", actor=Actor.person(me()))
        elif form.errors.get("csrf_token"):
            abort(400)
    page = render_template(
        "registrar/internships_import.html",
        form=form,
        report=report,
        skills=configured_skills(current_app.config),
    )
    # An unreadable file (not UTF-8, not JSON, empty, nested too deeply) changes nothing: 422.
    return page, 422 if (report is not None and report.file_error) or form.errors else 200
