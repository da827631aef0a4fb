"""Fill a PostgreSQL database with a large campus, fast (COPY, no ORM objects).

    python bench/seed_scale.py [--students 60000] [--experiences 240000] [--awards 100000]

Makes (or remakes) the database `careercenter_bench` on BENCH_POSTGRES_URL's server, migrates it
with the app's own migrations, then streams every table in with COPY. Prints and writes
bench/results/seed_scale.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import bench_app, libpq_url, recreate_database, timed, write_results  # noqa: E402

PROGRAMS = [
    "Computer Science",
    "Business Administration",
    "Biology",
    "Communication",
    "Mechanical Engineering",
    "Data Science",
    "Psychology",
    "Economics",
    "Nursing",
    "Graphic Design",
]
LEVELS = ["first-year", "sophomore", "junior", "senior", "graduate"]
EMPLOYERS = [
    "Acme Analytics",
    "Lakeside Credit Union",
    "Northwind Health",
    "Bluebird Robotics",
    "Harbor City Council",
    "Summit Outdoor Co.",
    "Brightpath Learning",
    "Cedar & Pine Design",
    "Riverbend Logistics",
    "Quantum Bakery",
]
PROJECTS = [
    "Customer churn dashboard",
    "Social media audit",
    "Python data cleaning",
    "UX research sprint",
    "Grant proposal research",
    "Inventory forecasting",
    "Brand style guide",
    "Market sizing memo",
]
CATEGORIES = ["Data analysis", "Marketing", "Software development", "Research", "Design", "Operations"]
SKILLS = ["communication", "time management", "problem solving", "teamwork", "technical skill"]
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def demo_rule(code: str) -> Any:
    from careercenter.credits.rules import parse_rules_text

    text = (ROOT / "careercenter" / "credits" / "demo_rules.yaml").read_text()
    return next(spec for spec in parse_rules_text(text) if spec.code == code)


def evaluation(term: str) -> dict[str, Any]:
    """A stored evaluation of the shape `Evaluation.to_dict` writes (the queue and detail pages read it)."""
    return {
        "eligible": True,
        "credits": "1.0",
        "total_hours": "45",
        "term": term,
        "checks": [
            {"code": "hours", "passed": True, "text": "45 verified hours: 1 credit at 45 hours per credit."},
            {"code": "rating", "passed": True, "text": "Supervisor ratings of 3 or more."},
        ],
    }


def migrate(url: str) -> None:
    os.environ["CAREERCENTER_INSTANCE_PATH"] = "/tmp/careercenter-bench-instance"
    from flask_migrate import upgrade

    from careercenter import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "ENV_NAME": "development", "SECRET_KEY": "bench-" + "x" * 40})
    with app.app_context():
        upgrade()
        from careercenter.extensions import db

        db.engine.dispose()


def copy_rows(conn: psycopg.Connection, table: str, columns: list[str], rows: Iterator[tuple[Any, ...]]) -> int:
    n = 0
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


PEOPLE_COLUMNS = [
    "id",
    "campus_id",
    "email",
    "display_name",
    "program",
    "class_level",
    "is_active",
    "is_demo",
    "created_at",
    "updated_at",
]
EXPERIENCE_COLUMNS = [
    "id",
    "student_id",
    "employer",
    "title",
    "description",
    "category",
    "start_date",
    "end_date",
    "hours",
    "skills",
    "supervisor_name",
    "supervisor_title",
    "supervisor_email",
    "source",
    "state",
    "verified_hours",
    "verified_at",
    "skill_ratings",
    "supervisor_feedback",
    "created_at",
    "updated_at",
]
REQUEST_COLUMNS = [
    "id",
    "student_id",
    "rule_id",
    "term",
    "state",
    "reflection",
    "evaluation",
    "is_eligible",
    "computed_credits",
    "submitted_at",
    "decided_by_id",
    "decided_at",
    "decision_comment",
    "created_at",
    "updated_at",
    "version_id",
]
AWARD_COLUMNS = [
    "id",
    "request_id",
    "student_id",
    "rule_id",
    "term",
    "credits",
    "grading_basis",
    "status",
    "approved_by_id",
    "approved_at",
    "sis_reference",
    "posted_at",
    "created_at",
    "updated_at",
]
TERMS = ["2025SP", "2025SU", "2025FA", "2026SP", "2026SU", "2026FA"]
AWARD_STATUSES = ["posted"] * 6 + ["pending"] * 3 + ["rejected_by_registrar"]


@dataclass
class Campus:
    """The rows of a campus of `students` students, generated in order from one seeded RNG.

    People: students 1..S, advisors S+1..S+A, two registrar staff. Experiences are spread over
    the students; award n uses two experiences of student ((n-1) % S)+1.
    """

    students: int
    experiences: int
    awards: int
    rng: random.Random

    @property
    def advisors(self) -> int:
        return max(1, self.students // 100)

    @property
    def approver(self) -> int:
        return self.students + 1

    def student_of(self, n: int) -> int:
        return (n - 1) % self.students + 1

    def people(self) -> Iterator[tuple[Any, ...]]:
        rng = self.rng
        for i in range(1, self.students + 1):
            programme, level = rng.choice(PROGRAMS), rng.choice(LEVELS)
            yield (i, f"S{i:07d}", f"student{i}@students.example.edu", f"Student {i}", programme, level)
        for j in range(self.advisors):
            yield (self.approver + j, f"F{j:06d}", f"advisor{j}@example.edu", f"Advisor {j}", None, None)
        for k in range(2):
            pid = self.students + self.advisors + 1 + k
            yield (pid, f"R{k:05d}", f"registrar{k}@example.edu", f"Registrar {k}", None, None)

    def people_rows(self) -> Iterator[tuple[Any, ...]]:
        return ((*person, True, False, NOW, NOW) for person in self.people())

    def grants(self) -> Iterator[tuple[Any, ...]]:
        for i in range(1, self.students + 1):
            yield (i, "student")
        for j in range(self.advisors):
            yield (self.approver + j, "advisor")
        for k in range(2):
            yield (self.students + self.advisors + 1 + k, "registrar")

    def assignments(self) -> Iterator[tuple[Any, ...]]:
        for i in range(1, self.students + 1):
            yield (self.approver + (i % self.advisors), i, "directory", NOW)

    def experience_rows(self) -> Iterator[tuple[Any, ...]]:
        for e in range(1, self.experiences + 1):
            yield self._experience(e)

    def _experience(self, e: int) -> tuple[Any, ...]:
        rng, student = self.rng, self.student_of(e)
        end = date(2026, 10, 15) - timedelta(days=rng.randrange(0, 600))
        start = end - timedelta(days=rng.randrange(3, 30))
        hours = Decimal(rng.choice([5, 8, 10, 12, 15, 18, 20, 25, 30, 40]))
        # Experiences counted by a credit request (see link_rows) are verified; others ~85 %.
        per_student = self.awards // self.students + (1 if student <= self.awards % self.students else 0)
        verified = (e - 1) // self.students < 2 * per_student or rng.random() < 0.85
        skills = rng.sample(SKILLS, 3)
        claim = (e, student, rng.choice(EMPLOYERS), rng.choice(PROJECTS), "Project work for the employer.")
        claim += (rng.choice(CATEGORIES), start, end, hours, json.dumps(skills), f"Supervisor {e % 997}", "Manager")
        claim += (f"supervisor{e % 997}@employer.example.com", "manual")
        if not verified:
            return (*claim, "draft", None, None, None, None, NOW, NOW)
        verified_at = datetime.combine(end, datetime.min.time(), UTC) + timedelta(days=2)
        ratings = json.dumps({s: rng.randint(3, 5) for s in skills})
        return (*claim, "verified", hours, verified_at, ratings, "Dependable and clear.", NOW, NOW)

    def request_rows(self) -> Iterator[tuple[Any, ...]]:
        for n in range(1, self.awards + 1):
            student = self.student_of(n)
            at = NOW - timedelta(minutes=self.awards - n)
            term = self.rng.choice(TERMS)
            decider = self.approver + (student % self.advisors)
            evaluated = (json.dumps(evaluation(term)), True, Decimal("1.0"))
            yield (n, student, 1, term, "approved", "", *evaluated, at, decider, at, "Approved.", at, at, 1)

    def link_rows(self) -> Iterator[tuple[int, int]]:
        # Each request counts one or two experiences of its student, each experience at most once.
        per_student_next: dict[int, int] = {}
        for n in range(1, self.awards + 1):
            student = self.student_of(n)
            k = per_student_next.get(student, 0)
            for m in range(2):
                exp_id = student + (k + m) * self.students
                if exp_id <= self.experiences:
                    yield (n, exp_id)
            per_student_next[student] = k + 2

    def award_rows(self) -> Iterator[tuple[Any, ...]]:
        rng = self.rng
        for n in range(1, self.awards + 1):
            student = self.student_of(n)
            at = NOW - timedelta(minutes=self.awards - n)
            status = AWARD_STATUSES[n % len(AWARD_STATUSES)]
            term, credits = rng.choice(TERMS), Decimal(rng.choice(["0.5", "1.0", "1.5", "2.0", "3.0"]))
            posting = (f"SIS-{n:08d}", at) if status == "posted" else (None, None)
            approval = (self.approver + (student % self.advisors), at)
            yield (n, n, student, 1, term, credits, "P/NP", status, *approval, *posting, at, at)


def insert_demo_rule(conn: psycopg.Connection) -> int:
    """The demo's INTR-295, stored exactly as `flask credits load-rules` stores it, so that the
    app can evaluate (and advisors approve) requests under it."""
    spec = demo_rule("INTR-295")
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO credit_rules (id, code, version, status, name, course_subject, course_number,"
            " course_title, grading_basis, definition, content_hash, created_at)"
            " VALUES (1, %s, 1, 'active', %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                spec.code,
                spec.name,
                spec.course_subject,
                spec.course_number,
                spec.course_title,
                spec.grading_basis,
                json.dumps(spec.definition()),
                spec.content_hash(),
                NOW,
            ),
        )
    return 1


def seed(url: str, students: int, experiences: int, awards: int, seed_value: int = 7) -> dict[str, Any]:
    campus = Campus(students, experiences, awards, random.Random(seed_value))
    people: list[tuple[str, list[str], Iterator[tuple[Any, ...]]]] = [
        ("people", PEOPLE_COLUMNS, campus.people_rows()),
        ("role_grants", ["person_id", "role"], campus.grants()),
        ("advisor_assignments", ["advisor_id", "student_id", "source", "created_at"], campus.assignments()),
        ("experiences", EXPERIENCE_COLUMNS, campus.experience_rows()),
    ]
    credits: list[tuple[str, list[str], Iterator[tuple[Any, ...]]]] = [
        ("credit_requests", REQUEST_COLUMNS, campus.request_rows()),
        ("credit_request_experiences", ["request_id", "experience_id"], campus.link_rows()),
        ("credit_awards", AWARD_COLUMNS, campus.award_rows()),
    ]
    counts: dict[str, int] = {}
    with psycopg.connect(libpq_url(url)) as conn:
        for table, columns, rows in people:
            counts[table] = copy_rows(conn, table, columns, rows)
        counts["credit_rules"] = insert_demo_rule(conn)
        for table, columns, rows in credits:
            counts[table] = copy_rows(conn, table, columns, rows)
        with conn.cursor() as cur:
            for table in ("people", "experiences", "credit_rules", "credit_requests", "credit_awards"):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            cur.execute("ANALYZE")
        conn.commit()
    return counts


def build_documents(url: str) -> int:
    """The registrar API's award documents, as the app builds them when it writes an award
    (`registrar/documents.py`); COPY bypasses the app, so they are built here in one go."""
    from careercenter.extensions import db
    from careercenter.registrar import documents

    app = bench_app(url)
    with app.app_context():
        built = documents.build_missing(db.session)
        db.engine.dispose()
    return built


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=60_000)
    parser.add_argument("--experiences", type=int, default=240_000)
    parser.add_argument("--awards", type=int, default=100_000)
    parser.add_argument("--database", default="careercenter_bench")
    args = parser.parse_args()
    url = recreate_database(args.database)
    with timed() as t_migrate:
        migrate(url)
    with timed() as t_seed:
        counts = seed(url, args.students, args.experiences, args.awards)
    with timed() as t_documents:
        documents = build_documents(url)
    rows = sum(counts.values())
    figures = {
        "database": args.database,
        "migrate_seconds": round(t_migrate["seconds"], 2),
        "seed_seconds": round(t_seed["seconds"], 2),
        "rows": rows,
        "rows_per_second": round(rows / t_seed["seconds"]),
        "award_documents": documents,
        "award_documents_seconds": round(t_documents["seconds"], 2),
        "counts": counts,
    }
    path = write_results("seed_scale" if args.awards == 100_000 else f"seed_scale_{args.awards}", figures)
    print(
        f"seeded {rows:,} rows in {t_seed['seconds']:.1f} s ({figures['rows_per_second']:,} rows/s); "
        f"migrations {t_migrate['seconds']:.1f} s"
    )
    print(f"built {documents:,} award documents in {t_documents['seconds']:.1f} s (registrar/documents.py)")
    for table, n in counts.items():
        print(f"  {table:<28} {n:>9,}")
    print(f"results: {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")


if __name__ == "__main__":
    main()
