"""Staff watch undelivered mail; in development a mailbox page shows every message."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from careercenter.audit.service import Actor
from careercenter.auth import me, public, roles_required
from careercenter.extensions import db
from careercenter.notify.models import OutboxMessage
from careercenter.notify.service import outbox_counts, requeue_message, undelivered_messages
from careercenter.sso.models import Role

bp = Blueprint("notify", __name__)


def dev_mailbox_enabled() -> bool:
    """The dev mailbox exists with the development login (unless configured), never in production."""
    config = current_app.config
    if config["IS_PRODUCTION"]:
        return False
    setting = config.get("DEV_MAILBOX")
    return bool(config["DEV_LOGIN"] if setting is None else setting)


@bp.app_context_processor
def _inject() -> dict[str, object]:
    return {"dev_mailbox_enabled": dev_mailbox_enabled}


@bp.get("/registrar/outbox")
@roles_required(Role.REGISTRAR, Role.ADMIN)
def outbox() -> str:
    """Queued and failed messages with their last error (no bodies: they may hold links)."""
    return render_template(
        "notify/outbox.html", messages=undelivered_messages(db.session), counts=outbox_counts(db.session)
    )


@bp.post("/registrar/outbox/<int:message_id>/retry")
@roles_required(Role.REGISTRAR, Role.ADMIN)
def retry(message_id: int) -> Response:
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    requeue_message(db.session, message, Actor.person(me()))
    flash(f"Message to {message.to_address} is queued again.", "success")
    return redirect(url_for("notify.outbox"))


@bp.get("/dev/mailbox")
@public
def mailbox() -> str:
    """Every message in the outbox, newest first: the demo needs no SMTP server."""
    if not dev_mailbox_enabled():
        abort(404)
    messages = db.session.execute(
        sa.select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(200)
    ).scalars()
    return render_template("notify/mailbox.html", messages=list(messages))


@bp.get("/dev/mailbox/<int:message_id>")
@public
def mailbox_message(message_id: int) -> str:
    if not dev_mailbox_enabled():
        abort(404)
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    return render_template("notify/mailbox_message.html", message=message)
