"""Reports on a replica (issue 22): with CAREERCENTER_DATABASE_REPLICA_URL set, /reports and the
registrar's award list read a real PostgreSQL streaming replica; a student's own pages read the
primary, so a lagging replica never hides what a student has just written.

The test starts a throwaway primary and a replica made by `pg_basebackup` (see
/work/shared/PEERS.md), pauses the replica's replay to make it lag, writes on the primary, and
shows the difference."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from careercenter import create_app
from careercenter.credits.models import CreditAward, CreditRule
from careercenter.credits.terms import DEFAULT_CALENDAR
from careercenter.extensions import db
from careercenter.sso.models import Person, Role
from tests.conftest import make_test_config
from tests.factories import build_award, build_rule, verified_experience

pytestmark = pytest.mark.postgres_only

BIN = Path("/usr/lib/postgresql/15/bin")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(*args: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def cluster() -> Iterator[dict[str, str]]:
    """A primary and its streaming replica on 127.0.0.1; their URLs."""
    root = Path(tempfile.mkdtemp(prefix="cc-replica-"))
    shutil.chown(root, "postgres", "postgres")
    primary, replica = root / "primary", root / "replica"
    p_port, r_port = _free_port(), _free_port()
    _as_postgres(str(BIN / "initdb"), "-D", str(primary), "-U", "postgres", "--auth=trust")
    with open(primary / "postgresql.conf", "a") as conf:
        conf.write(
            f"\nwal_level = replica\nmax_wal_senders = 4\nlisten_addresses = '127.0.0.1'\nport = {p_port}\n"
            f"unix_socket_directories = '{root}'\nfsync = off\n"
        )
    with open(primary / "pg_hba.conf", "a") as hba:
        hba.write("host replication postgres 127.0.0.1/32 trust\n")
    started = []
    try:
        _as_postgres(str(BIN / "pg_ctl"), "-D", str(primary), "-l", str(root / "primary.log"), "-w", "start")
        started.append(primary)
        _as_postgres(
            str(BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(p_port), "-U", "postgres",
            "-D", str(replica), "-R", "-X", "stream",
        )  # fmt: skip
        with open(replica / "postgresql.conf", "a") as conf:
            conf.write(f"\nport = {r_port}\n")
        _as_postgres(str(BIN / "pg_ctl"), "-D", str(replica), "-l", str(root / "replica.log"), "-w", "start")
        started.append(replica)
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{p_port}/postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE cc")
        yield {
            "primary": f"postgresql://postgres@127.0.0.1:{p_port}/cc",
            "replica": f"postgresql://postgres@127.0.0.1:{r_port}/cc",
        }
    finally:
        for data in reversed(started):
            subprocess.run(
                ["runuser", "-u", "postgres", "--", str(BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                capture_output=True, timeout=60, check=False,
            )  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


def _replica_sql(cluster: dict[str, str], sql: str) -> Any:
    with psycopg.connect(cluster["replica"], autocommit=True) as conn:
        return conn.execute(sql).fetchone()


def _replica_awards(cluster: dict[str, str]) -> int | None:
    """The replica's award count; None while the schema itself has not replayed there yet."""
    try:
        return _replica_sql(cluster, "SELECT count(*) FROM credit_awards")[0]
    except psycopg.errors.UndefinedTable:
        return None


def _wait_for_awards(cluster: dict[str, str], count: int) -> None:
    deadline = time.monotonic() + 60
    while _replica_awards(cluster) != count:
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.1)


def _person(name: str, role: Role, campus_id: str) -> Person:
    person = Person(
        campus_id=campus_id,
        email=f"{campus_id.lower()}@example.edu",
        display_name=name,
        program="Biology",
        is_demo=True,
    )
    person.set_roles({role})
    db.session.add(person)
    db.session.flush()
    return person


def test_reports_and_award_list_read_the_replica_a_student_reads_the_primary(
    cluster: dict[str, str], tmp_path: Path
) -> None:
    app = create_app(
        make_test_config(cluster["primary"], tmp_path, DATABASE_REPLICA_URL=cluster["replica"], REPORT_MIN_CELL=1)
    )
    term = DEFAULT_CALENDAR.term_for(date.today())
    with app.app_context():
        upgrade()
        rule = build_rule(db.session)
        registrar = _person("Rhea Registrar", Role.REGISTRAR, "R1")
        staff = _person("Sam Staff", Role.STAFF, "C1")
        first = _person("Fay First", Role.STUDENT, "S1")
        build_award(db.session, first, [verified_experience(db.session, first)], rule, term=term)
        db.session.commit()
        ids = {"registrar": registrar.id, "staff": staff.id, "rule": rule.id}
    _wait_for_awards(cluster, 1)
    assert _replica_sql(cluster, "SELECT pg_is_in_recovery()")[0] is True
    client = app.test_client()

    def as_(person_id: int) -> None:
        assert client.post("/dev/login", data={"person_id": person_id}).status_code == 302

    as_(ids["staff"])
    report_before = client.get("/reports/credits-by-rule.csv").get_data(as_text=True)
    # the replica lags: its replay is paused while the primary takes a new award
    _replica_sql(cluster, "SELECT pg_wal_replay_pause()")
    try:
        with app.app_context():
            late = _person("Lee Late", Role.STUDENT, "S2")
            experience = verified_experience(db.session, late, employer="Lagging Harbor Co")
            build_award(db.session, late, [experience], db.session.get(CreditRule, ids["rule"]), term=term)
            db.session.commit()
            late_id = late.id
            assert db.session.execute(sa.select(sa.func.count()).select_from(CreditAward)).scalar_one() == 2
        assert client.get("/reports/credits-by-rule.csv").get_data(as_text=True) == report_before  # the replica
        as_(ids["registrar"])
        assert "1 award" in client.get("/registrar/awards").get_data(as_text=True)  # the replica: not the new one
        as_(late_id)  # the student sees their own fresh record: their pages read the primary
        assert "Lagging Harbor Co" in client.get("/experiences").get_data(as_text=True)
    finally:
        _replica_sql(cluster, "SELECT pg_wal_replay_resume()")
    _wait_for_awards(cluster, 2)
    as_(ids["staff"])
    assert client.get("/reports/credits-by-rule.csv").get_data(as_text=True) != report_before
    as_(ids["registrar"])
    assert "2 awards" in client.get("/registrar/awards").get_data(as_text=True)
    with app.app_context():
        db.engine.dispose()
        app.extensions["careercenter.replica_engine"].dispose()
