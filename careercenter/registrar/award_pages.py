"""Registrar staff's credit-award pages: the list with posting status, one award, rescinding.

The awards themselves belong to the credits domain (`careercenter.credits.awards`); these are
the registrar office's pages over them.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from careercenter import transaction
from careercenter.audit.service import Actor, disclose_to_person
from careercenter.auth import me, roles_required
from careercenter.confirm import ask_first
from careercenter.credits import awards as award_service
from careercenter.credits import rule_versions
from careercenter.credits.forms import RescindForm
from careercenter.credits.models import AwardStatus, CreditAward
from careercenter.errors import Conflict, ValidationFailed
from careercenter.extensions import db
from careercenter.replica import read_session
from careercenter.sso.models import Role

bp = Blueprint("registrar_awards", __name__)


def _after_arg() -> int | None:
    """The award the page starts after (keyset paging); None for the first page."""
    raw = request.args.get("after", "")
    return int(raw) if raw.isdigit() and len(raw) <= 10 else None


@bp.get("/registrar/awards")
@roles_required(Role.REGISTRAR, Role.ADMIN)
def awards() -> str:
    """Every award, newest first, filtered by posting status, term, rule and student."""
    raw_status = request.args.get("status") or ""
    status = AwardStatus(raw_status) if raw_status in {s.value for s in AwardStatus} else None
    filters = {
        "status": status.value if status else "",
        "term": (request.args.get("term") or "").strip()[:20],
        "rule": (request.args.get("rule") or "").strip()[:60],
        "student": (request.args.get("student") or "").strip()[:100],
    }
    reader = read_session()  # a read-only page: the replica when there is one
    page = award_service.list_awards(
        reader,
        status=status,
        term=filters["term"] or None,
        rule_code=filters["rule"] or None,
        student=filters["student"] or None,
        after=_after_arg(),
    )
    return render_template(
        "credits/awards.html",
        page=page,
        filters=filters,
        options=award_service.award_filters(reader, rule_versions.calendar()),
        later_page=_after_arg() is not None,
        statuses=list(AwardStatus),
    )


def _award_or_404(award_id: int) -> CreditAward:
    award = db.session.get(CreditAward, award_id)
    if award is None:
        abort(404)
    return award


@bp.get("/registrar/awards/<int:award_id>")
@roles_required(Role.REGISTRAR, Role.ADMIN)
@transaction.writes_on_read
def award_detail(award_id: int) -> str:
    """One award, disclosure-logged."""
    award = _award_or_404(award_id)
    disclose_to_person(db.session, me(), award.student, f"credit award {award.id}", "registrar staff: credit records")
    return render_template("credits/award_detail.html", award=award, form=RescindForm())


@bp.post("/registrar/awards/<int:award_id>/rescind")
@roles_required(Role.REGISTRAR, Role.ADMIN)
def rescind(award_id: int) -> tuple[str, int] | Response:
    """Rescind a posted award with a reason."""
    award = _award_or_404(award_id)
    form = RescindForm()
    if not form.validate_on_submit():
        return render_template("credits/award_detail.html", award=award, form=form), 422
    if (form.reason.data or "").strip():
        page = ask_first(
            title=f"Rescind award {award_id}?",
            consequence=f"The award of {award.student.display_name} is withdrawn: the registrar feed reports it "
            "rescinded with your reason, and it leaves the student's record. This cannot be undone.",
            button="Yes, rescind the award",
            cancel_url=url_for("registrar_awards.award_detail", award_id=award_id),
        )
        if page is not None:
            return page, 200
    try:
        award_service.rescind_award(db.session, award, Actor.person(me()), form.reason.data or "")
    except ValidationFailed as exc:
        for name, message in exc.errors.items():
            field = getattr(form, name, None)
            if field is not None:
                field.errors = [message]
        return render_template("credits/award_detail.html", award=award, form=form), 422
    except Conflict as exc:
        transaction.doom()
        flash(str(exc), "error")
        return redirect(url_for("registrar_awards.award_detail", award_id=award_id), code=303)
    flash(f"Award {award_id} rescinded.", "success")
    return redirect(url_for("registrar_awards.award_detail", award_id=award_id), code=303)
