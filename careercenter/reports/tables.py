"""A report's table, and small-cell suppression so no student is identifiable in an aggregate.

Reports go to deans and accreditors. A cell that counts fewer than `min_cell` students (but
more than none) is shown as "<5"; so are the other figures of its row (the hours or credits of
those few students). Suppressing one cell alone is not enough — the column's total, or another
table of the same students, gives it back by subtraction — so wherever a column has exactly one
suppressed cell, the smallest other non-zero cell of that column is suppressed too
(complementary suppression), and likewise along the rows of a cross-table, until stable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from careercenter.formatting import format_decimal

Cell = int | Decimal | str | None


@dataclass
class Table:
    """Rows of figures under named columns. `student_columns` hold counts of distinct students
    (their headers say "students"); `label_columns` hold the row labels (term, program, …)."""

    name: str
    columns: list[str]
    rows: list[list[Cell]]
    label_columns: int = 1
    student_columns: tuple[int, ...] = ()
    #: measure column -> the student column counting the students it describes (default: the
    #: first student column guards every other figure of the row).
    guards: dict[int, int] = field(default_factory=dict)
    #: (row, column) cells withheld because they would single out students.
    suppressed: set[tuple[int, int]] = field(default_factory=set)
    min_cell: int = 5

    @property
    def suppressed_text(self) -> str:
        return f"<{self.min_cell}"

    def display(self, row: int, column: int) -> str:
        """The cell as the page, the chart and the CSV show it."""
        if (row, column) in self.suppressed:
            return self.suppressed_text
        value = self.rows[row][column]
        if value is None:
            return "–"
        if isinstance(value, Decimal):
            return format_decimal(value, places=1) if value != value.to_integral() else format_decimal(value)
        return str(value)

    def display_rows(self) -> list[list[str]]:
        return [[self.display(r, c) for c in range(len(self.columns))] for r in range(len(self.rows))]

    def numeric(self, row: int, column: int) -> float | None:
        """The cell as a number for a chart; None when withheld or empty."""
        if (row, column) in self.suppressed:
            return None
        value = self.rows[row][column]
        if value is None or isinstance(value, str):
            return None
        return float(value)


def _small(value: Cell, min_cell: int) -> bool:
    return isinstance(value, int) and 0 < value < min_cell


def _complement(table: Table, cells: list[tuple[int, int]]) -> bool:
    """If exactly one of `cells` is suppressed, suppress the smallest other non-zero one."""
    hidden = [cell for cell in cells if cell in table.suppressed]
    if len(hidden) != 1:
        return False
    candidates = [
        (table.rows[r][c], r, c)
        for r, c in cells
        if (r, c) not in table.suppressed and isinstance(table.rows[r][c], int) and table.rows[r][c]
    ]
    if not candidates:
        return False
    _, r, c = min(candidates, key=lambda item: (item[0], item[1], item[2]))
    table.suppressed.add((r, c))
    return True


def suppress_small_cells(table: Table, min_cell: int, *, cross: bool = False) -> Table:
    """Withhold student counts below `min_cell` and what would give them back (see module doc).

    `cross=True` treats every student column as one cell of a cross-table (rows × columns)
    and protects both directions; otherwise each student column is protected on its own and a
    withheld count withholds the rest of its row's figures.
    """
    table.min_cell = min_cell
    for r, row in enumerate(table.rows):
        for c in table.student_columns:
            if _small(row[c], min_cell):
                table.suppressed.add((r, c))
    changed = True
    while changed:
        changed = False
        for c in table.student_columns:
            changed |= _complement(table, [(r, c) for r in range(len(table.rows))])
        if cross:
            for r in range(len(table.rows)):
                changed |= _complement(table, [(r, c) for c in table.student_columns])
    if not cross:
        for r, c in list(table.suppressed):
            for other in _guarded_by(table, c):
                table.suppressed.add((r, other))
    return table


def _guarded_by(table: Table, student_column: int) -> list[int]:
    """The figures of a row that describe the students counted in `student_column`."""
    if table.guards:
        return [m for m, s in table.guards.items() if s == student_column]
    if student_column != table.student_columns[0]:
        return []
    return [c for c in range(table.label_columns, len(table.columns)) if c not in table.student_columns]


def csv_rows(table: Table) -> list[list[Any]]:
    """The table as CSV rows: the header, then each row as displayed (withheld cells as "<5")."""
    return [list(table.columns), *table.display_rows()]
