"""Academic terms: a code such as ``2026FA`` for every date, from a configurable calendar.

A calendar is a list of (season code, first month, first day) in the order the seasons start in
a year, e.g. the default ``SP=01-01,SU=06-01,FA=08-15``: 2026-03-10 is in ``2026SP``, 2026-07-01
in ``2026SU``, 2026-09-01 in ``2026FA``. A date before the first season's start belongs to the
previous year's last season. Terms compare in time order (``term_key``), which is what a rule's
term window needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_SEASON = re.compile(r"^([A-Z]{2})=(\d{2})-(\d{2})$")
_TERM = re.compile(r"^(\d{4})([A-Z]{2})$")

DEFAULT_TERM_STARTS = "SP=01-01,SU=06-01,FA=08-15"


class TermError(ValueError):
    """A calendar or term code that cannot be read; the message says what is wrong."""


@dataclass(frozen=True)
class Calendar:
    """The seasons of an academic year, in the order they start in a calendar year."""

    seasons: tuple[tuple[str, int, int], ...]

    @classmethod
    def parse(cls, text: str) -> Calendar:
        """Read ``"SP=01-01,SU=06-01,FA=08-15"``; raise `TermError` on anything else."""
        seasons = []
        for part in text.replace(" ", "").split(","):
            match = _SEASON.match(part)
            if not match:
                raise TermError(f"term start {part!r} is not like FA=08-15 (two capital letters = month-day)")
            code, month, day = match.group(1), int(match.group(2)), int(match.group(3))
            try:
                date(2000, month, day)
            except ValueError:
                raise TermError(f"term start {part!r} is not a real day of the year") from None
            seasons.append((code, month, day))
        if not seasons:
            raise TermError("the term calendar names no seasons")
        if [(m, d) for _, m, d in seasons] != sorted((m, d) for _, m, d in seasons):
            raise TermError("term starts must be listed in calendar order")
        if len({s[0] for s in seasons}) != len(seasons):
            raise TermError("a season code appears twice in the term calendar")
        return cls(tuple(seasons))

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(s[0] for s in self.seasons)

    def term_for(self, day: date) -> str:
        """The term code a date falls in."""
        current = None
        for code, month, first in self.seasons:
            if (day.month, day.day) >= (month, first):
                current = code
        if current is None:
            return f"{day.year - 1}{self.seasons[-1][0]}"
        return f"{day.year}{current}"

    def term_key(self, term: str) -> tuple[int, int]:
        """A sortable key for a term code; `TermError` if the code does not fit this calendar."""
        match = _TERM.match(term or "")
        if not match or match.group(2) not in self.codes:
            raise TermError(f"{term!r} is not a term code like 2026{self.codes[-1]} (seasons: {', '.join(self.codes)})")
        return int(match.group(1)), self.codes.index(match.group(2))


DEFAULT_CALENDAR = Calendar.parse(DEFAULT_TERM_STARTS)


def term_start(calendar: Calendar, term: str) -> date:
    """The first day of `term`."""
    year, index = calendar.term_key(term)
    _, month, day = calendar.seasons[index]
    return date(year, month, day)


def next_term(calendar: Calendar, term: str) -> str:
    """The term after `term`."""
    year, index = calendar.term_key(term)
    if index + 1 < len(calendar.seasons):
        return f"{year}{calendar.seasons[index + 1][0]}"
    return f"{year + 1}{calendar.seasons[0][0]}"


def previous_term(calendar: Calendar, term: str) -> str:
    """The term before `term`."""
    year, index = calendar.term_key(term)
    if index > 0:
        return f"{year}{calendar.seasons[index - 1][0]}"
    return f"{year - 1}{calendar.seasons[-1][0]}"
