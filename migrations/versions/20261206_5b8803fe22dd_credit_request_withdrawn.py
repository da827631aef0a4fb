"""credits: a student may withdraw a credit request (issue 19)

`credit_requests.state` may be 'withdrawn'; `approval_decisions.decision` may be 'withdrawn'
(the step a request waited at when its student withdrew it: one row under the same unique key
as an approver's decision), so that column grows from 8 to 9 characters.

On SQLite a CHECK constraint changes only by rebuilding the table, and `credit_requests` is
referenced by awards (RESTRICT), waits, decisions and its experiences (CASCADE): dropping the old
table with foreign keys enforced would fail, or empty those tables. So foreign keys are off
while the tables are rebuilt (SQLite ignores the pragma inside a transaction, hence the
autocommit blocks) and checked before they are on again.

Revision ID: 5b8803fe22dd
Revises: c3f1a9e07b2d
Create Date: 2026-12-06 20:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b8803fe22dd'
down_revision = 'c3f1a9e07b2d'
branch_labels = None
depends_on = None

REQUEST_STATES = ('draft', 'submitted', 'approved', 'denied', 'returned')
STEP_DECISIONS = ('approved', 'returned', 'denied')


def _in(column, values):
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _sqlite_foreign_keys(on):
    with op.get_context().autocommit_block():
        op.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")


def _set_checks(request_states, step_decisions, old_length, new_length):
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        _sqlite_foreign_keys(False)
    try:
        with op.batch_alter_table('credit_requests', schema=None) as batch_op:
            batch_op.drop_constraint(op.f('ck_credit_requests_request_state'), type_='check')
            batch_op.create_check_constraint('request_state', sa.text(_in('state', request_states)))
        with op.batch_alter_table('approval_decisions', schema=None) as batch_op:
            batch_op.drop_constraint(op.f('ck_approval_decisions_step_decision'), type_='check')
            batch_op.alter_column(
                'decision',
                existing_type=sa.String(length=old_length),
                type_=sa.String(length=new_length),
                existing_nullable=False,
            )
            batch_op.create_check_constraint('step_decision', sa.text(_in('decision', step_decisions)))
        if sqlite:
            broken = op.get_bind().execute(sa.text('PRAGMA foreign_key_check')).all()
            if broken:
                raise RuntimeError(f'foreign keys broken by the table rebuild: {broken[:5]}')
    finally:
        if sqlite:
            _sqlite_foreign_keys(True)


def upgrade():
    _set_checks(REQUEST_STATES + ('withdrawn',), STEP_DECISIONS + ('withdrawn',), 8, 9)


def downgrade():
    withdrawn = op.get_bind().execute(
        sa.text("SELECT count(*) FROM credit_requests WHERE state = 'withdrawn'")
    ).scalar_one()
    if withdrawn:
        # No earlier state says "the student gave it up": calling these requests denied or
        # returned would rewrite history (and a returned one would hold its experiences again).
        raise RuntimeError(
            f"{withdrawn} credit request(s) are withdrawn, which the schema before 5b8803fe22dd "
            "cannot hold: restore the backup taken before the upgrade instead."
        )
    _set_checks(REQUEST_STATES, STEP_DECISIONS, 9, 8)
