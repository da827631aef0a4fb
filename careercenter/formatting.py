"""The one way numbers are written for people and documents."""

from __future__ import annotations

from collections.abc import Sequence
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


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 award``, ``2 awards``, ``0 awards``; `plural_form` for irregular words (``person``/``people``)."""
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


def all_of(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``: every one of them is meant (never "or")."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
