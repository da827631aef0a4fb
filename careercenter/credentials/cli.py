"""`flask credentials …`: the issuing key."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from careercenter.credentials import keys, verification
from careercenter.extensions import db
from careercenter.transaction import atomic_command

credentials_cli = AppGroup("credentials", help="Verifiable credentials (Open Badges 3.0, CLR 2.0).")


@credentials_cli.command("make-dev-key")
@click.option("--force", is_flag=True, help="Replace an existing development key (old credentials stop verifying).")
@atomic_command
def make_dev_key(force: bool) -> None:
    """Make the development issuing key (Ed25519 + P-256) in the instance folder."""
    if current_app.config.get("IS_PRODUCTION"):
        raise click.ClickException(
            "in production the issuing key comes from CAREERCENTER_VC_SIGNING_KEY; keep it in your secret store"
        )
    path, made = keys.write_dev_key(current_app.instance_path, force=force)
    loaded = keys.parse_pem(path.read_bytes())
    if made:
        click.echo(f"made {path} (mode 0600)")
    else:
        click.echo(f"{path} already exists; nothing changed (use --force to replace it)")
    click.echo(f"Ed25519 public key (Multikey): {loaded.multikey}")
    click.echo(f"P-256 public key thumbprint (JWK): {loaded.jwk_thumbprint}")


@credentials_cli.command("verify")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@atomic_command
def verify_command(file: click.utils.LazyFile) -> None:
    """Check a credential file (JSON or JWT, `-` for stdin): valid, revoked, tampered, unknown.

    Exits 0 only for a valid credential.
    """
    try:
        result = verification.verify_submission(db.session, file.read(), current_app.config)
    except verification.BadSubmission as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{result.outcome}: {result.detail}")
    for nested in result.nested:
        click.echo(f"  {nested.outcome}: {nested.name or nested.credential_id}")
    if result.outcome != verification.VALID:
        raise SystemExit(1)
