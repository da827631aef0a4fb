"""People and requests the page and load benchmarks need, added to a seeded bench database once.

- an advisor with N students, each with one verified 45-hour micro-internship and a credit
  request submitted through the service code (so the stored evaluation is the real one);
- demo flags on the people the benchmarks sign in as through the development login.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg

from bench.common import bench_app, libpq_url


def ensure_queue(url: str, advisor_campus_id: str, students: int) -> dict[str, Any]:
    """An advisor (a demo person) whose queue holds `students` submitted requests.

    Made once; when approvals (bench/load.py) have emptied part of the queue, new students with
    new requests top it up again. The advisor's first student is a demo person too (the
    development login lists demo people).
    """
    with psycopg.connect(libpq_url(url)) as conn, conn.cursor() as cur:
        found = cur.execute("SELECT id FROM people WHERE campus_id = %s", (advisor_campus_id,)).fetchone()
        if found:
            advisor_id = found[0]
            # pending: waiting at the advisor's step (a request the advisor approved stays
            # submitted, waiting at the registrar's step: no longer in the advisor's queue)
            pending, assigned = cur.execute(
                "SELECT count(w.request_id), count(DISTINCT a.student_id)"
                " FROM advisor_assignments a LEFT JOIN credit_requests r ON r.student_id = a.student_id"
                " LEFT JOIN approval_waits w ON w.request_id = r.id AND w.kind = 'advisor'"
                " WHERE a.advisor_id = %s",
                (advisor_id,),
            ).fetchone()
            if pending >= students:
                return {"advisor_id": advisor_id, "pending": pending, "made": 0}
            first, count = assigned + 1, students - pending
        else:
            advisor_id = cur.execute(
                "INSERT INTO people (campus_id, email, display_name, is_active, is_demo, created_at, updated_at)"
                " VALUES (%s, %s, %s, true, true, now(), now()) RETURNING id",
                (advisor_campus_id, f"{advisor_campus_id.lower()}@example.edu", f"Advisor {advisor_campus_id}"),
            ).fetchone()[0]
            cur.execute("INSERT INTO role_grants (person_id, role) VALUES (%s, 'advisor')", (advisor_id,))
            first, count = 1, students
        student_ids = [
            r[0]
            for r in cur.execute(
                "INSERT INTO people (campus_id, email, display_name, program, class_level, is_active, is_demo,"
                " created_at, updated_at)"
                " SELECT %s || '-' || lpad(g::text, 5, '0'), %s || g || '@students.example.edu',"
                " 'Queue Student ' || g, 'Biology', 'junior', true, g = 1, now(), now()"
                " FROM generate_series(%s::int, %s::int) g ORDER BY g RETURNING id",
                (advisor_campus_id, advisor_campus_id.lower() + ".s", first, first + count - 1),
            ).fetchall()
        ]
        with cur.copy("COPY role_grants (person_id, role) FROM STDIN") as copy:
            for sid in student_ids:
                copy.write_row((sid, "student"))
        with cur.copy("COPY advisor_assignments (advisor_id, student_id, source, created_at) FROM STDIN") as copy:
            for sid in student_ids:
                copy.write_row((advisor_id, sid, "directory", "2026-09-01T00:00:00Z"))
        # Two verified 45-hour projects each: one for the request, one left for the student.
        cur.execute(
            "INSERT INTO experiences (student_id, employer, title, description, category, start_date, end_date,"
            " hours, skills, supervisor_name, supervisor_title, supervisor_email, source, state, verified_hours,"
            " verified_at, skill_ratings, supervisor_feedback, attested_name, created_at, updated_at)"
            " SELECT p.id, 'Acme Analytics', 'Customer churn dashboard ' || k, 'Project work.', 'Data analysis',"
            ' current_date - 40, current_date - 20, 45, \'["communication", "problem solving"]\','
            " 'Pat Supervisor', 'Analytics Lead', 'pat@acme.example.com', 'manual', 'verified', 45,"
            " now() - interval '15 days', '{\"communication\": 4, \"problem solving\": 5}', 'Thorough.',"
            " 'Pat Supervisor', now(), now()"
            " FROM unnest(%s::int[]) AS p(id), generate_series(1, 2) k",
            (student_ids,),
        )
        conn.commit()

    from careercenter.audit.service import Actor
    from careercenter.credits import requests as credit_requests
    from careercenter.db import utcnow
    from careercenter.extensions import db
    from careercenter.internships.models import Experience
    from careercenter.sso.models import Person

    app = bench_app(url)
    with app.app_context():
        import sqlalchemy as sa

        for i, sid in enumerate(student_ids):
            student = db.session.get(Person, sid)
            first = db.session.execute(
                sa.select(Experience.id).where(Experience.student_id == sid).order_by(Experience.id).limit(1)
            ).scalar_one()
            draft = credit_requests.prepare_request(db.session, student, "INTR-295", [first], "")
            request = credit_requests.submit_request(db.session, student, draft, Actor.person(student))
            # Oldest first in the queue: spread the submissions over the last days.
            request.submitted_at = utcnow() - timedelta(minutes=count - i)
            if i % 100 == 99:
                db.session.commit()
        db.session.commit()
        db.engine.dispose()
    return {"advisor_id": advisor_id, "pending": students, "made": count}


def demo_people(url: str, students: int = 200) -> dict[str, Any]:
    """Let the development login sign in as the first `students` students and a registrar."""
    with psycopg.connect(libpq_url(url)) as conn, conn.cursor() as cur:
        cur.execute(
            "UPDATE people SET is_demo = true WHERE campus_id LIKE 'S%%' AND id <= %s OR campus_id = 'R00000'"
            " OR campus_id = 'TBENCH0001'",
            (students,),
        )
        rows = cur.execute(
            "SELECT p.id, g.role FROM people p JOIN role_grants g ON g.person_id = p.id"
            " WHERE p.is_demo AND (p.campus_id LIKE 'S%%' OR p.campus_id LIKE 'R%%' OR p.campus_id LIKE 'TBENCH%%')"
            " ORDER BY p.id"
        ).fetchall()
        conn.commit()
    return {
        "students": [pid for pid, role in rows if role == "student"],
        "registrar": next(pid for pid, role in rows if role == "registrar"),
    }
