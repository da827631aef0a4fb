"""Small-cell suppression as a property: whatever the counts, no visible cell counts fewer than
the minimum, and no column (or, in a cross-table, row) leaves a lone withheld cell that its
total would give back. Derandomized, so every run checks the same examples."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from careercenter.reports.tables import Table, suppress_small_cells

counts = st.lists(st.lists(st.integers(0, 40), min_size=3, max_size=3), min_size=1, max_size=8)


def _table(rows: list[list[int]]) -> Table:
    return Table(
        "t",
        ["Label", "A students", "B students", "C students"],
        [[f"r{i}", *r] for i, r in enumerate(rows)],
        student_columns=(1, 2, 3),
    )


def _lone(table: Table, cells: list[tuple[int, int]]) -> bool:
    hidden = [c for c in cells if c in table.suppressed]
    others = [c for c in cells if c not in table.suppressed and table.rows[c[0]][c[1]]]
    return len(hidden) == 1 and bool(others)


@settings(derandomize=True, max_examples=300, deadline=None, database=None)
@given(counts, st.booleans())
def test_no_visible_small_cell_and_no_lone_withheld_cell(rows: list[list[int]], cross: bool) -> None:
    table = suppress_small_cells(_table(rows), 5, cross=cross)
    for r, row in enumerate(table.rows):
        for c in table.student_columns:
            if (r, c) not in table.suppressed:
                assert row[c] == 0 or row[c] >= 5
                assert table.display(r, c) == str(row[c])
            else:
                assert table.display(r, c) == "<5"
    for c in table.student_columns:
        assert not _lone(table, [(r, c) for r in range(len(table.rows))])
    if cross:
        for r in range(len(table.rows)):
            assert not _lone(table, [(r, c) for c in table.student_columns])


def test_a_withheld_count_withholds_the_figures_it_guards() -> None:
    table = Table(
        "t",
        ["Term", "Credits", "Students", "Hours", "Students with hours"],
        [["2026SP", 3, 2, 40, 9], ["2026SU", 30, 20, 400, 3], ["2026FA", 12, 8, 100, 7]],
        student_columns=(2, 4),
        guards={1: 2, 3: 4},
    )
    suppress_small_cells(table, 5)
    assert table.display_rows() == [
        ["2026SP", "<5", "<5", "40", "9"],
        ["2026SU", "30", "20", "<5", "<5"],
        ["2026FA", "<5", "<5", "<5", "<5"],
    ]
