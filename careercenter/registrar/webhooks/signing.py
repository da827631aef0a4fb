"""Webhook secrets: made, kept encrypted, and used to sign per the Standard Webhooks spec.

The secret must be usable for HMAC signing, so it cannot be stored as a hash: it is stored
encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under a key derived from SECRET_KEY by HKDF
(info "careercenter webhook secrets"). A database dump alone reveals no secret; changing
SECRET_KEY makes the stored secrets unreadable (rotate every subscription's secret then).
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from standardwebhooks.webhooks import Webhook

PREFIX = "whsec_"
_INFO = b"careercenter webhook secrets"


class SecretUnreadable(RuntimeError):
    """A stored secret cannot be decrypted (SECRET_KEY changed): rotate the secret."""


def new_secret() -> str:
    """A fresh signing secret, `whsec_` + base64 of 32 random bytes (as the spec writes them)."""
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def _fernet(config: Mapping[str, Any]) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        str(config["SECRET_KEY"]).encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(config: Mapping[str, Any], secret: str) -> str:
    return _fernet(config).encrypt(secret.encode("ascii")).decode("ascii")


def decrypt(config: Mapping[str, Any], token: str) -> str:
    try:
        return _fernet(config).decrypt(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise SecretUnreadable("a webhook secret cannot be decrypted: was SECRET_KEY changed?") from None


def signed_headers(secrets_in_force: Iterable[str], message_id: str, at: datetime, body: str) -> dict[str, str]:
    """The `webhook-id`, `webhook-timestamp` and `webhook-signature` headers for `body`.

    During a rotation's overlap both secrets sign: the header holds both signatures,
    space-separated, and a receiver holding either secret accepts the message.
    """
    signatures = [Webhook(secret).sign(message_id, at, body) for secret in secrets_in_force]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(signatures),
        "content-type": "application/json",
    }
