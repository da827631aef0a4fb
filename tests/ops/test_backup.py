"""The README's pg_dump backup restores into a new database where the audit chain still verifies."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from careercenter.demo import seed_demo
from careercenter.extensions import db
from tests.databases import postgres_database

pytestmark = pytest.mark.postgres_only


@pytest.fixture()
def restored_url(is_postgres: bool, database_url: str) -> Iterator[str]:
    assert is_postgres, "postgres_only tests are deselected on SQLite"
    with postgres_database(make_url(database_url).set(database="postgres"), "careercenter_restore") as url:
        yield url


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def test_dump_and_restore_keeps_a_verifiable_audit_chain(
    committed_db: Any, make_app: Any, database_url: str, restored_url: str, tmp_path: Path
) -> None:
    assert shutil.which("pg_dump") and shutil.which("pg_restore")
    source = make_app()
    with source.app_context():
        seed_demo(db.session, history=False)
        db.session.commit()
        people = db.session.execute(sa.text("SELECT count(*) FROM people")).scalar_one()
    dump = tmp_path / "careercenter.dump"
    # Exactly the commands the README documents.
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", libpq(database_url)], check=True)
    subprocess.run(["pg_restore", "--no-owner", f"--dbname={libpq(restored_url)}", str(dump)], check=True)
    restored = make_app(database_url=restored_url)
    result = restored.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and result.output.strip().startswith("OK ") and result.output.strip() != "OK 0 events"
    with restored.app_context():
        assert db.session.execute(sa.text("SELECT count(*) FROM people")).scalar_one() == people > 14
    readyz = restored.test_client().get("/readyz")
    assert readyz.status_code == 200
    # A transcript issued before the backup still verifies there, by code and by its exact file.
    with restored.app_context():
        from careercenter.transcripts.models import Transcript, TranscriptState

        transcript = db.session.execute(
            sa.select(Transcript).where(Transcript.state == TranscriptState.ISSUED).limit(1)
        ).scalar_one()
        code, pdf, digest = transcript.verification_code, transcript.pdf, transcript.pdf_sha256
    answer = restored.test_client().get(f"/verify/{code}.json")
    assert answer.status_code == 200
    assert answer.get_json()["status"] == "authentic" and answer.get_json()["pdf_sha256"] == digest
    assert hashlib.sha256(pdf).hexdigest() == digest
