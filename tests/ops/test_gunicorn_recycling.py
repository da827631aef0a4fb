"""gunicorn as deploy/ ships it loads the app once and forks its workers from it (`preload_app`):
workers recycled after `max_requests` start at once and serve with connections of their own.

A real gunicorn on PostgreSQL, recycling a worker every 5 requests, under requests from four
threads at a time: every answer is right, and the workers serving at the end are not the ones
that started.
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.ops.test_scale_out import Launcher, launcher, wait_ready  # noqa: F401 - the fixture
from tests.peers.smtp import free_port

pytestmark = pytest.mark.postgres_only  # deselected on SQLite (tests/conftest.py), as test_scale_out


def _workers(master: int) -> set[int]:
    return {int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()}


def test_recycled_workers_are_forked_from_the_loaded_app(committed_db: Any, launcher: Launcher, tmp_path: Path) -> None:  # noqa: F811
    port = free_port()
    (tmp_path / "metrics").mkdir()
    server = launcher.start(
        "app",
        ["-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "--no-control-socket", "wsgi:app"],
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
        GUNICORN_MAX_REQUESTS="5",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
    )
    base = f"http://127.0.0.1:{port}"
    wait_ready(launcher, [(server, base)])
    first = _workers(server.popen.pid)
    # the app (and with it the database driver) is loaded in the master, before any fork
    assert re.search(r"psycopg|libpq", Path(f"/proc/{server.popen.pid}/maps").read_text())

    def ready(_: int) -> tuple[int, str]:
        response = requests.get(f"{base}/readyz", timeout=30)  # a query on the database each time
        return response.status_code, response.text

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(ready, range(60)))

    assert [status for status, _ in answers] == [200] * 60, launcher.diagnostics()
    assert {json.loads(text)["status"] for _, text in answers} == {"ready"}
    log = server.log.read_text()
    assert len(re.findall(r"Autorestarting worker", log)) >= 4, server.tail()
    assert len(re.findall(r"Booting worker", log)) >= 6, server.tail()
    assert not re.search(r"Traceback|Exception|OperationalError", log), server.tail()
    assert not first & _workers(server.popen.pid)
