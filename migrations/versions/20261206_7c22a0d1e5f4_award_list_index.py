"""credits: an index on credit_awards (approved_at, id) for the registrar award list's keyset pages

Revision ID: 7c22a0d1e5f4
Revises: a6efc3d88565
Create Date: 2026-12-06
"""

from alembic import op

revision = "7c22a0d1e5f4"
down_revision = "a6efc3d88565"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_credit_awards_approved_at_id", "credit_awards", ["approved_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_credit_awards_approved_at_id", table_name="credit_awards")
