"""Registrar staff's view of the machine API: which systems hold credentials, and their state.

Read-only: clients are made and revoked with `flask api-clients` on the server, where the
secret can be handed over safely. Kept apart from the API blueprint, which is CSRF-exempt.
"""

from __future__ import annotations

from flask import Blueprint, render_template

from careercenter.auth import roles_required
from careercenter.extensions import db
from careercenter.registrar import service
from careercenter.sso.models import Role

bp = Blueprint("registrar_pages", __name__)


@bp.get("/registrar/api-clients")
@roles_required(Role.REGISTRAR, Role.ADMIN)
def api_clients() -> str:
    return render_template("registrar/api_clients.html", clients=service.list_clients(db.session))
