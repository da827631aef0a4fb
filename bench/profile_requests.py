"""Profile: the app's own CPU per request, per route, for the mixed load of bench/locustfile.py.

    python bench/profile_requests.py [--database careercenter_bench] [--rounds 100] [--warmup 10]
                                     [--profile FILE.prof] [--top 40]

In this process, through Flask's test client (no gunicorn, no locust, no network), set up as
bench/load.py serves the load: development mode, CSRF and rate limits on, `JOBS_INLINE` off (a
transcript request only queues its job), log level WARNING, Prometheus in multi-process mode.
Each round replays the load's requests once: a student's `/student`, `/experiences`,
`/transcripts` and `POST /transcripts` (its redirect followed), an advisor's `/approvals`, the
oldest request's page and its approval (redirect followed), and a registrar system's
`/api/v1/credit-awards?limit=100` page following the cursor.

Prints, per route, the median CPU milliseconds (`time.process_time`, this process: Flask,
SQLAlchemy, psycopg's client side, the test client's own small share) and SQL statements per
request, and the total weighted by how often the load asks for each route. With `--profile`, a
second pass runs under cProfile and prints the top functions by cumulative and own time (the
stats are saved to FILE.prof for `python -m pstats`).

Needs the seeded bench database (bench/seed_scale.py). Its six advisors are its own (FPROF01-06,
not the load's), their queues topped up for the run; it deletes the transcript jobs it queued.
Compare CPU time, not wall time, and repeat: the machine is shared.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="careercenter-profile-metrics-"))

import psycopg  # noqa: E402
import sqlalchemy as sa  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import bench_app, bench_database_url, libpq_url, settle  # noqa: E402
from bench.fixtures import demo_people, ensure_queue  # noqa: E402
from bench.registrar_pull import api_client  # noqa: E402
from bench.scrape import REQUEST_LINK, VERSION, csrf_token  # noqa: E402

#: How often the load asks for each route, per locust user-second: 6 students in 8 users (one
#: task a second: /student 5, /experiences 3, /transcripts 1, the POST 1 in 10), 1 advisor (three
#: requests a task), 1 registrar system.
WEIGHTS = {
    "GET /student": 6 * 5 / 10,
    "GET /experiences": 6 * 3 / 10,
    "GET /transcripts": 6 * 1 / 10,
    "POST /transcripts [issue]": 6 * 1 / 10,
    "GET /approvals": 1,
    "GET /credits/requests/[id]": 1,
    "POST /credits/requests/[id]/decision": 1,
    "GET /api/v1/credit-awards": 1,
}


def signed_in(app: Any, person_id: int) -> tuple[Any, str]:
    """A test client signed in through the development login, and its CSRF token."""
    client = app.test_client()
    token = csrf_token(client.get("/dev/login").get_data(as_text=True))
    response = client.post("/dev/login", data={"person_id": person_id, "csrf_token": token})
    assert response.status_code == 302, response.status_code
    return client, csrf_token(client.get("/me").get_data(as_text=True))


class Load:
    """The load's users, each with its test client; `rounds()` replays one round of requests."""

    def __init__(self, app: Any, students: list[int], advisors: list[int], client: tuple[str, str]) -> None:
        self.app = app
        self.students = itertools.cycle([signed_in(app, pid) for pid in students])
        self.advisors = itertools.cycle([signed_in(app, pid) for pid in advisors])
        client_id, secret = client
        self.api = app.test_client()
        reply = self.api.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        ).get_json()
        self.bearer = {"Authorization": f"Bearer {reply['access_token']}"}
        self.cursor: str | None = None

    def requests(self) -> list[tuple[str, Callable[[], Any]]]:
        """One round: (route name, a function making that request), in the order a user makes them."""
        student, student_csrf = next(self.students)
        advisor, advisor_csrf = next(self.advisors)
        box: dict[str, str] = {}

        def approvals() -> None:
            html = ok(advisor.get("/approvals"))
            box["id"] = REQUEST_LINK.search(html).group(1)  # type: ignore[union-attr]

        def detail() -> None:
            html = ok(advisor.get(f"/credits/requests/{box['id']}"))
            box["version"] = VERSION.search(html).group(1)  # type: ignore[union-attr]

        def decide() -> None:
            data = {"csrf_token": advisor_csrf, "action": "approve", "version": box["version"], "comment": "Approved."}
            ok(advisor.post(f"/credits/requests/{box['id']}/decision", data=data, follow_redirects=True))

        def pull() -> None:
            query = {"limit": 100, **({"cursor": self.cursor} if self.cursor else {})}
            response = self.api.get("/api/v1/credit-awards", query_string=query, headers=self.bearer)
            assert response.status_code == 200, response.status_code
            self.cursor = response.get_json()["next_cursor"]

        return [
            ("GET /student", lambda: ok(student.get("/student"))),
            ("GET /experiences", lambda: ok(student.get("/experiences"))),
            ("GET /transcripts", lambda: ok(student.get("/transcripts"))),
            (
                "POST /transcripts [issue]",
                lambda: ok(student.post("/transcripts", data={"csrf_token": student_csrf}, follow_redirects=True)),
            ),
            ("GET /approvals", approvals),
            ("GET /credits/requests/[id]", detail),
            ("POST /credits/requests/[id]/decision", decide),
            ("GET /api/v1/credit-awards", pull),
        ]


