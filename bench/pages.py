"""Pages: SQL queries per page (must not grow with the rows) and median time, on the bench data.

    python bench/pages.py [--database careercenter_bench] [--small careercenter_bench_10k] [--n 20]

In this process, through Flask's test client (no network, no gunicorn: the page's own cost),
signed in through the development login:

- the advisor queue, for an advisor with 500 pending requests and one with 5;
- the student dashboard `/student` and `/experiences`, for a student with 12 experiences and
  4 awards, one with 4 and 2, and one with 2 and a request;
- the registrar award list `/registrar/awards`, on 100,000 awards and on 10,000.

The floor for the count is what the page needs whatever the rows; for the time, the same
count of trivial round trips (`SELECT 1`) to the same PostgreSQL. Prints and writes
bench/results/pages.json.
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
from bench.fixtures import demo_people, ensure_queue  # noqa: E402
from bench.transcript import ensure_student  # noqa: E402


def person_id(app: Any, campus_id: str) -> int:
    from careercenter.extensions import db
    from careercenter.sso.models import Person

    with app.app_context():
        return db.session.execute(sa.select(Person.id).where(Person.campus_id == campus_id)).scalar_one()


def measure_page(app: Any, who: int, path: str, n: int) -> dict[str, Any]:
    """Queries of one request to `path` as person `who`, and the median of `n` requests."""
    from careercenter.extensions import db

    client = app.test_client()
    assert client.post("/dev/login", data={"person_id": who}).status_code == 302
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    response = client.get(path)  # warm-up (template compile, first-use caches)
    assert response.status_code == 200, (path, response.status_code)
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        client.get(path)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    queries = len(statements)
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        assert client.get(path).status_code == 200
        samples.append(time.perf_counter() - start)
    # The floor for the time: the same number of round trips that do nothing.
    floor = []
    with engine.connect() as conn:
        for _ in range(n):
            start = time.perf_counter()
            for _ in range(queries):
                conn.execute(sa.text("SELECT 1"))
            floor.append(time.perf_counter() - start)
    return {
        "path": path,
        "queries": queries,
        "median_ms": round(statistics.median(samples) * 1000, 1),
        "floor_round_trips_median_ms": round(statistics.median(floor) * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="careercenter_bench")
    parser.add_argument("--small", default="careercenter_bench_10k")
    parser.add_argument("--n", type=int, default=20)
    args = parser.parse_args()
    url, small_url = bench_database_url(args.database), bench_database_url(args.small)
    setup = time.perf_counter()
    ensure_student(url)
    big_queue = ensure_queue(url, "FBENCH0500", 500)
    ensure_queue(url, "FBENCH0005", 5)
    demo_people(url)
    demo_people(small_url)
    settle(url)
    settle(small_url)
    setup_seconds = round(time.perf_counter() - setup, 1)

    config = {"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}
    app, small_app = bench_app(url, **config), bench_app(small_url, **config)
    rows: list[dict[str, Any]] = []

    def add(page: str, case: str, target_app: Any, campus_id: str, path: str) -> None:
        figures = measure_page(target_app, person_id(target_app, campus_id), path, args.n)
        rows.append({"page": page, "case": case, **figures})

    add("advisor queue", f"{big_queue['pending']} pending", app, "FBENCH0500", "/approvals")
    add("advisor queue", "5 pending", app, "FBENCH0005", "/approvals")
    for path in ("/student", "/experiences"):
        add(f"student {path}", "12 experiences, 4 awards", app, "TBENCH0001", path)
        add(f"student {path}", "4 experiences, 2 awards", app, "S0000001", path)
        add(f"student {path}", "2 experiences, 1 request", app, "FBENCH0500-00001", path)
    add("registrar award list", "100,000 awards", app, "R00000", "/registrar/awards")
    add("registrar award list", "10,000 awards", small_app, "R00000", "/registrar/awards")
    for target in (app, small_app):
        from careercenter.extensions import db

        with target.app_context():
            db.engine.dispose()

    flat: dict[str, bool] = {}
    for row in rows:
        counts = {r["queries"] for r in rows if r["page"] == row["page"]}
        flat[row["page"]] = len(counts) == 1
    figures = {"database": args.database, "n": args.n, "setup_seconds": setup_seconds, "pages": rows, "flat": flat}
    figures["target"] = "query counts flat"
    figures["target_met"] = all(flat.values())
    path = write_results("pages", figures)
    print(f"pages (in-process test client, median of {args.n}; setup {setup_seconds} s)")
    print(f"  {'page':<24} {'case':<26} {'queries':>7} {'median ms':>10} {'floor ms':>9}")
    for row in rows:
        print(
            f"  {row['page']:<24} {row['case']:<26} {row['queries']:>7} {row['median_ms']:>10} "
            f"{row['floor_round_trips_median_ms']:>9}"
        )
    for page, ok in flat.items():
        print(f"  {page}: query count {'flat' if ok else 'GROWS'}")
    print(f"target (query counts flat): {'met' if figures['target_met'] else 'missed'}")
    print(f"results: {path}")


if __name__ == "__main__":
    main()
