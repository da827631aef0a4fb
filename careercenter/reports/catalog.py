"""The reports the console shows, in page order: each a query, a chart and a description."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from sqlalchemy.orm import Session

from careercenter.reports import funnel, queries, volume
from careercenter.reports.charts import ChartSpec
from careercenter.reports.queries import Scope
from careercenter.reports.tables import Table, suppress_small_cells


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    description: str
    build: Callable[[Session, Scope], Table]
    chart: ChartSpec
    #: Student counts form a cross-table (protect rows and columns alike).
    cross: bool = False

    def table(self, session: Session, scope: Scope, min_cell: int) -> Table:
        """The report's table for `scope`, with small cells withheld."""
        return suppress_small_cells(self.build(session, scope), min_cell, cross=self.cross)


REPORTS: tuple[Report, ...] = (
    Report(
        "credits-by-term",
        "Credits awarded and verified hours by term",
        "Credits of awards that stand (pending or posted) and supervisor-verified hours, term by term.",
        volume.credits_by_term,
        ChartSpec("bar", (1,), secondary=(3,)),
    ),
    Report(
        "credits-by-program",
        "Credits awarded and verified hours by program",
        "The same figures by the student's program.",
        volume.credits_by_program,
        ChartSpec("hbar", (1,), secondary=(3,)),
    ),
    Report(
        "credits-by-rule",
        "Credits awarded by rule and course",
        "Awards and credits under each credit rule.",
        volume.credits_by_rule,
        ChartSpec("bar", (3,)),
    ),
    Report(
        "top-employers-by-experiences",
        "Top employers by verified micro-internships",
        "The ten employers with the most verified micro-internships in the period.",
        partial(volume.top_employers, by="experiences"),
        ChartSpec("hbar", (1,)),
    ),
    Report(
        "top-employers-by-hours",
        "Top employers by verified hours",
        "The ten employers whose micro-internships added up to the most verified hours.",
        partial(volume.top_employers, by="hours"),
        ChartSpec("hbar", (2,)),
    ),
    Report(
        "request-funnel",
        "Credit requests: the funnel by term",
        "Requests submitted in each term, and how many are waiting, approved, returned, denied or withdrawn "
        "by their students.",
        funnel.request_funnel,
        ChartSpec("bar", (2, 3, 4, 5, 6)),
    ),
    Report(
        "request-funnel-steps",
        "Credit requests: decisions by route step",
        "At each step of the approval routes: how many requests wait there, how it decided, and how many "
        "were withdrawn by their students while they waited there.",
        funnel.funnel_by_step,
        ChartSpec("stacked", (1, 2, 3, 4, 5)),
    ),
    Report(
        "turnaround",
        "Approval turnaround",
        "Days from a request reaching a step to that step's decision: median and 90th percentile.",
        funnel.turnaround,
        ChartSpec("bar", (2, 3)),
    ),
    Report(
        "supervisors",
        "Supervisors' answers to sign-off requests",
        "Sign-off requests sent in each term: the share answered, the median days to answer and the share disputed.",
        queries.supervisors,
        ChartSpec("line", (3, 6)),
    ),
    Report(
        "skill-ratings",
        "Supervisors' skill ratings",
        "How many times each skill was rated at each level from 1 (lowest) to 5 (highest).",
        volume.skill_ratings,
        ChartSpec("stacked", (1, 2, 3, 4, 5)),
    ),
    Report(
        "students-served",
        "Students served by program and class level",
        "Distinct students with a micro-internship (past its draft) ending in the period.",
        volume.students_served,
        ChartSpec("stacked", (1, 2, 3, 4, 5, 6)),
        cross=True,
    ),
)

BY_NAME = {report.name: report for report in REPORTS}
