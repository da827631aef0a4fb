"""jobs: background work queued in the request's transaction (transcripts rendered and signed off the request path)

Revision ID: 8d22b1e2f6a5
Revises: 7c22a0d1e5f4
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "8d22b1e2f6a5"
down_revision = "7c22a0d1e5f4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column(
            "state",
            sa.Enum("queued", "done", "failed", name="job_state", native_enum=False, create_constraint=True, length=6),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["people.id"], name=op.f("fk_jobs_owner_id_people"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_index("ix_jobs_due", "jobs", ["state", "run_at"])
    op.create_index(op.f("ix_jobs_owner_id"), "jobs", ["owner_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_jobs_owner_id"), table_name="jobs")
    op.drop_index("ix_jobs_due", table_name="jobs")
    op.drop_table("jobs")
