"""`flask transcripts …`: the development signing pair."""

from __future__ import annotations

import click
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from flask import current_app
from flask.cli import AppGroup

from careercenter.transcripts.signing import forget_signer, make_dev_signing_cert

transcripts_cli = AppGroup("transcripts", help="Transcripts: signing keys.")


@transcripts_cli.command("make-dev-signing-cert")
@click.option("--force", is_flag=True, help="Replace an existing development pair.")
def make_dev_signing_cert_command(force: bool) -> None:
    """Make a self-signed key and certificate in the instance folder, for development and the demo."""
    app = current_app
    if app.config.get("IS_PRODUCTION"):
        raise click.ClickException(
            "refusing in production: set CAREERCENTER_SIGNING_KEY and CAREERCENTER_SIGNING_CERT "
            "to the institution's key and certificate"
        )
    key_path, cert_path, made = make_dev_signing_cert(app.instance_path, app.config["INSTITUTION_NAME"], force=force)
    forget_signer(app)
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    click.echo(("made" if made else "kept the existing") + " development signing pair (self-signed, EC P-256)")
    click.echo(f"key: {key_path}")
    click.echo(f"certificate: {cert_path}")
    click.echo(f"subject: {cert.subject.rfc4514_string()}")
    click.echo(f"SHA-256 fingerprint: {cert.fingerprint(hashes.SHA256()).hex(':').upper()}")
    if app.config.get("SIGNING_KEY"):
        click.echo("note: CAREERCENTER_SIGNING_KEY is set, so transcripts are signed with that key, not this one")
