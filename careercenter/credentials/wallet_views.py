"""Wallet exchanges: the student starts one (`/me/credentials/…/wallet`: QR code and deep link),
the wallet talks to `/exchanges/<id>` (VC API, JSON, no session, no CSRF)."""

from __future__ import annotations

import io
from typing import Any

import qrcode
import qrcode.image.svg
from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request
from markupsafe import Markup

from careercenter.auth import me, public, roles_required
from careercenter.credentials import issuance, wallet
from careercenter.errors import CareerCenterError, problem
from careercenter.extensions import csrf, db, limiter
from careercenter.sso.models import Role

bp = Blueprint("wallet", __name__)


def _qr_svg(data: str) -> Markup:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode("utf-8").split("?>", 1)[-1]
    return Markup(svg)  # noqa: S704 (made here by qrcode from our own URL, no user input)


def _start_page(credential: Any, label: str) -> tuple[str, int]:
    exchange = wallet.start(db.session, me(), credential, current_app.config)
    config = current_app.config
    link = wallet.deep_link(config, exchange)
    return (
        render_template(
            "credentials/wallet.html",
            label=label,
            exchange=exchange,
            exchange_url=wallet.exchange_url(config, exchange),
            deep_link=link,
            qr=_qr_svg(link),
            minutes=int(wallet.LIFETIME.total_seconds() // 60),
        ),
        201,
    )


@bp.post("/me/credentials/<uuid:credential_uuid>/wallet")
@roles_required(Role.STUDENT)
def start_for_credential(credential_uuid: Any) -> tuple[str, int]:
    try:
        credential = issuance.student_credential(db.session, me(), f"urn:uuid:{credential_uuid}")
    except issuance.CredentialNotFound:
        abort(404)
    return _start_page(credential, str(credential.document.get("name")))


@bp.post("/me/credentials/clr/wallet")
@roles_required(Role.STUDENT)
def start_for_clr() -> tuple[str, int]:
    try:
        clr = issuance.clr_for(db.session, me(), current_app.config)
    except issuance.NothingToBundle:
        abort(409)
    return _start_page(clr, "My whole record (CLR 2.0)")


@bp.post("/exchanges/<exchange_id>")
@public
@csrf.exempt  # a wallet, not a browser form: the exchange id and the DID-Auth proof are the checks
@limiter.limit("60 per minute")
def exchange(exchange_id: str) -> Response:
    """VC API exchange: `{}` → the DID-Auth request; `{"verifiablePresentation": …}` → the credential."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return problem(400, 'The body must be a JSON object: {} to start, then {"verifiablePresentation": …}.')
    try:
        row = wallet.find(db.session, exchange_id)
        if "verifiablePresentation" in body:
            answer = wallet.complete(db.session, row, body["verifiablePresentation"], current_app.config)
        else:
            answer = wallet.presentation_request(db.session, row)
    except wallet.ExchangeNotFound:
        return problem(404, "No such exchange.")
    except CareerCenterError as exc:
        return problem(exc.status, str(exc), exc.title)
    response = jsonify(answer)
    response.headers["Cache-Control"] = "no-store"
    return response
