"""audit: the disclosure log without a foreign key, indexed for the queries that read it (issue 22)

`disclosures.student_id` referenced `people` with ON DELETE CASCADE. The log is append-only, like
`audit_events` (which has no foreign keys either): every id it is given comes from a row that
does reference `people` (an award, a request, the signed-in student) in the same transaction.
The key's check locked each named student's row (FOR KEY SHARE) for every row written: a
registrar page of 1,000 awards writes 1,000 disclosure rows, and those checks were 6.5 ms of a
40 ms CSV batch at 100,000 awards (BENCHMARKS.md section 2). The cascade erased a person's
disclosure log with the person — the service never deletes a person, and 34 CFR 99.32 asks the
log to be kept as long as the records are, so nothing is lost by its going.

The indexes follow the queries: a student's log newest first reads (student_id, at) — it had
one index on each column, and nothing reads `at` alone; a share link's views read
(party_type, party_id), which had none (a scan of the whole log, which every registrar pull
grows by one row per student). Three indexes still, so writing a row costs what it did.

SQLite changes a foreign key only by rebuilding the table; no table references `disclosures`,
so the rebuild needs no pragma.

Revision ID: d41c7e0a9b3f
Revises: 5b8803fe22dd
Create Date: 2026-12-07
"""

from alembic import op

revision = "d41c7e0a9b3f"
down_revision = "5b8803fe22dd"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("disclosures", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_disclosures_student_id_people"), type_="foreignkey")
        batch_op.drop_index(op.f("ix_disclosures_at"))
        batch_op.drop_index(op.f("ix_disclosures_student_id"))
        batch_op.create_index("ix_disclosures_student_at", ["student_id", "at"])
        batch_op.create_index("ix_disclosures_party", ["party_type", "party_id"])


def downgrade() -> None:
    with op.batch_alter_table("disclosures", schema=None) as batch_op:
        batch_op.drop_index("ix_disclosures_party")
        batch_op.drop_index("ix_disclosures_student_at")
        batch_op.create_index(op.f("ix_disclosures_student_id"), ["student_id"])
        batch_op.create_index(op.f("ix_disclosures_at"), ["at"])
        batch_op.create_foreign_key(
            op.f("fk_disclosures_student_id_people"), "people", ["student_id"], ["id"], ondelete="CASCADE"
        )
