"""`flask api-clients …`: make, list and revoke the registrar systems' API clients;
`flask registrar …`: the award documents PostgreSQL keeps for the API (`registrar.documents`)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from careercenter.errors import CareerCenterError
from careercenter.extensions import db
from careercenter.registrar import documents, feed_sql, service
from careercenter.transaction import atomic_command

api_clients_cli = AppGroup("api-clients", help="Registrar API clients (OAuth2 client credentials).")


@api_clients_cli.command("create")
@click.argument("name")
@click.option("--scopes", default="credits:read", show_default=True, help='e.g. "credits:read credits:write"')
@atomic_command
def create_command(name: str, scopes: str) -> None:
    """Make a client; print its client_id and secret (shown this once, only a hash is kept)."""
    try:
        made = service.create_client(db.session, name, scopes)
    except CareerCenterError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"client_id: {made.client.client_id}")
    click.echo(f"client_secret: {made.secret}")


@api_clients_cli.command("list")
@atomic_command
def list_command() -> None:
    """One line per client: name, client_id, scopes, state."""
    clients = service.list_clients(db.session)
    if not clients:
        click.echo("no API clients")
        return
    for client in clients:
        state = f"revoked {client.revoked_at:%Y-%m-%d %H:%M}Z" if client.revoked_at else "active"
        used = f"last token {client.last_used_at:%Y-%m-%d %H:%M}Z" if client.last_used_at else "never used"
        click.echo(f"{client.name}\t{client.client_id}\t{client.scopes}\t{state}\t{used}")


@api_clients_cli.command("revoke")
@click.argument("name")
@atomic_command
def revoke_command(name: str) -> None:
    """Revoke a client: no new tokens, and its issued tokens stop working at once."""
    try:
        client = service.revoke_client(db.session, name)
    except service.NotFound as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"revoked {client.name} ({client.client_id})")


registrar_cli = AppGroup("registrar", help="The registrar API's award documents (kept on PostgreSQL).")


@registrar_cli.command("build-documents")
@click.option("--all", "everything", is_flag=True, help="Build every document again (after check-documents failed).")
def build_documents_command(everything: bool) -> None:
    """Build every award document not kept yet: after the upgrade that adds them, after one that
    changes what an award carries, or after SQL written outside the app."""
    if not feed_sql.enabled(db.session):
        click.echo("award documents are kept on PostgreSQL only; nothing to build")
        return
    if everything:
        documents.clear_all(db.session)
    built = documents.build_missing(db.session)
    kept, missing = documents.counts(db.session)
    click.echo(f"built {built} award documents; {kept} kept, {missing} missing")


@registrar_cli.command("check-documents")
def check_documents_command() -> None:
    """Compare every kept award document with one built now; exit 1 if any differs."""
    if not feed_sql.enabled(db.session):
        click.echo("award documents are kept on PostgreSQL only; nothing to check")
        return
    wrong = documents.differing(db.session)
    kept, missing = documents.counts(db.session)
    db.session.rollback()
    if wrong:
        shown = ", ".join(f"#{award_id}" for award_id in wrong[:20]) + (" …" if len(wrong) > 20 else "")
        raise click.ClickException(f"{len(wrong)} of {kept} kept award documents differ from their awards: {shown}")
    click.echo(f"{kept} award documents kept and as built now; {missing} missing")
