"""The one way numbers are written for people and documents."""

from __future__ import annotations

from decimal import Decimal

_PLACES = {2: Decimal("0.01"), 1: Decimal("0.1"), 0: Decimal("1")}


def format_decimal(value: Decimal | int | str, *, places: int | None = None) -> str:
    """Write `value` without an exponent.

    `places=None` gives the shortest exact form (``3``, ``1.5``: pages, rule checks, credentials);
    `places=2` gives a fixed form (``3.00``: the registrar API, CSV, transcripts).
    """
    number = Decimal(value)
    if places is None:
        return format(number.normalize(), "f")
    return format(number.quantize(_PLACES.get(places, Decimal(1).scaleb(-places))), "f")
