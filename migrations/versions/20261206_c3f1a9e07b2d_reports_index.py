"""reports: experiences by state and end date, covering what the report figures read

The reports group a period's verified experiences (a range of end dates) by term, program and
employer. On PostgreSQL the index carries the columns they read (an index-only scan instead of
reading the wide rows); SQLite gets the plain two-column index.

Revision ID: c3f1a9e07b2d
Revises: 8b4d1c95726b
Create Date: 2026-12-06
"""

from alembic import op

revision = "c3f1a9e07b2d"
down_revision = "8b4d1c95726b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_experiences_state_end_date",
        "experiences",
        ["state", "end_date"],
        postgresql_include=["student_id", "verified_hours", "employer"],
    )


def downgrade() -> None:
    op.drop_index("ix_experiences_state_end_date", table_name="experiences")
