"""Load: a mixed load with locust (headless) against gunicorn on PostgreSQL, then `flask audit verify`.

    python bench/load.py [--database careercenter_bench] [--users 16] [--seconds 60] [--workers 3]

Students browse and ask for transcripts, advisors approve, a registrar system pulls (see
bench/locustfile.py). Everything runs on 127.0.0.1 and stops by itself: locust with
`--run-time`, gunicorn stopped afterwards. The floor: the same locust set-up (users, wait times,
gunicorn workers) hitting `GET /healthz` (one trivial query) for a third of the time. The
jobs workers run at nice 19, their sessions too (`BENCH_JOBS_NICE`; see `start_jobs_workers`),
and the run reports how many transcript jobs it left queued and how soon they were done.
Prints and writes bench/results/load.json.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (  # noqa: E402
    RESULTS,
    ROOT,
    bench_app,
    bench_database_url,
    bench_env,
    gunicorn,
    settle,
    write_results,
)
from bench.fixtures import demo_people, ensure_queue  # noqa: E402
from bench.registrar_pull import api_client  # noqa: E402
from bench.scrape import sign_in  # noqa: E402

#: The jobs workers' nice value, and their sessions' (see `start_jobs_workers`).
JOBS_NICE = int(os.environ.get("BENCH_JOBS_NICE", "19"))

FLOOR_LOCUSTFILE = """
from locust import FastHttpUser, between, task


class Healthz(FastHttpUser):
    wait_time = between(0.5, 1.5)

    @task
    def healthz(self):
        self.client.get("/healthz")
