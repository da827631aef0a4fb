"""W3C Bitstring Status List v1.0: the bitstring, its encoding, and the status list credential."""

from __future__ import annotations

import base64
import gzip
from collections.abc import Iterable
from typing import Any

from careercenter.credentials.jsonld import VC_V2

#: The spec's minimum length (16 KB), so one credential's bit hides among many.
MIN_BITS = 131072


class StatusListError(ValueError):
    pass


def encode_bits(size: int, set_indexes: Iterable[int]) -> str:
    """`encodedList`: multibase base64url (no padding) of the GZIP of the bitstring.

    Index 0 is the left-most (most significant) bit of the first byte. GZIP is written with
    mtime 0 so the same list always encodes the same way.
    """
    if size % 8:
        raise StatusListError("the list size must be a whole number of bytes")
    bits = bytearray(size // 8)
    for index in set_indexes:
        if not 0 <= index < size:
            raise StatusListError(f"index {index} is outside the list")
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode_bits(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise StatusListError("encodedList must be multibase base64url ('u…')")
    body = encoded[1:]
    try:
        return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (OSError, ValueError) as exc:
        raise StatusListError(f"encodedList cannot be decoded: {exc}") from None


def bit_is_set(encoded: str, index: int) -> bool:
    """Read one bit of an `encodedList` (what a verifier does)."""
    bits = decode_bits(encoded)
    if not 0 <= index < len(bits) * 8:
        raise StatusListError(f"index {index} is outside the list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def status_list_document(*, list_url: str, issuer_id: str, valid_from: str, encoded_list: str) -> dict[str, Any]:
    """The unsigned BitstringStatusListCredential (terms all from the VC 2.0 context)."""
    return {
        "@context": [VC_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list,
        },
    }
