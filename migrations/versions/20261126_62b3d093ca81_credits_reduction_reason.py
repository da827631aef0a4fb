"""credits: why an advisor granted fewer credits than computed

Revision ID: 62b3d093ca81
Revises: f58f80b8cba8
Create Date: 2026-11-26 01:27:06.992184

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "62b3d093ca81"
down_revision = 'f58f80b8cba8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("credit_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reduction_reason", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("credit_requests", schema=None) as batch_op:
        batch_op.drop_column("reduction_reason")