def ok(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def run(load: Load, rounds: int, profiler: cProfile.Profile | None = None) -> dict[str, dict[str, list[float]]]:
    """`rounds` rounds; per route, the CPU seconds and the statements of each request."""
    from careercenter.extensions import db

    with load.app.app_context():
        engine = db.engine
    statements = [0]

    def count(*args: Any) -> None:
        statements[0] += 1

    sa.event.listen(engine, "before_cursor_execute", count)
    samples: dict[str, dict[str, list[float]]] = defaultdict(lambda: {"cpu": [], "queries": []})
    try:
        for _ in range(rounds):
            for name, make in load.requests():
                statements[0] = 0
                if profiler:
                    profiler.enable()
                start = time.process_time()
                make()
                cpu = time.process_time() - start
                if profiler:
                    profiler.disable()
                samples[name]["cpu"].append(cpu)
                samples[name]["queries"].append(statements[0])
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return samples


def report(samples: dict[str, dict[str, list[float]]]) -> float:
    print(f"  {'route':<40} {'cpu ms (median)':>15} {'mean':>7} {'queries':>8} {'n':>5}")
    weighted = 0.0
    for name, weight in WEIGHTS.items():
        cpu, queries = samples[name]["cpu"], samples[name]["queries"]
        median = statistics.median(cpu) * 1000
        weighted += weight * median
        print(
            f"  {name:<40} {median:>15.2f} {statistics.mean(cpu) * 1000:>7.2f}"
            f" {statistics.median(queries):>8.0f} {len(cpu):>5}"
        )
    total = weighted / sum(WEIGHTS.values())
    print(f"  {'weighted by the load mix':<40} {total:>15.2f}")
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="careercenter_bench")
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--profile", help="also run under cProfile; save the stats to this file")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    url = bench_database_url(args.database)
    people = demo_people(url)
    waiting = (args.warmup + args.rounds * (2 if args.profile else 1)) // 6 + 5
    advisors = [ensure_queue(url, f"FPROF{k:02d}", waiting)["advisor_id"] for k in range(1, 7)]
    with psycopg.connect(libpq_url(url)) as conn:
        last_job = conn.execute("SELECT coalesce(max(id), 0) FROM jobs").fetchone()[0]  # type: ignore[index]

    client = api_client(url, "bench profile")
    settle(url)
    # Made last: every app sets the careercenter loggers' level, and the load's is WARNING.
    app = bench_app(url, JOBS_INLINE=False, LOG_LEVEL="WARNING")
    try:
        load = Load(app, people["students"][:20], advisors, client)
        run(load, args.warmup)
        print(f"CPU per request, in-process (median of {args.rounds}, after {args.warmup} warm-up rounds)")
        report(run(load, args.rounds))
        if args.profile:
            # The wall clock (a CPU clock costs a system call per event): PostgreSQL's answers show as
            # time in psycopg's `wait`.
            profiler = cProfile.Profile()
            run(load, args.rounds, profiler)
            profiler.dump_stats(args.profile)
            for order in ("cumulative", "tottime"):
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.top)
                print(out.getvalue())
    finally:
        from careercenter.extensions import db

        with app.app_context():
            db.engine.dispose()
        with psycopg.connect(libpq_url(url)) as conn:
            conn.execute("DELETE FROM jobs WHERE id > %s AND state = 'queued'", (last_job,))


if __name__ == "__main__":
    main()
