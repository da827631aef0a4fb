"""The demo and the worked example: `flask seed-demo` makes an API client whose printed
credentials let examples/registrar_sync.py pull every award over HTTP, acknowledge each, and
find them posted; a second run from the saved watermark acknowledges nothing new."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from careercenter.credits.models import AwardStatus, CreditAward
from careercenter.db import utcnow
from careercenter.demo import seed_demo
from careercenter.extensions import db
from careercenter.internships.models import Experience, ExperienceState
from careercenter.registrar.models import ApiClient
from careercenter.sso.models import Person
from tests.factories import build_award, build_rule
from tests.peers.live_server import LiveServer

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "registrar_sync.py"


def _credentials(summary: list[str]) -> tuple[str, str]:
    values = {}
    for line in summary:
        key, _, value = line.strip().partition(": ")
        if key in ("client_id", "client_secret"):
            values[key] = value
    return values["client_id"], values["client_secret"]


def _demo_with_awards(app: Any) -> tuple[str, str, list[int]]:
    """Seed the demo campus (the credits step makes pending and posted awards); return the
    demo API client's credentials and the ids of the pending awards."""
    with app.app_context():
        session = db.session
        summary = seed_demo(session)
        pending = list(
            session.execute(
                sa.select(CreditAward.id).where(CreditAward.status == AwardStatus.PENDING).order_by(CreditAward.id)
            ).scalars()
        )
        if len(pending) < 2:  # the credits step is not there: make two awards here
            rule = build_rule(session)
            for campus_id in ("S1001", "S1002"):  # Maya Okafor and Liam Chen of the demo campus
                student = session.execute(sa.select(Person).where(Person.campus_id == campus_id)).scalar_one()
                experience = Experience(
                    student_id=student.id,
                    employer="Northwind Analytics",
                    title="Churn dashboard",
                    start_date=date(2026, 6, 1),
                    end_date=date(2026, 6, 30),
                    hours=Decimal("45"),
                    supervisor_name="Pat Lee",
                    supervisor_email="pat@northwind.example.com",
                    state=ExperienceState.VERIFIED,
                    verified_hours=Decimal("45"),
                    verified_at=utcnow(),
                )
                session.add(experience)
                session.flush()
                pending.append(build_award(session, student, [experience], rule).id)
        session.commit()
        db.session.remove()
    client_id, secret = _credentials(summary)
    return client_id, secret, pending


def test_demo_prints_a_working_api_client(committed_db: Any) -> None:
    with committed_db.app_context():
        summary = seed_demo(db.session)
        db.session.commit()
        client_id, _ = _credentials(summary)
        client = db.session.execute(sa.select(ApiClient)).scalar_one()
        assert client.client_id == client_id and client.scopes == "credits:read credits:write webhooks:manage"
        db.session.remove()


def test_example_script_syncs_the_demo(committed_db: Any, tmp_path: Path) -> None:
    client_id, secret, ids = _demo_with_awards(committed_db)
    watermark = tmp_path / "sync.watermark"
    env = dict(os.environ, REGISTRAR_CLIENT_ID=client_id, REGISTRAR_CLIENT_SECRET=secret)
    with LiveServer(committed_db) as server:
        command = [
            sys.executable,
            str(EXAMPLE),
            "--base-url",
            server.url,
            "--watermark-file",
            str(watermark),
            "--limit",
            "1",
        ]
        first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        assert first.returncode == 0, first.stderr
        assert f"acknowledged {len(ids)} award(s)" in first.stdout
        assert re.search(r"SIS: S\d{4} [A-Z]{4} \d{3} \d+\.\d{2} cr \(P/NP\) 20\d\d[A-Z]{2}", first.stdout)
        assert watermark.read_text().strip().endswith("Z")
        second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        assert second.returncode == 0, second.stderr
        assert "acknowledged 0 award(s)" in second.stdout
    with committed_db.app_context():
        awards = db.session.execute(sa.select(CreditAward).where(CreditAward.id.in_(ids))).scalars().all()
        assert len(awards) == len(ids)
        assert {a.status for a in awards} == {AwardStatus.POSTED}
        assert all(a.sis_reference == f"SIS-{a.term}-{a.student.campus_id}-{a.id}" for a in awards)
        db.session.remove()


def test_readme_curl_example_works(committed_db: Any, tmp_path: Path) -> None:
    """Run the README's worked curl example, as written, against the demo over HTTP."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    block = readme.split("**A worked example with curl**", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    client_id, secret, ids = _demo_with_awards(committed_db)
    with LiveServer(committed_db) as server:
        script = block.replace("BASE=http://127.0.0.1:5000", f"BASE={server.url}").replace(
            "credit-awards/7/posting", f"credit-awards/{ids[0]}/posting"
        )
        env = dict(os.environ, CLIENT_ID=client_id, CLIENT_SECRET=secret)
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 0, result.stderr
    assert '"next_cursor":null' in result.stdout.replace(" ", "")
    assert '"sis_reference":"BANNER-2026FA-000731"' in result.stdout.replace(" ", "")
    rows = (tmp_path / "awards.csv").read_text().splitlines()
    with committed_db.app_context():
        in_term = db.session.execute(
            sa.select(sa.func.count()).select_from(CreditAward).where(CreditAward.term == "2026FA")
        ).scalar_one()
        db.session.remove()
    assert in_term >= 1 and rows[0].startswith("id,student_campus_id") and len(rows) == 1 + in_term
