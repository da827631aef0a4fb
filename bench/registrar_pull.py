"""Registrar pull: every award through the API (JSON pages and CSV), beside COPY … TO STDOUT.

    python bench/registrar_pull.py [--database careercenter_bench] [--small careercenter_bench_10k]
                                   [--workers 3] [--rounds 2]

Needs the databases seeded first (bench/seed_scale.py, and `--awards 10000 --students 6000
--experiences 24000 --database careercenter_bench_10k` for the memory comparison). Serves each
database with gunicorn (sync workers), pulls every award with `limit=1000` following
`next_cursor`, then the CSV export, and reads the gunicorn workers' peak memory (VmHWM). The
floor is the same joined columns read by psycopg's `COPY (SELECT …) TO STDOUT`.
Prints and writes bench/results/registrar_pull.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (  # noqa: E402
    bench_app,
    bench_database_url,
    gunicorn,
    libpq_url,
    proc_status_kib,
    settle,
    worker_pids,
    write_results,
)

#: What the API returns for each award (award_json): the award, its student, rule, approver and
#: the experiences of its request — one row per award × experience, in the feed's order.
FLOOR_SQL = """
SELECT a.id, s.campus_id, s.display_name, s.email,
       r.course_subject, r.course_number, r.course_title, a.credits, a.grading_basis, a.term,
       r.code, r.version, e.id, e.employer, e.title, coalesce(e.verified_hours, e.hours),
       e.start_date, e.end_date, e.verified_at,
       ap.display_name, a.approved_at, a.status, a.sis_reference, a.posted_at, a.updated_at
