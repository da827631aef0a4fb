"""Multibase base58btc and Multikey encodings (Ed25519 public/private keys)."""

from __future__ import annotations

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}

#: multicodec prefixes (varint-encoded): ed25519-pub 0xed, ed25519-priv 0x1300.
ED25519_PUB_PREFIX = b"\xed\x01"
ED25519_PRIV_PREFIX = b"\x80\x26"


class MultibaseError(ValueError):
    """The text is not the multibase/multikey value it claims to be."""


def b58encode(data: bytes) -> str:
    """Encode bytes in the Bitcoin base58 alphabet (leading zero bytes become '1')."""
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, rem = divmod(number, 58)
        out.append(_ALPHABET[rem])
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    """Decode Bitcoin base58 text; raise `MultibaseError` on a character outside the alphabet."""
    number = 0
    for char in text:
        if char not in _INDEX:
            raise MultibaseError(f"{char!r} is not a base58btc character")
        number = number * 58 + _INDEX[char]
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    pad = len(text) - len(text.lstrip("1"))
    return b"\0" * pad + body


def multibase_encode(data: bytes) -> str:
    """base58btc multibase: 'z' followed by base58."""
    return "z" + b58encode(data)


def multibase_decode(text: str) -> bytes:
    if not text.startswith("z"):
        raise MultibaseError("only base58btc multibase values ('z…') are supported")
    return b58decode(text[1:])


def encode_ed25519_public(raw: bytes) -> str:
    """The Multikey `publicKeyMultibase` of a raw 32-byte Ed25519 public key (`z6Mk…`)."""
    if len(raw) != 32:
        raise MultibaseError("an Ed25519 public key is 32 bytes")
    return multibase_encode(ED25519_PUB_PREFIX + raw)


def decode_ed25519_public(text: str) -> bytes:
    data = multibase_decode(text)
    if not data.startswith(ED25519_PUB_PREFIX) or len(data) != 34:
        raise MultibaseError("not an Ed25519 Multikey public key")
    return data[2:]


def decode_ed25519_private(text: str) -> bytes:
    data = multibase_decode(text)
    if not data.startswith(ED25519_PRIV_PREFIX) or len(data) != 34:
        raise MultibaseError("not an Ed25519 Multikey private key")
    return data[2:]
