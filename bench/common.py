"""Shared bench plumbing: a bench database, timing helpers, writing results as JSON."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SERVER_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def bench_database_url(name: str = "careercenter_bench") -> str:
    return (
        make_url(SERVER_URL).set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    )


def recreate_database(name: str = "careercenter_bench") -> str:
    """Drop and create the bench database; return its URL."""
    admin = sa.create_engine(make_url(SERVER_URL).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return bench_database_url(name)


def libpq_url(url: str) -> str:
    """The same URL as psycopg itself takes it (no SQLAlchemy driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "postgres_client": pg,
        "kernel": platform.release(),
        # The machine is shared: what else was running shows here (runnable processes, 1/5/15 min).
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


@contextmanager
def timed() -> Iterator[dict[str, float]]:
    box: dict[str, float] = {}
    start = time.perf_counter()
    try:
        yield box
    finally:
        box["seconds"] = time.perf_counter() - start


def stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"median_ms": round(statistics.median(ordered) * 1000, 2), "p95_ms": round(p95 * 1000, 2), "n": len(ordered)}


def repeat(func: Callable[[], Any], n: int) -> list[float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return samples


def write_results(name: str, figures: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    body = {"bench": name, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "machine": machine(), **figures}
    path.write_text(json.dumps(body, indent=2, default=str) + "\n")
    return path


def settle(url: str) -> None:
    """`VACUUM (ANALYZE)` the bench database before measuring: what autovacuum does on a campus's
    server. This machine's PostgreSQL runs with autovacuum off, so after the fixtures' inserts
    (and a load run's updates) the planner's statistics were stale: with them the approvals
    queue's counts took 1–2 s (custom plans expecting 1 submitted request of 3,187) until
    psycopg's prepared statement fell back to a generic plan after ten executions.
    """
    import psycopg

    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")


# -- a gunicorn server on the bench database -------------------------------------------------

BENCH_SECRET_KEY = "bench-secret-" + "k3y-f0r-b3nch-0nly-" * 3


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_env(url: str, **extra: str) -> dict[str, str]:
    """The environment of a `flask` command or server the bench starts on the database at `url`:
    development mode, the bench's secret key and instance folder, log level WARNING."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": BENCH_SECRET_KEY,
        "CAREERCENTER_ENV": "development",
        "CAREERCENTER_INSTANCE_PATH": "/tmp/careercenter-bench-instance",
        "CAREERCENTER_LOG_LEVEL": "WARNING",
        **extra,
    }


def bench_app(url: str, **config: Any) -> Any:
    """The app, in this process, on the bench database (for setup: clients, people, counts)."""
    os.environ.setdefault("CAREERCENTER_INSTANCE_PATH", "/tmp/careercenter-bench-instance")
    from careercenter import create_app

    return create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "ENV_NAME": "development", "SECRET_KEY": BENCH_SECRET_KEY, **config}
    )


@contextmanager
def gunicorn(
    url: str, workers: int = 3, extra_env: dict[str, str] | None = None, app: str = "wsgi:app"
) -> Iterator[dict[str, Any]]:
    """Serve the app (`app`, a gunicorn app spec) with gunicorn (sync workers) on 127.0.0.1;
    stop it, whatever happens.

    Yields {"base": "http://127.0.0.1:PORT", "pid": master pid, "proc": the Popen}.
    """
    import signal
    import urllib.request

    port = free_port()
    env = bench_env(
        url,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS=str(workers),
        GUNICORN_TIMEOUT="120",
        **(extra_env or {}),
    )
    gunicorn_bin = str(Path(sys.executable).parent / "gunicorn")
    RESULTS.mkdir(parents=True, exist_ok=True)
    log = open(RESULTS / "gunicorn.log", "ab")  # noqa: SIM115 - closed in the finally below
    proc = subprocess.Popen(
        [gunicorn_bin, "-c", "deploy/gunicorn.conf.py", app],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {proc.returncode}; see bench/results/gunicorn.log")
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                    if response.status == 200 and len(worker_pids(proc.pid)) >= workers:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer /healthz within 60 s")
            time.sleep(0.3)
        yield {"base": base, "pid": proc.pid, "proc": proc}
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


def worker_pids(master: int) -> list[int]:
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return []
    return [int(p) for p in children]


def proc_status_kib(pid: int, field: str) -> int:
    """A `VmHWM`/`VmRSS`-style field of /proc/PID/status, in KiB (0 if the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
