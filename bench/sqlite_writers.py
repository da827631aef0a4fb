"""SQLite, the single-server default: pages that write a disclosure-log row beside form posts.

    python bench/sqlite_writers.py [--seconds 30] [--readers 4] [--writers 4] [--unmarked]

Seeds the demo campus (`flask seed-demo`) into a fresh SQLite database, serves it with gunicorn
(4 sync workers, the shipped `deploy/gunicorn.conf.py`), and for `--seconds` runs at once:
`--readers` career-center staff (Priya Shah) opening student record pages (`GET /students/<id>`,
each writing its disclosure-log row), and `--writers` students each saving a new micro-internship
(`POST /experiences/new`) then opening `/student`. Counts every answer by route and status.
With `--unmarked` the server runs the app with its `@writes_on_read` marks taken off
(`bench/unmarked_wsgi.py`): what a staff view did before they existed.
Prints and writes bench/results/sqlite_writers[_unmarked].json.
"""

from __future__ import annotations

import argparse
import collections
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import ROOT, bench_env, gunicorn, write_results  # noqa: E402
from bench.scrape import sign_in  # noqa: E402

STAFF = "C5001"  # Priya Shah, career-center staff, in the demo campus
EXPERIENCE = {
    "employer": "Bench Writers Co",
    "title": "Writing beside readers",
    "start_date": "2026-09-01",
    "end_date": "2026-09-20",
    "hours": "10",
    "supervisor_name": "Sam Supervisor",
    "supervisor_email": "sam.supervisor@example.org",
}


def seed(url: str, instance: str) -> None:
    """A fresh database with the demo campus, as `make run` makes it."""
    env = bench_env(url, CAREERCENTER_INSTANCE_PATH=instance)
    flask = str(Path(sys.executable).parent / "flask")
    for command in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run([flask, "--app", "wsgi", *command], cwd=ROOT, env=env, check=True, capture_output=True)


def people(path: Path) -> tuple[int, list[tuple[int, str]]]:
    with sqlite3.connect(path) as conn:
        staff = conn.execute("SELECT id FROM people WHERE campus_id = ?", (STAFF,)).fetchone()[0]
        students = conn.execute(
            "SELECT p.id, p.campus_id FROM people p JOIN role_grants r ON r.person_id = p.id"
            " WHERE lower(r.role) = 'student' ORDER BY p.id LIMIT 40"
        ).fetchall()
    return staff, students


def browser(base: str, person_id: int) -> tuple[requests.Session, str]:
    signed = sign_in(base, person_id)
    http = requests.Session()
    for c in signed["cookies"]:
        http.cookies.set(c["name"], c["value"], domain=c["domain"], path=c["path"])
    return http, signed["csrf"]


def run(base: str, staff: int, students: list[tuple[int, str]], args: argparse.Namespace) -> dict[str, int]:
    codes: collections.Counter[str] = collections.Counter()
    users = [browser(base, staff) for _ in range(args.readers)]
    writers = [browser(base, pid) for pid, _ in students[: args.writers]]
    stop = time.monotonic() + args.seconds

    def read(http: requests.Session) -> None:
        while time.monotonic() < stop:
            answer = http.get(f"{base}/students/{random.choice(students)[1]}", timeout=60)
            codes[f"GET /students/<id> {answer.status_code}"] += 1

    def write(http: requests.Session, csrf: str) -> None:
        while time.monotonic() < stop:
            saved = http.post(f"{base}/experiences/new", data={"csrf_token": csrf, **EXPERIENCE}, timeout=60,
                              allow_redirects=False)  # fmt: skip
            codes[f"POST /experiences/new {saved.status_code}"] += 1
            codes[f"GET /student {http.get(f'{base}/student', timeout=60).status_code}"] += 1

    threads = [threading.Thread(target=read, args=(http,)) for http, _ in users]
    threads += [threading.Thread(target=write, args=pair) for pair in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return dict(sorted(codes.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--unmarked", action="store_true", help="serve the app without its @writes_on_read marks")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sqlite-writers-") as tmp:
        path = Path(tmp) / "careercenter.sqlite3"
        url = f"sqlite:///{path}"
        seed(url, tmp)
        staff, students = people(path)
        app = "bench.unmarked_wsgi:app" if args.unmarked else "wsgi:app"
        extra = {"CAREERCENTER_INSTANCE_PATH": tmp}
        with gunicorn(url, workers=4, extra_env=extra, app=app) as server:
            codes = run(server["base"], staff, students, args)
    errors = sum(n for key, n in codes.items() if key.endswith((" 500", " 502", " 503")))
    total = sum(codes.values())
    label = "without the marks" if args.unmarked else "as shipped"
    print(f"SQLite, {args.readers} staff reading student records beside {args.writers} students saving, "
          f"{args.seconds} s, {label}:")  # fmt: skip
    for key, count in codes.items():
        print(f"  {key:<32} {count:>6}")
    print(f"  server errors: {errors} of {total} requests")
    figures = {"seconds": args.seconds, "readers": args.readers, "writers": args.writers, "unmarked": args.unmarked,
               "answers": codes, "server_errors": errors, "requests": total}  # fmt: skip
    print(f"results: {write_results('sqlite_writers' + ('_unmarked' if args.unmarked else ''), figures)}")


if __name__ == "__main__":
    main()