FROM credit_awards a
JOIN people s ON s.id = a.student_id
JOIN credit_rules r ON r.id = a.rule_id
LEFT JOIN people ap ON ap.id = a.approved_by_id
LEFT JOIN credit_request_experiences cre ON cre.request_id = a.request_id
LEFT JOIN experiences e ON e.id = cre.experience_id
ORDER BY a.updated_at, a.id, e.id
"""


def statement_probe(url: str, batches: int = 20) -> dict[str, Any]:
    """What the service's own statements cost in PostgreSQL, and how much of it is the
    disclosure row (FERPA 99.32: one `award_disclosures` row per page or batch, naming its
    awards' students) that COPY does not write.

    Median over `batches` 1000-award pages spread over the table, each statement run with and
    without its `logged` CTE, every transaction rolled back (no rows left behind).
    """
    import statistics

    import sqlalchemy as sa

    from careercenter.db import utcnow
    from careercenter.extensions import db
    from careercenter.registrar import feed, feed_sql
    from careercenter.registrar.models import ApiClient

    app = bench_app(url)
    with app.app_context():
        client = db.session.execute(sa.select(ApiClient).limit(1)).scalar_one()
        keys = db.session.execute(sa.text("SELECT updated_at, id FROM credit_awards ORDER BY updated_at, id")).all()
        where, params = feed_sql._filters(feed.FeedQuery(limit=1000, after=tuple(keys[0])), utcnow())
        page = feed_sql._psycopg_params(feed_sql._page_statement(where))
        batch = feed_sql._psycopg_params(feed_sql._csv_statement(where))
        page_params = {**params, **feed_sql._statement_params(client, "read"), "limit": 1000}
        batch_params = {**feed_sql._copy_params(params, client), "batch": 1000}
        db.engine.dispose()
    logged = ", " + feed_sql._psycopg_params(feed_sql._LOGGED)
    statements = {
        "json_page": (page, page_params, False),
        "json_page_without_disclosures": (
            page.replace(logged, "").replace("(SELECT count(*) FROM logged)", "0"),
            page_params,
            False,
        ),
        "csv_batch": (batch, batch_params, True),
        "csv_batch_without_disclosures": (batch.replace(logged, ""), batch_params, True),
        # no kept document used (another format): each built in the statement, as before they were kept
        "json_page_building_documents": (page, {**page_params, "format": "none"}, False),
        "csv_batch_building_lines": (batch, {**batch_params, "format": "none"}, True),
    }
    step = max(1, len(keys) // (batches + 1))
    out: dict[str, Any] = {}
    with psycopg.connect(libpq_url(url)) as conn, conn.cursor() as cur:
        for name, (sql, base, copy) in statements.items():
            assert name.endswith("_without_disclosures") != ("INSERT INTO award_disclosures" in sql)
            assert "award_documents" in sql
            times = []
            for k in range(1, batches + 1):
                at, last = keys[k * step]
                bind = {**base, "after_at": at.isoformat() if copy else at, "after_id": last}
                start = time.perf_counter()
                if copy:
                    with cur.copy(sql, bind) as stream:
                        for _block in stream:
                            pass
                else:
                    cur.execute(sql, bind).fetchone()
                times.append(time.perf_counter() - start)
                conn.rollback()
            out[f"{name}_ms"] = round(statistics.median(times) * 1000, 1)
    return out


def api_client(url: str, name: str) -> tuple[str, str]:
    """A fresh `credits:read` client on the database at `url` (the same service `flask api-clients create` calls)."""
    from careercenter.extensions import db
    from careercenter.registrar import service

    app = bench_app(url)
    with app.app_context():
        new = service.create_client(db.session, f"{name} {time.time_ns()}", "credits:read")
        db.session.commit()
        pair = (new.client.client_id, new.secret)
        db.engine.dispose()
    return pair


def token(base: str, client_id: str, secret: str) -> str:
    response = requests.post(
        base + "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret), timeout=30
    )
    response.raise_for_status()
    return response.json()["access_token"]


def _next_cursor(body: bytes) -> str | None:
    """The page's `next_cursor`, read from the body's tail (the service writes it last) without
    parsing the whole page: the client's own JSON decoding is not the service's time."""
    tail = body[body.rindex(b'"next_cursor":') + len(b'"next_cursor":') :].strip().rstrip(b"}").strip()
    return None if tail == b"null" else json.loads(tail)


def pull_json(base: str, bearer: str, *, whole: bool = True) -> dict[str, Any]:
    """Every award, 1000 a page, following next_cursor; awards/s and the page times. The bodies
    are parsed after the clock stops (every award counted, and each one once).

    `whole`: read each body in one call, as COPY's floor reads its stream in blocks; otherwise
    through requests' `.content`, which reads a 945 KB page in 10 KB chunks (about 5 ms of
    Python a page on this machine: the client's time, not the service's)."""
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {bearer}"
    cursor, pages, bodies = None, [], []
    start = time.perf_counter()
    while True:
        params = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
        t0 = time.perf_counter()
        with http.get(base + "/api/v1/credit-awards", params=params, timeout=120, stream=whole) as response:
            response.raise_for_status()
            body = response.raw.read() if whole else response.content
        bodies.append(body)
        pages.append(time.perf_counter() - t0)
        cursor = _next_cursor(body)
        if not cursor:
            break
    seconds = time.perf_counter() - start
    awards = [a for body in bodies for a in json.loads(body)["data"]]
    pages.sort()
    return {
        "awards": len(awards),
        "distinct_awards": len({a["id"] for a in awards}),
        "pages": len(pages),
        "seconds": round(seconds, 3),
        "awards_per_second": round(len(awards) / seconds),
        "page_median_ms": round(pages[len(pages) // 2] * 1000, 1),
        "page_max_ms": round(pages[-1] * 1000, 1),
    }


def pull_csv(base: str, bearer: str) -> dict[str, Any]:
    start = time.perf_counter()
    rows, size = -1, 0  # the header is not an award
    with requests.get(
        base + "/api/v1/credit-awards.csv", headers={"Authorization": f"Bearer {bearer}"}, stream=True, timeout=600
    ) as response:
        response.raise_for_status()
        for chunk in response.iter_content(chunk_size=1 << 16):
            size += len(chunk)
            rows += chunk.count(b"\r\n")
    seconds = time.perf_counter() - start
    return {"awards": rows, "bytes": size, "seconds": round(seconds, 3), "awards_per_second": round(rows / seconds)}


def copy_floor(url: str) -> dict[str, Any]:
    """The same joined columns through COPY … TO STDOUT (text format), read to the end."""
    with psycopg.connect(libpq_url(url)) as conn, conn.cursor() as cur:
        awards = cur.execute("SELECT count(*) FROM credit_awards").fetchone()[0]
        start = time.perf_counter()
        size = 0
        with cur.copy(f"COPY ({FLOOR_SQL}) TO STDOUT") as copy:
            for block in copy:
                size += len(block)
        seconds = time.perf_counter() - start
    return {"awards": awards, "bytes": size, "seconds": round(seconds, 3), "awards_per_second": round(awards / seconds)}


def page_breakdown(url: str, pages: int = 8) -> dict[str, Any]:
    """Where one 1000-award page of the ORM path (SQLite's; PostgreSQL now uses feed_sql.py)
    spends its time, in this process (the view's steps, one by one).

    Median over `pages` consecutive pages: the horizon, the ORM query (of which SQL round
    trips, measured with cursor events), the disclosure rows, award_json, JSON encoding, commit.
    """
    import json
    import statistics

    import sqlalchemy as sa

    from careercenter.extensions import db
    from careercenter.registrar import feed, service

    app = bench_app(url)
    steps: dict[str, list[float]] = {
        k: [] for k in ("horizon", "fetch", "sql", "disclose", "to_json", "encode", "commit")
    }
    with app.app_context():
        engine = db.engine
        sql = [0.0]
        started: list[float] = []

        def before(*_: Any) -> None:
            started.append(time.perf_counter())

        def after(*_: Any) -> None:
            sql[0] += time.perf_counter() - started.pop()

        sa.event.listen(engine, "before_cursor_execute", before)
        sa.event.listen(engine, "after_cursor_execute", after)
        client = service.create_client(db.session, f"bench breakdown {time.time_ns()}", "credits:read").client
        db.session.commit()
        client_pk = client.id
        query = feed.FeedQuery(limit=1000)
        try:
            for _ in range(pages):
                t0 = time.perf_counter()
                horizon = feed.safe_horizon(db.session, sqlite_settle_seconds=30)
                t1 = time.perf_counter()
                sql[0] = 0.0
                awards, _more = feed.fetch_page(db.session, query, horizon)
                t2 = time.perf_counter()
                steps["sql"].append(sql[0])
                service.disclose_awards(db.session, db.session.get(type(client), client_pk), awards)
                t3 = time.perf_counter()
                body = {"data": [service.award_json(a) for a in awards], "next_cursor": "x"}
                t4 = time.perf_counter()
                json.dumps(body)
                t5 = time.perf_counter()
                query = feed.FeedQuery(limit=1000, after=(awards[-1].updated_at, awards[-1].id))
                db.session.commit()
                db.session.expunge_all()
                t6 = time.perf_counter()
                for key, value in zip(steps, (t1 - t0, t2 - t1, None, t3 - t2, t4 - t3, t5 - t4, t6 - t5), strict=True):
                    if value is not None:
                        steps[key].append(value)
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)
            sa.event.remove(engine, "after_cursor_execute", after)
            db.engine.dispose()
    out = {f"{k}_ms": round(statistics.median(v) * 1000, 1) for k, v in steps.items()}
    out["page_ms"] = round(sum(v for k, v in out.items() if k != "sql_ms"), 1)
    return out


def peak_memory(master: int) -> dict[str, int]:
    workers = worker_pids(master)
    hwm = [proc_status_kib(pid, "VmHWM") for pid in workers]
    return {"workers": len(workers), "max_worker_vmhwm_kib": max(hwm), "sum_worker_vmhwm_kib": sum(hwm)}


def measure(database: str, workers: int, rounds: int) -> dict[str, Any]:
    url = bench_database_url(database)
    client_id, secret = api_client(url, "bench pull")
    settle(url)
    out: dict[str, Any] = {"database": database, "gunicorn_workers": workers}
    floors, jsons, chunked, csvs = [], [], [], []
    with gunicorn(url, workers=workers) as server:
        base = server["base"]
        bearer = token(base, client_id, secret)
        idle = peak_memory(server["pid"])
        for _ in range(rounds):
            floors.append(copy_floor(url))
            jsons.append(pull_json(base, bearer))
            chunked.append(pull_json(base, bearer, whole=False))
            csvs.append(pull_csv(base, bearer))
        out["memory_after_start"] = idle
        out["memory_after_pulls"] = peak_memory(server["pid"])
    # The best round of each: the machine is shared, the best is the least disturbed.
    out["copy_floor"] = min(floors, key=lambda f: f["seconds"])
    out["json_pull"] = min(jsons, key=lambda f: f["seconds"])
    out["csv_export"] = min(csvs, key=lambda f: f["seconds"])
    out["json_pull_requests_content"] = min(chunked, key=lambda f: f["seconds"])
    out["all_rounds_seconds"] = {
        "copy": [f["seconds"] for f in floors],
        "json": [f["seconds"] for f in jsons],
        "json_requests_content": [f["seconds"] for f in chunked],
        "csv": [f["seconds"] for f in csvs],
    }
    floor = out["copy_floor"]["seconds"]
    out["json_ratio_to_copy"] = round(out["json_pull"]["seconds"] / floor, 1)
    out["json_requests_content_ratio_to_copy"] = round(out["json_pull_requests_content"]["seconds"] / floor, 1)
    out["page_breakdown_in_process"] = page_breakdown(url)
    out["statements_in_postgresql"] = statement_probe(url)
    out["csv_ratio_to_copy"] = round(out["csv_export"]["seconds"] / floor, 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="careercenter_bench")
    parser.add_argument("--small", default="careercenter_bench_10k", help="the 10,000-award database ('' to skip)")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    large = measure(args.database, args.workers, args.rounds)
    figures: dict[str, Any] = {"large": large}
    if args.small:
        small = measure(args.small, args.workers, 1)
        figures["small"] = small
        figures["memory_growth_ratio"] = round(
            large["memory_after_pulls"]["max_worker_vmhwm_kib"] / small["memory_after_pulls"]["max_worker_vmhwm_kib"], 2
        )
    figures["target"] = "JSON pull and CSV export each within 3x of COPY"
    figures["target_met"] = large["json_ratio_to_copy"] <= 3 and large["csv_ratio_to_copy"] <= 3
    path = write_results("registrar_pull", figures)
    for label, run in (("large", large), ("small", figures.get("small"))):
        if not run:
            continue
        f, j, c = run["copy_floor"], run["json_pull"], run["csv_export"]
        print(f"{label}: {run['database']} ({f['awards']:,} awards, {run['gunicorn_workers']} gunicorn workers)")
        print(f"  COPY floor   {f['seconds']:7.2f} s  {f['awards_per_second']:>8,} awards/s")
        print(
            f"  JSON pages   {j['seconds']:7.2f} s  {j['awards_per_second']:>8,} awards/s  "
            f"{run['json_ratio_to_copy']}x COPY  ({j['pages']} pages, median {j['page_median_ms']} ms)"
        )
        k = run["json_pull_requests_content"]
        print(
            f"  JSON, requests' .content {k['seconds']:.2f} s  {run['json_requests_content_ratio_to_copy']}x COPY"
            f"  (median {k['page_median_ms']} ms)"
        )
        print(
            f"  CSV export   {c['seconds']:7.2f} s  {c['awards_per_second']:>8,} awards/s  "
            f"{run['csv_ratio_to_copy']}x COPY"
        )
        m = run["memory_after_pulls"]
        print(
            f"  worker peak memory (VmHWM): max {m['max_worker_vmhwm_kib'] / 1024:.0f} MiB "
            f"(after start {run['memory_after_start']['max_worker_vmhwm_kib'] / 1024:.0f} MiB)"
        )
    b = large["page_breakdown_in_process"]
    print(
        f"one 1000-award page in process: {b['page_ms']} ms = horizon {b['horizon_ms']} + ORM fetch {b['fetch_ms']} "
        f"(SQL round trips {b['sql_ms']}) + disclosures {b['disclose_ms']} + award_json {b['to_json_ms']} "
        f"+ JSON encoding {b['encode_ms']} + commit {b['commit_ms']}"
    )
    p = large["statements_in_postgresql"]
    per_page = large["copy_floor"]["seconds"] / large["copy_floor"]["awards"] * 1000 * 1000
    print(
        f"the statements alone, a 1000-award page (COPY's share of the floor: {per_page:.1f} ms): "
        f"JSON {p['json_page_ms']} ms ({p['json_page_without_disclosures_ms']} ms without the disclosure rows), "
        f"CSV {p['csv_batch_ms']} ms ({p['csv_batch_without_disclosures_ms']} ms without); "
        f"building every document in the statement (none kept): JSON {p['json_page_building_documents_ms']} ms, "
        f"CSV {p['csv_batch_building_lines_ms']} ms"
    )
    if "memory_growth_ratio" in figures:
        print(f"peak worker memory, 100k vs 10k awards: {figures['memory_growth_ratio']}x")
    print(f"target (JSON and CSV within 3x of COPY): {'met' if figures['target_met'] else 'missed'}")
    print(f"results: {path}")


if __name__ == "__main__":
    main()
