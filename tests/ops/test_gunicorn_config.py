"""deploy/gunicorn.conf.py reads its numbers from the environment; a bad one stops gunicorn with
one line naming the variable, not a Python traceback."""

from __future__ import annotations

import gc
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "deploy" / "gunicorn.conf.py"
NUMBERS = ("GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_TIMEOUT", "GUNICORN_MAX_REQUESTS")


def _settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, object]:
    # The file sets PROMETHEUS_MULTIPROC_DIR when it is unset: set here, it is restored after the
    # test (left set, it would turn this process's metrics into gunicorn's multi-process mode).
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "/nonexistent-careercenter-test")
    for name in NUMBERS:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_numbers_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    conf = _settings(
        monkeypatch, GUNICORN_WORKERS="3", GUNICORN_THREADS=" 2 ", GUNICORN_TIMEOUT="0", GUNICORN_MAX_REQUESTS="500"
    )
    assert (conf["workers"], conf["threads"], conf["timeout"]) == (3, 2, 0)
    assert (conf["max_requests"], conf["max_requests_jitter"]) == (500, 50)
    defaults = _settings(monkeypatch, GUNICORN_THREADS="")
    assert (defaults["threads"], defaults["timeout"], defaults["max_requests"]) == (1, 30, 2000)
    assert defaults["workers"] == (os.cpu_count() or 1) * 2 + 1


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("GUNICORN_WORKERS", "abc"),
        ("GUNICORN_WORKERS", "0"),
        ("GUNICORN_THREADS", "-1"),
        ("GUNICORN_TIMEOUT", "2.5"),
        ("GUNICORN_MAX_REQUESTS", "1e3"),
        ("GUNICORN_MAX_REQUESTS", "²"),
        ("GUNICORN_WORKERS", "4; rm -rf /"),
    ],
)
def test_a_bad_number_is_refused_by_name(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    least = 1 if name in ("GUNICORN_WORKERS", "GUNICORN_THREADS") else 0
    with pytest.raises(SystemExit) as stopped:
        _settings(monkeypatch, **{name: value})
    assert str(stopped.value) == f"careercenter: {name} must be a whole number, at least {least}; it is {value!r}"


def test_gunicorn_stops_with_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUNICORN_")}
    env.update(GUNICORN_WORKERS="many", PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", str(CONF), "--check-config", "wsgi:app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert lines[-1] == "careercenter: GUNICORN_WORKERS must be a whole number, at least 1; it is 'many'"
    assert "Traceback" not in done.stderr


def test_the_master_freezes_what_it_loaded_before_each_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    conf = _settings(monkeypatch)
    gc.unfreeze()
    try:
        conf["pre_fork"](None, None)  # type: ignore[operator]
        assert gc.get_freeze_count() > 10_000  # this test process's modules, at least
    finally:
        gc.unfreeze()
