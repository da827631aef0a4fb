"""sso: the staff role (career-center staff) joins the roles a person can hold

Revision ID: 5a1f0c3e9b21
Revises: 5a1e0c2b7d93
Create Date: 2026-12-06 17:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5a1f0c3e9b21'
down_revision = '5a1e0c2b7d93'
branch_labels = None
depends_on = None

BEFORE = ('student', 'advisor', 'registrar', 'admin')
AFTER = ('student', 'advisor', 'registrar', 'admin', 'staff')


def _set_roles(roles):
    check = "role IN (" + ", ".join(f"'{r}'" for r in roles) + ")"
    with op.batch_alter_table('role_grants') as batch_op:
        batch_op.drop_constraint(op.f('ck_role_grants_role'), type_='check')
        batch_op.create_check_constraint('role', sa.text(check))


def upgrade():
    _set_roles(AFTER)


def downgrade():
    op.execute("DELETE FROM role_grants WHERE role = 'staff'")
    _set_roles(BEFORE)
