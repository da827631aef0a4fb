"""Issue 20 item 7: the migration turns free-text employers into employer records (one per
distinct name: same-name variants are proposed to staff, not merged), one supervisor contact
per employer and address, and renames the old skill ratings to the default form's competencies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask_migrate import upgrade

from careercenter.employers import service
from careercenter.extensions import db

BEFORE = "8d22b1e2f6a5"
EMPLOYERS = "8b4d1c95726b"


def test_free_text_employers_become_records(make_app: Any, tmp_path: Path) -> None:
    app = make_app(database_url=f"sqlite:///{tmp_path / 'migrate.db'}")
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO people (id, campus_id, email, display_name, is_demo, created_at, updated_at)"
                    " VALUES (1, 'S1', 's1@example.edu', 'Sam One', 1, '2026-01-01', '2026-01-01')"
                )
            )
            rows = [
                (1, "Acme Analytics", "pat@acme.example", '{"communication": 4, "technical skill": 5}'),
                (2, "Acme Analytics", "PAT@acme.example", '{"time management": 3}'),
                (3, "ACME Analytics, Inc.", "lee@acme.example", None),
                (4, "Bright Labs", "kim@gmail.com", '{"teamwork": 5, "problem solving": 4, "data analysis": 2}'),
            ]
            for exp_id, employer, email, ratings in rows:
                conn.execute(
                    sa.text(
                        "INSERT INTO experiences (id, student_id, employer, title, description, category, start_date,"
                        " end_date, hours, skills, supervisor_name, supervisor_title, supervisor_email, source, state,"
                        " skill_ratings, created_at, updated_at) VALUES (:id, 1, :employer, 'Work', '', '',"
                        " '2026-01-01', '2026-01-10', 10, '[]', 'Pat', '', :email, 'manual', 'draft', :ratings,"
                        " '2026-01-01', '2026-01-01')"
                    ),
                    {"id": exp_id, "employer": employer, "email": email, "ratings": ratings},
                )
        upgrade(revision=EMPLOYERS)
        with db.engine.connect() as conn:
            employers = dict(conn.execute(sa.text("SELECT name, id FROM employers")).all())
            assert set(employers) == {"Acme Analytics", "ACME Analytics, Inc.", "Bright Labs"}
            experiences = {
                r.id: r
                for r in conn.execute(sa.text("SELECT id, employer_id, supervisor_id, skill_ratings FROM experiences"))
            }
            contacts = conn.execute(sa.text("SELECT employer_id, email FROM supervisor_contacts ORDER BY id")).all()
        assert experiences[1].employer_id == experiences[2].employer_id == employers["Acme Analytics"]
        assert experiences[3].employer_id == employers["ACME Analytics, Inc."]
        assert experiences[1].supervisor_id == experiences[2].supervisor_id  # one contact per address
        assert len(contacts) == 3
        import json

        assert json.loads(experiences[1].skill_ratings) == {"Communication": 4, "Technology": 5}
        assert json.loads(experiences[4].skill_ratings) == {"Teamwork": 5, "Problem solving": 4, "data analysis": 2}
        # The same-name pair is proposed to staff, not merged.
        [proposal] = service.proposed_duplicates(db.session)
        assert {e.name for e in proposal.employers} == {"Acme Analytics", "ACME Analytics, Inc."}
        db.session.remove()
