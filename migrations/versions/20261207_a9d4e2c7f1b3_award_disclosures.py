"""audit: one disclosure row per registrar API response, naming its awards and their students (issue 22)

A registrar page of 1,000 awards wrote a `disclosures` row for each of its students: 1,000
rows, about half the page's statement (10–12 ms of 23 at 100,000 awards, BENCHMARKS.md
section 2), and the only part of the registrar pull still above three times PostgreSQL's own
`COPY`. `award_disclosures` holds the same record once per response: the party, basis and
interest, the awards in the order sent and, beside each, its student. 34 CFR 99.32 asks for a
record of each disclosure kept with each student's records and open to the student: a student's
log (`audit.service.disclosures_for`, the page and the export) reads the responses naming the
student through a GIN index on `student_ids` and shows each as one entry naming only the
student's own awards, worded as before ("credit awards #12, #15 (read through the registrar
API)").

A check keeps the two arrays parallel and not empty, so that no entry can name an award without
its student. Rows written before this migration stay in `disclosures` and are read with the rest; every
other disclosure (a person opening a record, a share link, a transcript) is still written
there, one row each.

SQLite holds the id lists as JSON arrays and reads a student's with `json_each`, scanning the
table (the single-server default's logs are small); its index of the same name is a plain one,
there so that both dialects have one schema.

Revision ID: a9d4e2c7f1b3
Revises: f3a8b61c2d07
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from alembic import op

revision = "a9d4e2c7f1b3"
down_revision = "f3a8b61c2d07"
branch_labels = None
depends_on = None

IDS = postgresql.ARRAY(sa.Integer()).with_variant(sa.JSON(), "sqlite")

#: one student beside each award, and at least one award (as `audit.models.PARALLEL`)
PARALLEL = {
    "postgresql": "cardinality(award_ids) = cardinality(student_ids) AND cardinality(award_ids) > 0",
    "sqlite": "json_array_length(award_ids) = json_array_length(student_ids) AND json_array_length(award_ids) > 0",
}


def upgrade() -> None:
    op.create_table(
        "award_disclosures",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("party_type", sa.String(length=20), nullable=False),
        sa.Column("party_id", sa.String(length=64), nullable=True),
        sa.Column("party_label", sa.String(length=200), nullable=False),
        sa.Column("how", sa.String(length=20), nullable=False),
        sa.Column("basis", sa.String(length=200), nullable=False),
        sa.Column("interest", sa.String(length=300), nullable=False),
        sa.Column("award_ids", IDS, nullable=False),
        sa.Column("student_ids", IDS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_award_disclosures")),
        sa.CheckConstraint(PARALLEL[op.get_bind().dialect.name], name=op.f("ck_award_disclosures_parallel")),
    )
    op.create_index("ix_award_disclosures_students", "award_disclosures", ["student_ids"], postgresql_using="gin")


def downgrade() -> None:
    op.drop_table("award_disclosures")
