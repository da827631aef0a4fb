"""deploy/'s systemd units: the jobs worker yields the CPU to the app servers on a shared host."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _service_settings(unit: str) -> dict[str, list[str]]:
    """The [Service] section's settings (systemd allows a key more than once: all its values)."""
    settings: dict[str, list[str]] = {}
    section = ""
    for raw in (ROOT / "deploy" / unit).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line.strip("[]")
        elif section == "Service":
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    return settings


def test_the_jobs_worker_weighs_less_than_the_app_servers() -> None:
    # Each unit is its own cgroup: between cgroups the kernel shares the CPU by CPUWeight (100
    # when unset), so Nice= alone would leave a transcript's render an equal share with all of
    # gunicorn's workers together.
    jobs, web = _service_settings("careercenter-jobs.service"), _service_settings("careercenter-web.service")
    assert jobs["ExecStart"] == ["/opt/careercenter/venv/bin/flask jobs run"]
    assert int(jobs["CPUWeight"][-1]) < int(web.get("CPUWeight", ["100"])[-1]) / 5
    assert int(jobs["Nice"][-1]) > 0
