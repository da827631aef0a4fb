"""Fixtures: one database per test run (SQLite file, or a fresh PostgreSQL database when
CAREERCENTER_TEST_DATABASE_URL names a server), migrated once with Alembic; each test runs
inside a transaction that is rolled back, unless it asks for `committed_db`."""

from __future__ import annotations

import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, request_started
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy.orm import scoped_session, sessionmaker

from careercenter import create_app
from careercenter.extensions import db
from careercenter.sso.models import AdvisorAssignment, ClassLevel, Person, Role
from tests import write_guard
from tests.databases import postgres_database
from tests.factories import build_experience
from tests.factories import verified_experience as factory_verified_experience

pytest_plugins = ["tests.peers.fixtures"]

ARTIFACTS = Path(os.environ.get("CAREERCENTER_TEST_ARTIFACTS", Path(__file__).parent.parent / "test-artifacts"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """PostgreSQL-only tests (locking, SKIP LOCKED, pg_dump) run in the PostgreSQL pass, SQLite-only
    ones in the SQLite pass; elsewhere they are deselected, not skipped, so no skip is ever counted."""
    other = "sqlite_only" if _server_url() is not None else "postgres_only"
    keep, dropped = [], []
    for item in items:
        (dropped if item.get_closest_marker(other) else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def _server_url() -> str | None:
    return os.environ.get("CAREERCENTER_TEST_DATABASE_URL") or None


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of our own for this run, dropped afterwards."""
    server = _server_url()
    if server is None:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    with postgres_database(server, "careercenter_test") as url:
        yield url


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


def make_test_config(database_url: str, instance: Path, **overrides: Any) -> dict[str, Any]:
    config = {
        "TESTING": True,
        "ENV_NAME": "testing",
        "SECRET_KEY": "test-" + "x" * 40,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "DEV_LOGIN": True,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "PUBLIC_URL": "http://careers.test",
        "INSTITUTION_NAME": "Example State University",
        # Requests run their jobs (transcripts) inline, as the development server does; the
        # worker and its crash drill have their own tests (tests/jobs).
        "JOBS_INLINE": True,
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    instance = tmp_path_factory.mktemp("instance")
    os.environ["CAREERCENTER_INSTANCE_PATH"] = str(instance)
    app = create_app(make_test_config(database_url, instance))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    write_guard.install(app)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture()
def make_app(app: Flask, database_url: str, tmp_path: Path) -> Iterator[Any]:
    """Build another app (other settings) on the (migrated) test database; its engine is closed after."""
    made: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        new = create_app(make_test_config(overrides.pop("database_url", database_url), tmp_path, **overrides))
        write_guard.install(new)
        made.append(new)
        return new

    yield make
    for built in made:
        with built.app_context():
            db.engine.dispose()


def _award_documents_as_built(session: Any) -> None:
    """Every award document PostgreSQL keeps is what would be built now (`registrar.documents`):
    a write that changes what a document reads without clearing it fails the test that made it."""
    from careercenter.registrar import documents

    session.rollback()  # what the test committed, not what it left half-done
    wrong = documents.differing(session)
    assert not wrong, f"kept award documents differ from their awards (ids {wrong}): a trigger misses a change"


@pytest.fixture()
def _db_transaction(app: Flask) -> Iterator[None]:
    """Bind the scoped session to one connection whose outer transaction is rolled back."""
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        db.session = scoped_session(factory, scopefunc=original.registry.scopefunc)  # type: ignore[assignment]

        def _settle_test_setup(sender: Flask, **extra: Any) -> None:
            # What the test wrote before a request is in place, as it would be in production:
            # the request's own rollback (an error answer, `doom()`) undoes only the request.
            db.session.commit()

        request_started.connect(_settle_test_setup, app)
        try:
            yield
            _award_documents_as_built(db.session)
        finally:
            request_started.disconnect(_settle_test_setup, app)
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture()
def session(app: Flask, _db_transaction: None) -> Iterator[Any]:
    """The database session inside the test's rolled-back transaction, in an app context."""
    with app.test_request_context():
        yield db.session


@pytest.fixture()
def client(app: Flask, _db_transaction: None) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def runner(app: Flask, _db_transaction: None) -> Any:
    return app.test_cli_runner()


def _truncate_all(app: Flask) -> None:
    with app.app_context():
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
                conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in reversed(db.metadata.sorted_tables):
                    conn.execute(table.delete())
        db.session.remove()


@pytest.fixture()
def committed_db(app: Flask) -> Iterator[Flask]:
    """For tests whose data other connections or threads must see (browser, workers, races):
    real commits, every table emptied afterwards."""
    _truncate_all(app)
    try:
        yield app
    finally:
        _truncate_all(app)


# ---- factories -------------------------------------------------------------------------

_counter = iter(range(10_000, 10_000_000))


@pytest.fixture()
def make_person(session: Any) -> Any:
    def make(
        roles: set[Role] | Role = Role.STUDENT,
        *,
        name: str | None = None,
        email: str | None = None,
        campus_id: str | None = None,
        program: str | None = "Computer Science",
        class_level: ClassLevel | None = ClassLevel.JUNIOR,
        is_demo: bool = True,
    ) -> Person:
        n = next(_counter)
        person = Person(
            campus_id=campus_id or f"T{n}",
            email=email or f"person{n}@example.edu",
            display_name=name or f"Person {n}",
            program=program,
            class_level=class_level,
            is_demo=is_demo,
        )
        person.set_roles({roles} if isinstance(roles, Role) else set(roles))
        session.add(person)
        session.flush()
        return person

    return make


@pytest.fixture()
def make_student(make_person: Any) -> Any:
    return lambda **kw: make_person(Role.STUDENT, **kw)


@pytest.fixture()
def make_advisor(make_person: Any, session: Any) -> Any:
    def make(students: list[Person] = (), **kw: Any) -> Person:  # type: ignore[assignment]
        advisor = make_person(Role.ADVISOR, program=None, class_level=None, **kw)
        for student in students:
            session.add(AdvisorAssignment(advisor_id=advisor.id, student_id=student.id))
        session.flush()
        return advisor

    return make


@pytest.fixture()
def make_experience(session: Any) -> Any:
    """`make_experience(student, state=..., **columns)`: tests/factories.py `build_experience`."""
    return lambda student, **kw: build_experience(session, student, **kw)


@pytest.fixture()
def verified_defaults() -> dict[str, Any]:
    """Columns a test folder wants on every `verified_experience` (override in its conftest)."""
    return {}


@pytest.fixture()
def verified_experience(session: Any, verified_defaults: dict[str, Any]) -> Any:
    """`verified_experience(student, **columns)`: tests/factories.py `verified_experience`."""
    return lambda student, **kw: factory_verified_experience(session, student, **{**verified_defaults, **kw})


@pytest.fixture()
def make_award(session: Any, make_student: Any, make_advisor: Any, make_experience: Any) -> Any:
    """A credit award made directly (the one factory: see tests/factories.py).

    `student` defaults to a new student; `experiences` to new verified ones of `hours` each.
    Awards of one course (subject, number, title, basis) in a test share one rule version;
    the default course is rule INTR295 v1. Each award's approver is a new advisor of the
    student named `approved_by`. The award is committed (to the test's savepoint), so that a
    view answering an error, which rolls its request back, keeps the test's records.
    """
    from decimal import Decimal

    from careercenter.credits.models import AwardStatus, CreditAward
    from careercenter.internships.models import ExperienceState
    from tests.factories import build_award, build_rule

    rules: dict[tuple[str, str, str, str], Any] = {}

    def make(
        student: Any = None,
        experiences: list[Any] | None = None,
        *,
        status: AwardStatus = AwardStatus.PENDING,
        hours: tuple[str, ...] = ("20", "25.5"),
        credits: Decimal | str = Decimal("1.5"),
        term: str = "2026FA",
        subject: str = "INTR",
        number: str = "295",
        title: str = "Micro-internship Practicum",
        grading_basis: str = "P/NP",
        approved_by: str = "Dana Whitfield",
    ) -> CreditAward:
        student = student or make_student()
        key = (subject, number, title, grading_basis)
        if key not in rules:
            code = f"{subject}{number}" + (f"-{len(rules)}" if rules else "")
            rules[key] = build_rule(
                session, code, subject=subject, number=number, title=title, grading_basis=grading_basis
            )
        approver = make_advisor([student], name=approved_by)
        if experiences is None:
            experiences = [
                make_experience(student, state=ExperienceState.VERIFIED, hours=Decimal(h), employer=f"Employer {i}")
                for i, h in enumerate(hours)
            ]
        award = build_award(
            session, student, experiences, rules[key], approver=approver, status=status, term=term, credits=credits
        )
        session.commit()
        return award

    return make


@pytest.fixture()
def login(client: FlaskClient) -> Any:
    """Sign `client` in as `person` through the development login."""

    def do(person: Person, c: FlaskClient | None = None) -> FlaskClient:
        target = c or client
        response = target.post("/dev/login", data={"person_id": person.id})
        assert response.status_code == 302, response.data
        return target

    return do
