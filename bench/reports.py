"""The reports page at the size of a large university: `/reports` on the 100,000-award database.

    python bench/reports.py [--database careercenter_bench] [--n 5]

In this process, through Flask's test client, signed in as the bench's registrar (registrar
staff see the reports): the median time of the whole page for the default period (the current
term and the two before it) and for a whole year of terms, the SQL statements it sends (they do
not grow with the data: tests/reports asserts it), and each figure's own query time. The floor
is the same number of trivial round trips (`SELECT 1`). Prints and writes
bench/results/reports.json. Target: under a second (issue "The career center's console").
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import bench_app, bench_database_url, settle, write_results  # noqa: E402
from bench.fixtures import demo_people  # noqa: E402


def _median_ms(func: Any, n: int) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="careercenter_bench")
    parser.add_argument("--n", type=int, default=5)
    args = parser.parse_args()
    url = bench_database_url(args.database)
    registrar = demo_people(url)["registrar"]
    settle(url)
    app = bench_app(url, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    from careercenter.credits.rule_versions import calendar
    from careercenter.db import utcnow
    from careercenter.extensions import db
    from careercenter.reports.catalog import REPORTS
    from careercenter.reports.queries import Scope
    from careercenter.reports.terms import make_period, term_choices

    client = app.test_client()
    assert client.post("/dev/login", data={"person_id": registrar}).status_code == 302
    statements: list[str] = []
    figures: dict[str, Any] = {"database": args.database, "n": args.n}
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        cal = calendar()
        terms = term_choices(cal, utcnow().date())
        current = cal.term_for(utcnow().date())
        at = terms.index(current)
        for label, first in {"default (3 terms)": terms[at - 2], "year (4 terms)": terms[at - 3]}.items():
            path = f"/reports?from={first}&to={current}"
            statements.clear()
            assert client.get(path).status_code == 200
            count = len(statements)
            page_ms = _median_ms(lambda p=path: client.get(p), args.n)
            floor_ms = _median_ms(lambda c=count: [db.session.execute(sa.text("SELECT 1")) for _ in range(c)], args.n)
            figures[label] = {"page_ms": page_ms, "statements": count, "floor_ms": floor_ms}
            print(f"/reports {label}: {page_ms} ms median, {count} SQL statements (floor {floor_ms} ms)")
        scope = Scope(make_period(cal, terms[terms.index(current) - 2], current))
        per_report = {}
        for report in REPORTS:
            per_report[report.name] = _median_ms(lambda r=report: r.table(db.session, Scope(scope.period), 5), args.n)
            print(f"  {report.name}: {per_report[report.name]} ms")
        figures["per_report_ms"] = per_report
        db.session.rollback()
    path = write_results("reports", figures)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
