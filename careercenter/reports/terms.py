"""Report periods: a range of term codes, the dates each term covers, and SQL that buckets a
date column into its term — so experiences and sign-offs (which carry dates, not terms) group by
term in the database, like awards and requests (which carry their term) do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from careercenter.credits.terms import Calendar, TermError, next_term, previous_term, term_start


@dataclass(frozen=True)
class Period:
    """The terms a report covers, oldest first, each with its first day and the next term's."""

    terms: tuple[str, ...]
    bounds: tuple[tuple[str, date, date], ...]

    @property
    def first_day(self) -> date:
        return self.bounds[0][1]

    @property
    def end_day(self) -> date:
        """The day after the last term (exclusive)."""
        return self.bounds[-1][2]

    def term_of(self, column: Any) -> sa.ColumnElement[Any]:
        """A CASE expression giving the term code of the date (or datetime) in `column`."""
        whens = [(sa.and_(column >= start, column < end), sa.literal(code)) for code, start, end in self.bounds]
        return sa.case(*whens, else_=sa.null())

    def covers(self, column: Any) -> sa.ColumnElement[bool]:
        """`column` (a date) falls within the period."""
        return sa.and_(column >= self.first_day, column < self.end_day)


def term_choices(calendar: Calendar, today: date, *, back: int = 9, ahead: int = 1) -> list[str]:
    """The terms the filter offers: `back` terms before the current one to `ahead` after it."""
    current = calendar.term_for(today)
    terms = [current]
    for _ in range(back):
        terms.insert(0, previous_term(calendar, terms[0]))
    for _ in range(ahead):
        terms.append(next_term(calendar, terms[-1]))
    return terms


def make_period(calendar: Calendar, first: str, last: str, *, max_terms: int = 30) -> Period:
    """The period from term `first` to term `last` inclusive; `TermError` when it is not one."""
    if calendar.term_key(first) > calendar.term_key(last):
        raise TermError(f"the period starts ({first}) after it ends ({last})")
    terms = [first]
    while terms[-1] != last:
        if len(terms) >= max_terms:
            raise TermError(f"a report covers at most {max_terms} terms")
        terms.append(next_term(calendar, terms[-1]))
    bounds = tuple((t, term_start(calendar, t), term_start(calendar, next_term(calendar, t))) for t in terms)
    return Period(tuple(terms), bounds)
