"""sso: role grants indexed by role, for "who holds this role"

A decision that moves a request to a step of the registrar's emails every registrar: the
statement asks `role_grants` for the role, and the primary key (person_id, role) begins with the
person, so PostgreSQL read all 65,000 grants of the term-end database for two (4.3 ms of the
decision's; issue 22's load).

Revision ID: b7e3f0a2c9d1
Revises: a9d4e2c7f1b3
Create Date: 2026-12-07
"""

from alembic import op

revision = "b7e3f0a2c9d1"
down_revision = "a9d4e2c7f1b3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("role_grants", schema=None) as batch_op:
        batch_op.create_index("ix_role_grants_role", ["role"])


def downgrade() -> None:
    with op.batch_alter_table("role_grants", schema=None) as batch_op:
        batch_op.drop_index("ix_role_grants_role")
