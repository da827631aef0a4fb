"""Evaluation form versions in the database, and which form applies to an experience.

Forms are versioned like rules: loading a changed definition adds version n+1 under the same
code; an experience's answers keep the id of the version they were given under. Plain
functions taking a session; they only `flush()`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import yaml
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from careercenter.audit.service import Actor, record_event
from careercenter.credits.evaluation import could_count
from careercenter.credits.rule_versions import active_rules, spec_of
from careercenter.credits.rules import RuleSpec
from careercenter.employers.competencies import Competency, default_competencies, find
from careercenter.employers.forms_config import FormFileError, FormSpec, nace_form, parse_form
from careercenter.employers.models import EvaluationForm
from careercenter.internships.models import Experience


def base_url() -> str:
    return str(current_app.config.get("PUBLIC_URL") or "http://127.0.0.1:5000")


def parse_forms_text(text: str, base: str) -> list[FormSpec]:
    """A forms file: optional `competencies:` (a campus's own list) and `forms:`; every problem listed."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        raise FormFileError(["the file is not valid YAML"]) from None
    if not isinstance(document, dict) or not isinstance(document.get("forms"), list):
        raise FormFileError(["the file must be a mapping with a list under `forms:`"])
    problems: list[str] = []
    competencies = {c.code: c for c in default_competencies(base)}
    for index, raw in enumerate(document.get("competencies") or []):
        try:
            competency = Competency.from_dict(raw)
        except (KeyError, TypeError):
            problems.append(f"competencies[{index}]: needs code, name and (optional) description, alignments")
            continue
        competencies[competency.code] = competency
    specs = []
    for index, raw in enumerate(document["forms"]):
        if isinstance(raw, dict) and raw.get("questions") == "nace":
            # Shorthand: the default form's questions (the NACE competencies and the two more).
            raw = {**raw, "questions": [q for q in nace_form(base).definition()["questions"]]}
            for q in raw["questions"]:
                q["competency"] = q["competency"]["code"]
        spec, own = parse_form(raw, f"forms[{index}]", competencies)
        problems.extend(own)
        if spec is not None:
            specs.append(spec)
    if problems:
        raise FormFileError(problems)
    return specs


def current_versions(session: Session) -> list[EvaluationForm]:
    """The newest version of every form, by code."""
    newest = sa.select(EvaluationForm.code, sa.func.max(EvaluationForm.version).label("v")).group_by(
        EvaluationForm.code
    )
    sub = newest.subquery()
    query = (
        sa.select(EvaluationForm)
        .join(sub, sa.and_(EvaluationForm.code == sub.c.code, EvaluationForm.version == sub.c.v))
        .order_by(EvaluationForm.code)
    )
    return list(session.execute(query).scalars())


def load_forms(session: Session, specs: Sequence[FormSpec], actor: Actor) -> list[str]:
    """Store each spec as a new version when its content changed; lines saying what happened."""
    current = {f.code: f for f in current_versions(session)}
    lines = []
    for spec in specs:
        found = current.get(spec.code)
        if found is not None and found.content_hash == spec.content_hash():
            lines.append(f"{spec.code}: unchanged (version {found.version})")
            continue
        version = (found.version + 1) if found else 1
        form = EvaluationForm(
            code=spec.code,
            version=version,
            name=spec.name,
            definition=spec.definition(),
            content_hash=spec.content_hash(),
        )
        session.add(form)
        session.flush()
        record_event(
            session,
            actor,
            "evaluation_form.loaded",
            EvaluationForm.__tablename__,
            form.id,
            {"code": spec.code, "version": version},
        )
        lines.append(f"{spec.code}: version {version} loaded")
    return lines


def ensure_default(session: Session) -> EvaluationForm:
    """The default form in force; the built-in NACE form is stored as version 1 if none is."""
    forms = current_versions(session)
    for form in forms:
        if form.definition.get("default"):
            return form
    try:
        with session.begin_nested():  # two first answers at once: one stores it, the other reads it
            load_forms(session, [nace_form(base_url())], Actor.system("evaluation forms"))
    except IntegrityError:
        pass
    return next(f for f in current_versions(session) if f.definition.get("default"))


def spec(form: EvaluationForm) -> FormSpec:
    return FormSpec.from_definition(form.definition)


def _score(form: FormSpec, fits: set[str], restricted: set[str], program: str | None) -> int:
    if fits & restricted & set(form.rules):
        return 4  # a rule limited to some programs / levels, and the experience fits it
    if program and program in form.programs:
        return 3
    if fits & set(form.rules) and not form.default:
        return 2
    return 1 if form.default else 0


def choose_form(
    forms: Sequence[tuple[Any, FormSpec]],
    rules: Sequence[RuleSpec],
    category: str,
    program: str | None,
    class_level: str | None,
) -> Any:
    """The form for an experience: one on a specific rule it fits, then the program's, then the default."""
    fits = {r.code for r in rules if could_count(r, category, program, class_level)}
    restricted = {r.code for r in rules if r.programs or r.class_levels or r.categories}
    best, best_score = None, 0
    for key, form in forms:
        score = _score(form, fits, restricted, program)
        if score > best_score:
            best, best_score = key, score
    return best


def _chosen(session: Session, experience: Experience) -> EvaluationForm | None:
    if experience.evaluation_form_id is not None:
        stored = session.get(EvaluationForm, experience.evaluation_form_id)
        if stored is not None:
            return stored
    forms = [(f, spec(f)) for f in current_versions(session)]
    if not forms:
        return None
    rules = [spec_of(r) for r in active_rules(session)]
    student = experience.student
    level = student.class_level.value if student.class_level else None
    return choose_form(forms, rules, experience.category or "", student.program, level)


def form_for(session: Session, experience: Experience) -> EvaluationForm:
    """The evaluation form version that applies to `experience` now (its answers keep the one used);
    stores the built-in default form as version 1 when no form is stored yet."""
    return _chosen(session, experience) or ensure_default(session)


def spec_for(session: Session, experience: Experience) -> FormSpec:
    """The questions `form_for` would ask, without writing anything (a GET changes nothing)."""
    chosen = _chosen(session, experience)
    return spec(chosen) if chosen is not None else nace_form(base_url())


def counts_toward(session: Session, category: str, program: str | None, class_level: str | None) -> list[str]:
    """The codes of the rules in force an experience in `category` could count toward."""
    return [
        r.code
        for r in (spec_of(rule) for rule in active_rules(session))
        if could_count(r, category, program, class_level)
    ]


def rule_categories(session: Session) -> list[str]:
    """The categories the rules in force use, sorted (the experience form adds "Other")."""
    names = {c for rule in active_rules(session) for c in spec_of(rule).categories}
    return sorted(names)


def alignments_for(session: Session, experience: Experience) -> list[dict[str, Any]]:
    """OB 3.0 `Alignment` objects for the competencies the supervisor rated, from the form
    version they answered (older records: the default competencies, by their old names)."""
    ratings = experience.skill_ratings or {}
    form = session.get(EvaluationForm, experience.evaluation_form_id) if experience.evaluation_form_id else None
    defaults = list(default_competencies(base_url()))
    competencies = spec(form).competencies if form is not None else defaults
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for name in ratings:
        competency = find(competencies, name) or find(defaults, name)
        for alignment in competency.alignments if competency else ():
            if (alignment.framework, alignment.code) not in seen:
                seen.add((alignment.framework, alignment.code))
                out.append(alignment.to_ob())
    return out
