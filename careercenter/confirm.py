"""Destructive actions ask first: deny, revoke, rescind, withdraw.

The form's button carries ``data-confirm`` (static/js/app.js asks in a dialog and sends
``confirmed=yes``). Without JavaScript the post arrives unconfirmed and the view answers with
:func:`ask_first`'s page, which says what will happen and posts the same fields again, confirmed.
"""

from __future__ import annotations

from flask import render_template, request

CONFIRMED_FIELD = "confirmed"
_NOT_REPEATED = {"csrf_token", CONFIRMED_FIELD}


def is_confirmed() -> bool:
    """Whether the posted form says the person confirmed (the dialog or the confirmation page)."""
    return request.form.get(CONFIRMED_FIELD) == "yes"


def ask_first(*, title: str, consequence: str, button: str, cancel_url: str) -> str | None:
    """None when the post is confirmed; otherwise the confirmation page to answer with (200),
    whose form posts the same fields to the same address with ``confirmed=yes``."""
    if is_confirmed():
        return None
    fields = [(name, value) for name, value in request.form.items(multi=True) if name not in _NOT_REPEATED]
    return render_template(
        "confirm.html",
        title=title,
        consequence=consequence,
        button=button,
        cancel_url=cancel_url,
        action=request.path,
        fields=fields,
    )