"""


def run_locust(
    locustfile: str,
    base: str,
    users: int,
    seconds: int,
    prefix: str,
    env: dict[str, str],
    service: CpuSampler | None = None,
) -> dict[str, Any]:
    """Run locust headless; `service` (when given) samples the service processes' CPU seconds."""
    locust = str(Path(sys.executable).parent / "locust")
    csv_prefix = str(RESULTS / prefix)
    command = [
        locust, "-f", locustfile, "--headless", "--host", base, "--users", str(users),
        "--spawn-rate", str(max(1, users // 2)), "--run-time", f"{seconds}s", "--stop-timeout", "10",
        "--csv", csv_prefix, "--only-summary", "--loglevel", "WARNING",
    ]  # fmt: skip
    busy_before, children_before = _machine_busy_seconds(), _children_cpu_seconds()
    if service:
        service.start()
    done = subprocess.run(
        command, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=seconds + 90
    )
    busy, locust_cpu = _machine_busy_seconds() - busy_before, _children_cpu_seconds() - children_before
    service_parts = service.stop() if service else {}
    service_cpu = sum(service_parts.values())
    rows = list(csv.DictReader(open(csv_prefix + "_stats.csv")))  # noqa: SIM115
    failures = list(csv.DictReader(open(csv_prefix + "_failures.csv")))  # noqa: SIM115
    # A user whose code raised (in on_start, say) stops making requests without a failure being
    # counted: the run would measure a different mix. Its exceptions are reported and fail the target.
    exceptions = list(csv.DictReader(open(csv_prefix + "_exceptions.csv")))  # noqa: SIM115

    def figures(row: dict[str, str]) -> dict[str, Any]:
        return {
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "requests_per_second": round(float(row["Requests/s"]), 1),
            "p50_ms": float(row["50%"]),
            "p95_ms": float(row["95%"]),
            "p99_ms": float(row["99%"]),
            "max_ms": round(float(row["Max Response Time"]), 1),
        }

    total = next(r for r in rows if r["Name"] == "Aggregated")
    requests = max(1, int(total["Request Count"]))
    return {
        # The whole machine's busy CPU and the load generator's own, per request served: what a
        # request costs the service (app + database) is the difference. Read beside the load average.
        "cpu": {
            "machine_busy_seconds": round(busy, 1),
            "locust_seconds": round(locust_cpu, 1),
            "service_seconds": round(service_cpu, 1),
            "machine_ms_per_request": round(1000 * busy / requests, 1),
            "locust_ms_per_request": round(1000 * locust_cpu / requests, 1),
            "service_ms_per_request": round(1000 * service_cpu / requests, 1),
            "service_ms_per_request_by_part": {k: round(1000 * v / requests, 1) for k, v in service_parts.items()},
        },
        "locust_exit_code": done.returncode,
        "users": users,
        "seconds": seconds,
        "total": figures(total),
        "by_request": {f"{r['Type']} {r['Name']}": figures(r) for r in rows if r["Name"] != "Aggregated"},
        "failures": [{k: r[k] for k in ("Method", "Name", "Error", "Occurrences")} for r in failures],
        "exceptions": [{"count": int(r["Count"]), "message": r["Message"]} for r in exceptions],
    }


def _machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy since boot (all cores; /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _cpu_of(pid: int, *, reaped: bool = False) -> float:
    """A process's CPU seconds (utime + stime; with its reaped children's when asked); 0 if gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if reaped else 0)
    return ticks / os.sysconf("SC_CLK_TCK")


def service_cpu_probe(url: str, master: int, workers: list[subprocess.Popen[bytes]]) -> CpuSampler:
    """A sampler of the CPU seconds of every process serving the load: gunicorn's master and
    its workers, the jobs workers, and the PostgreSQL backends connected to the bench database.
    Other tenants of the machine are not counted."""
    import psycopg

    from bench.common import libpq_url, worker_pids

    conn = psycopg.connect(libpq_url(url), autocommit=True)  # one for every reading; closed by stop()

    def read() -> dict[tuple[str, int], float]:
        cpu = {("app", pid): _cpu_of(pid) for pid in [master, *worker_pids(master)]}
        cpu |= {("jobs", w.pid): _cpu_of(w.pid, reaped=True) for w in workers}
        backends = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
        return cpu | {("database", pid): _cpu_of(pid) for (pid,) in backends}

    return CpuSampler(read, close=conn.close)


class CpuSampler:
    """Reads every serving process's CPU seconds twice a second while the load runs.

    A process alive at the start counts from its value then; one born during the run (a
    recycled gunicorn worker, a new database connection) counts from zero; one that ends during
    the run counts up to its last reading. Reading only before and after (as this bench did
    until 2026-12-07) missed the backends whose connections closed and, through gunicorn's
    reaped-children total, counted a recycled worker's whole life, the runs before included.
    """

    def __init__(self, read: Any, close: Any = None, interval: float = 0.5) -> None:
        import threading

        self._read, self._close, self._interval = read, close, interval
        self._first: dict[tuple[str, int], float] = {}
        self._last: dict[tuple[str, int], float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        for key, seconds in self._read().items():
            if seconds:  # 0: the process is gone; keep its last reading
                self._last[key] = seconds

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._sample()

    def start(self) -> None:
        self._first = {key: seconds for key, seconds in self._read().items() if seconds}
        self._last = dict(self._first)
        self._thread.start()

    def stop(self) -> dict[str, float]:
        """Stop sampling; CPU seconds used during the run by kind (app, jobs, database)."""
        self._stop.set()
        self._thread.join(timeout=10)
        self._sample()
        if self._close:
            self._close()
        parts: dict[str, float] = {}
        for (kind, pid), seconds in self._last.items():
            parts[kind] = parts.get(kind, 0.0) + seconds - self._first.get((kind, pid), 0.0)
        return parts


def _children_cpu_seconds() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def audit_verify(url: str) -> dict[str, Any]:
    flask = str(Path(sys.executable).parent / "flask")
    done = subprocess.run(
        [flask, "--app", "wsgi", "audit", "verify"], cwd=ROOT, env=bench_env(url), capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip
    return {"exit_code": done.returncode, "output": (done.stdout + done.stderr).strip().splitlines()[-3:]}


def start_jobs_workers(url: str, count: int) -> list[subprocess.Popen[bytes]]:
    """`flask jobs run` workers (transcripts off the request path), stopped by the caller.

    Niced: on this one machine the workers share the cores with gunicorn (a campus runs them on
    their own hosts); requests come first, the queue drains in the time left over. Each worker
    starts its own session, and Linux's autogroup scheduler shares the CPU fairly between
    sessions whatever the nice value of a process within each: the value that counts is the
    session's, in /proc/PID/autogroup (as under systemd a service's `CPUWeight` counts, not its
    `Nice`; see deploy/careercenter-jobs.service)."""
    flask = str(Path(sys.executable).parent / "flask")
    workers = [
        subprocess.Popen(
            ["nice", "-n", str(JOBS_NICE), flask, "--app", "wsgi", "jobs", "run"], cwd=ROOT, env=bench_env(url),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        for _ in range(count)
    ]  # fmt: skip
    for worker in workers:
        with contextlib.suppress(OSError):  # a kernel without autogroup: the nice value alone
            Path(f"/proc/{worker.pid}/autogroup").write_text(str(JOBS_NICE))
    return workers


def stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()


def memory_sampler(master: int, at: str) -> Any:
    """Read the gunicorn workers' max VmHWM at the given seconds into the run, in a thread;
    the returned function waits for it and gives {seconds: KiB}."""
    import threading

    from bench.common import proc_status_kib, worker_pids

    marks = [int(x) for x in at.split(",") if x.strip()]
    out: dict[str, Any] = {}

    def run() -> None:
        start = time.monotonic()
        for mark in marks:
            time.sleep(max(0.0, mark - (time.monotonic() - start)))
            out[str(mark)] = max(proc_status_kib(pid, "VmHWM") for pid in worker_pids(master))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def result() -> dict[str, Any]:
        thread.join(timeout=5)
        return out

    return result


def queue_rush(url: str, count: int) -> None:
    """Queue `count` transcript jobs at once (the term-end rush), for students with verified work."""
    import sqlalchemy as sa

    from careercenter.extensions import db
    from careercenter.internships.models import Experience, ExperienceState
    from careercenter.jobs import service as jobs

    app = bench_app(url)
    with app.app_context():
        ids = (
            db.session.execute(
                sa.select(Experience.student_id)
                .where(Experience.state == ExperienceState.VERIFIED)
                .distinct()
                .limit(count)
            )
            .scalars()
            .all()
        )
        for n in range(count):
            student = ids[n % len(ids)]
            jobs.enqueue(db.session, "transcript.issue", {"student_id": student}, owner_id=student)
        db.session.commit()
        db.engine.dispose()


def queue_depth(url: str) -> int:
    import psycopg

    from bench.common import libpq_url

    with psycopg.connect(libpq_url(url)) as conn:
        return conn.execute("SELECT count(*) FROM jobs WHERE state = 'queued'").fetchone()[0]


def wait_drained(url: str, limit: float) -> float | None:
    """Seconds until no job is queued (None if still not after `limit`)."""
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        if queue_depth(url) == 0:
            return round(time.perf_counter() - start, 1)
        time.sleep(1)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="careercenter_bench")
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--jobs-workers", type=int, default=1, help="flask jobs run workers (0: render in requests)")
    parser.add_argument("--rush", type=int, default=0, help="transcript jobs queued at once as the run starts")
    parser.add_argument(
        "--memory-at", default="", help="seconds into the run to read the workers' VmHWM, e.g. 60,300,600 (a soak)"
    )
    parser.add_argument("--drain-wait", type=int, default=600, help="seconds to wait for the rush to drain")
    args = parser.parse_args()
    url = bench_database_url(args.database)

    from careercenter.transcripts import signing

    app = bench_app(url)
    signing.make_dev_signing_cert(app.instance_path, app.config["INSTITUTION_NAME"])
    people = demo_people(url)
    advisors = []
    # One advisor for each advisor user at up to 48 users (locust gives them 1 user in 8), each
    # with a full queue: topped up before every run, so that no run finds the queues empty.
    for k in range(1, 7):
        queue = ensure_queue(url, f"FLOAD{k:02d}", 150)
        advisors.append(queue["advisor_id"])
    client_id, secret = api_client(url, "bench load")
    settle(url)
    people_file = Path(tempfile.mkstemp(prefix="bench-load-", suffix=".json")[1])
    floor_file = Path(tempfile.mkstemp(prefix="bench-floor-", suffix=".py")[1])
    floor_file.write_text(FLOOR_LOCUSTFILE)
    inline = {"CAREERCENTER_JOBS_INLINE": "0" if args.jobs_workers else "1"}
    workers = start_jobs_workers(url, args.jobs_workers)
    drain: dict[str, Any] = {}
    memory: dict[str, Any] = {}
    try:
        with gunicorn(url, workers=args.workers, extra_env=inline) as server:
            env = {"BENCH_LOAD_PEOPLE": str(people_file)}
            base, users = server["base"], args.users
            students = people["students"][:users]  # locust cycles through them from the first
            sessions = {pid: sign_in(base, pid) for pid in students + advisors}
            people_file.write_text(
                json.dumps(
                    {
                        "students": students,
                        "advisors": advisors,
                        "sessions": sessions,
                        "client_id": client_id,
                        "client_secret": secret,
                    }
                )
            )
            floor = run_locust(str(floor_file), base, users, max(10, args.seconds // 3), "load_floor", env)
            # Warm every worker up on every route (templates, first-use caches), unrecorded.
            run_locust("bench/locustfile.py", base, users, 10, "load_warmup", env)
            if args.rush:
                queue_rush(url, args.rush)
                drain["queued"] = queue_depth(url)
                started = time.perf_counter()
            sampler = memory_sampler(server["pid"], args.memory_at)
            probe = service_cpu_probe(url, server["pid"], workers)
            mixed = run_locust("bench/locustfile.py", base, users, args.seconds, "load", env, probe)
            memory = sampler()
            if args.rush or args.jobs_workers:
                # The transcripts left behind the load's requests (the worker niced): how far behind.
                drain["left_after_run"] = queue_depth(url)
                done_in = wait_drained(url, args.drain_wait)
            if not args.rush and args.jobs_workers:
                drain["drained_seconds_after_run"] = done_in
            if args.rush:
                elapsed = time.perf_counter() - started
                drain["left_after_wait"] = 0 if done_in is not None else queue_depth(url)
                drain["drained_seconds_after_start"] = round(elapsed, 1) if done_in is not None else None
                drain["seconds_watched"] = round(elapsed, 1)
                drain["jobs_per_second"] = round((drain["queued"] - drain["left_after_wait"]) / elapsed, 2)
    finally:
        stop(workers)
        people_file.unlink(missing_ok=True)
        floor_file.unlink(missing_ok=True)
    verify = audit_verify(url)
    total = mixed["total"]
    figures = {
        "database": args.database,
        "gunicorn_workers": args.workers,
        "mixed": mixed,
        "floor_healthz": floor,
        "audit_verify": verify,
        "jobs_workers": args.jobs_workers,
        "worker_vmhwm_kib_at_seconds": memory,
        "rush": drain,
        "p99_except_pdf_ms": max(
            (f["p99_ms"] for name, f in mixed["by_request"].items() if "/pdf" not in name), default=0
        ),
        "target": "0 errors and p99 < 300 ms, over all and for every request but the PDF; audit verify OK",
        "target_met": total["failures"] == 0
        and not mixed["exceptions"]
        and total["p99_ms"] < 300
        and all(f["p99_ms"] < 300 for name, f in mixed["by_request"].items() if "/pdf" not in name)
        and verify["exit_code"] == 0,
    }
    name = "load" if args.users == 16 else f"load_{args.users}_users"
    path = write_results(name + (f"_rush_{args.rush}" if args.rush else ""), figures)
    print(f"mixed load: {args.users} users, {args.seconds} s, gunicorn {args.workers} sync workers")
    print(f"  {'request':<44} {'n':>6} {'fail':>5} {'req/s':>6} {'p50':>6} {'p95':>6} {'p99':>6}")
    for name, f in [*mixed["by_request"].items(), ("ALL", total), ("floor: GET /healthz", floor["total"])]:
        print(
            f"  {name:<44} {f['requests']:>6} {f['failures']:>5} {f['requests_per_second']:>6} "
            f"{f['p50_ms']:>6.0f} {f['p95_ms']:>6.0f} {f['p99_ms']:>6.0f}"
        )
    for failure in mixed["failures"]:
        print(f"  failure: {failure}")
    for exception in mixed["exceptions"]:
        print(f"  users' code raised (their requests are missing from the mix): {exception}")
    cpu = mixed["cpu"]
    per_request = cpu["service_ms_per_request"] + cpu["locust_ms_per_request"]
    print(
        f"  CPU per request: the service (gunicorn, jobs workers, its PostgreSQL backends)"
        f" {cpu['service_ms_per_request']} ms {cpu['service_ms_per_request_by_part']},"
        f" locust {cpu['locust_ms_per_request']} ms"
        " (the whole machine, other tenants included:"
        f" {cpu['machine_ms_per_request']} ms); {os.cpu_count()} cores serve at most"
        f" {round(1000 * (os.cpu_count() or 1) / max(per_request, 0.1))} req/s at the service's and locust's cost"
    )
    if drain:
        print(f"{'rush' if args.rush else 'transcript jobs'}: {drain}")
    if memory:
        print(f"gunicorn workers' peak memory (max VmHWM, KiB) at seconds into the run: {memory}")
    print(f"flask audit verify: exit {verify['exit_code']}: {' / '.join(verify['output'])}")
    print(
        f"target (0 errors, p99 < 300 ms over all and for every request but the PDF, audit OK):"
        f" {'met' if figures['target_met'] else 'missed'}"
    )
    print(f"results: {path}")


if __name__ == "__main__":
    main()
