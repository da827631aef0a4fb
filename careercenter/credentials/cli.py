"""`flask credentials …`: the issuing key."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from careercenter.credentials import keys

credentials_cli = AppGroup("credentials", help="Verifiable credentials (Open Badges 3.0, CLR 2.0).")


@credentials_cli.command("make-dev-key")
@click.option("--force", is_flag=True, help="Replace an existing development key (old credentials stop verifying).")
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
