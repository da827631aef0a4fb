"""Issue 16 item 8: a signed checkpoint anchors the audit chain's tail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from careercenter.audit.service import Actor, record_event


def _chain(session: Any, n: int) -> None:
    for i in range(n):
        record_event(session, Actor.system(), "test.step", "thing", i, {"n": i})
    session.commit()


def _checkpoint(runner: Any, tmp_path: Path) -> tuple[dict[str, Any], Path]:
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    path = tmp_path / "checkpoint.json"
    path.write_text(result.output)
    return body, path


def test_checkpoint_has_count_head_at_signature(session: Any, runner: Any, tmp_path: Path) -> None:
    _chain(session, 4)
    body, path = _checkpoint(runner, tmp_path)
    assert set(body) == {"count", "head", "at", "signature"}
    last = session.execute(sa.text("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")).one()
    assert body["count"] == last.seq and body["head"] == last.hash
    _chain(session, 2)  # the chain grows after the checkpoint: still fine
    result = runner.invoke(args=["audit", "verify", "--checkpoint", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"OK {last.seq + 2} events; reaches the checkpoint")


def test_truncated_tail_is_named(session: Any, runner: Any, tmp_path: Path) -> None:
    _chain(session, 5)
    body, path = _checkpoint(runner, tmp_path)
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    session.execute(sa.text("DELETE FROM audit_events WHERE seq > :s"), {"s": body["count"] - 2})
    session.commit()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0  # invisible without a checkpoint
    result = runner.invoke(args=["audit", "verify", "--checkpoint", str(path)])
    assert result.exit_code == 1
    gap = f"events {body['count'] - 1}..{body['count']} are missing"
    assert gap in result.output and "truncated tail" in result.output


def test_rewritten_history_is_named(session: Any, runner: Any, tmp_path: Path) -> None:
    _chain(session, 5)
    body, path = _checkpoint(runner, tmp_path)
    session.execute(sa.text("DELETE FROM audit_events WHERE seq > :s"), {"s": body["count"] - 2})
    session.commit()
    _chain(session, 2)  # a valid chain again, of the same length, with other events
    result = runner.invoke(args=["audit", "verify", "--checkpoint", str(path)])
    assert result.exit_code == 1
    assert f"event {body['count']} is not the one the checkpoint" in result.output


def test_forged_checkpoint_is_refused(session: Any, runner: Any, tmp_path: Path) -> None:
    _chain(session, 3)
    body, path = _checkpoint(runner, tmp_path)
    body["count"] -= 1
    path.write_text(json.dumps(body))
    result = runner.invoke(args=["audit", "verify", "--checkpoint", str(path)])
    assert result.exit_code == 1 and "signature does not match" in result.output
    path.write_text("[" * 100_000)
    result = runner.invoke(args=["audit", "verify", "--checkpoint", str(path)])
    assert result.exit_code == 1 and "not JSON" in result.output


def test_deploy_has_an_hourly_checkpoint_timer() -> None:
    import configparser

    root = Path(__file__).resolve().parents[2] / "deploy"
    timer = configparser.ConfigParser(strict=False)
    timer.read(root / "careercenter-audit-checkpoint.timer")
    assert timer["Timer"]["OnCalendar"] == "hourly"
    service = configparser.ConfigParser(strict=False, interpolation=None)
    service.read(root / "careercenter-audit-checkpoint.service")
    assert service["Service"]["Type"] == "oneshot"
    assert "flask audit checkpoint" in service["Service"]["ExecStart"]
