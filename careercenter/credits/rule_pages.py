"""`/rules`: every credit rule and its versions, a version's text and what changed from the one
before, and the editor — YAML checked like `flask credits load-rules`, **Preview** against a
term's submitted requests, **Publish** as a new version. Career-center staff, registrar staff
and admins use it; requests keep the version they were submitted under."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from careercenter.audit.service import Actor
from careercenter.auth import me, roles_required
from careercenter.credits import rule_editing, rule_versions
from careercenter.credits.models import CreditRule
from careercenter.credits.route_check import check_routes
from careercenter.credits.terms import TermError, previous_term
from careercenter.db import utcnow
from careercenter.extensions import db
from careercenter.sso.models import Role

bp = Blueprint("rules", __name__)

RULE_EDITORS = (Role.STAFF, Role.REGISTRAR, Role.ADMIN)
MAX_TEXT = 20_000


def _versions(code: str) -> list[CreditRule]:
    versions = list(
        db.session.scalars(sa.select(CreditRule).where(CreditRule.code == code).order_by(CreditRule.version.desc()))
    )
    if not versions:
        abort(404)
    return versions


@bp.get("/rules")
@roles_required(*RULE_EDITORS)
def index() -> str:
    rules = rule_versions.all_rule_versions(db.session)
    by_code: dict[str, list[CreditRule]] = {}
    for rule in sorted(rules, key=lambda r: (r.code, -r.version)):
        by_code.setdefault(rule.code, []).append(rule)
    return render_template("rules/index.html", by_code=by_code)


@bp.get("/rules/<code>/v<int:version>")
@roles_required(*RULE_EDITORS)
def show_version(code: str, version: int) -> str:
    versions = _versions(code)
    rule = next((v for v in versions if v.version == version), None)
    if rule is None:
        abort(404)
    older = next((v for v in versions if v.version == version - 1), None)
    return render_template(
        "rules/version.html",
        rule=rule,
        versions=versions,
        text=rule_editing.rule_yaml(rule.definition),
        diff=rule_editing.version_diff(older, rule),
        older=older,
    )


def _term_arg() -> tuple[str, str | None]:
    """The term to preview against (default: the last term) and an error if it is not one."""
    cal = rule_versions.calendar()
    default = previous_term(cal, cal.term_for(utcnow().date()))
    term = (request.form.get("term") or default).strip().upper()[:10]
    try:
        cal.term_key(term)
    except TermError as exc:
        return term, str(exc)
    return term, None


@bp.route("/rules/<code>/edit", methods=["GET", "POST"])
@roles_required(*RULE_EDITORS)
def edit(code: str) -> str | tuple[str, int] | Response:
    versions = _versions(code)
    latest = versions[0]
    if request.method == "GET":
        term, _ = _term_arg()
        return render_template(
            "rules/edit.html", rule=latest, text=rule_editing.rule_yaml(latest.definition), term=term, errors={}
        )
    text = (request.form.get("text") or "").replace("\r\n", "\n")
    term, term_error = _term_arg()
    errors: dict[str, list[str]] = {}
    if len(text) > MAX_TEXT:
        errors["text"] = [f"The rule is longer than {MAX_TEXT:,} characters."]
        draft = rule_editing.Draft(text)
    else:
        draft = rule_editing.check_draft(text, code)
        if draft.problems:
            errors["text"] = draft.problems
    if term_error:
        errors["term"] = [term_error]
    action = request.form.get("action")
    if action not in ("preview", "publish"):
        errors["action"] = ["Choose Preview or Publish."]
    if errors or draft.spec is None:
        return render_template("rules/edit.html", rule=latest, text=text, term=term, errors=errors), 422
    if action == "preview":
        result = rule_editing.preview(db.session, draft.spec, term)
        return render_template("rules/edit.html", rule=latest, text=text, term=term, errors={}, preview=result)
    routes = check_routes(db.session, [draft.spec])
    if not routes.is_ok:  # as `flask credits load-rules`: a step nobody can decide is not published
        errors["text"] = [f"{item}: nobody can decide this step today" for item in routes.undecidable]
        return render_template("rules/edit.html", rule=latest, text=text, term=term, errors=errors), 422
    lines = rule_versions.load_rules(db.session, [draft.spec], Actor.person(me()))
    flash(lines[0].replace(" loaded ", " published "), "success")
    newest = _versions(code)[0]
    return redirect(url_for("rules.show_version", code=code, version=newest.version), code=303)
