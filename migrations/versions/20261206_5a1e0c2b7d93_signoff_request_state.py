"""internships: a sign-off request's state (sent | used | withdrawn | expired) as a column

Until now the state was read from `used_at`, `withdrawn_at` and a free-text `outcome`. The
new `state` column is filled from them; `outcome` keeps only the supervisor's answer
(confirmed | disputed) of a used request; the timestamps stay as "when". The one-live-request
index now reads the state.

Revision ID: 5a1e0c2b7d93
Revises: 13e16f0ba487
Create Date: 2026-12-06 17:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5a1e0c2b7d93'
down_revision = '13e16f0ba487'
branch_labels = None
depends_on = None

STATES = ('sent', 'used', 'withdrawn', 'expired')


def upgrade():
    with op.batch_alter_table('signoff_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'state',
            sa.Enum(*STATES, name='signoff_state', native_enum=False, create_constraint=True, length=9),
            server_default='sent',
            nullable=False,
        ))
    op.execute("UPDATE signoff_requests SET state = 'used' WHERE used_at IS NOT NULL")
    op.execute(
        "UPDATE signoff_requests SET state = 'expired' WHERE used_at IS NULL AND withdrawn_at IS NOT NULL"
        " AND outcome = 'expired'"
    )
    op.execute(
        "UPDATE signoff_requests SET state = 'withdrawn' WHERE used_at IS NULL AND withdrawn_at IS NOT NULL"
        " AND (outcome IS NULL OR outcome <> 'expired')"
    )
    op.execute("UPDATE signoff_requests SET outcome = NULL WHERE state <> 'used'")
    op.execute(
        "UPDATE signoff_requests SET outcome = 'confirmed' WHERE state = 'used'"
        " AND (outcome IS NULL OR outcome NOT IN ('confirmed', 'disputed'))"
    )
    with op.batch_alter_table('signoff_requests', schema=None) as batch_op:
        batch_op.drop_index('uq_signoff_requests_one_active')
        batch_op.create_index(
            'uq_signoff_requests_one_active',
            ['experience_id'],
            unique=True,
            sqlite_where=sa.text("state = 'sent'"),
            postgresql_where=sa.text("state = 'sent'"),
        )
        batch_op.create_check_constraint(
            'outcome_iff_used',
            "(state = 'used' AND outcome IS NOT NULL AND outcome IN ('confirmed', 'disputed'))"
            " OR (state <> 'used' AND outcome IS NULL)",
        )


def downgrade():
    with op.batch_alter_table('signoff_requests', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_signoff_requests_outcome_iff_used'), type_='check')
    op.execute("UPDATE signoff_requests SET outcome = state WHERE state IN ('withdrawn', 'expired')")
    with op.batch_alter_table('signoff_requests', schema=None) as batch_op:
        batch_op.drop_index('uq_signoff_requests_one_active')
        batch_op.create_index(
            'uq_signoff_requests_one_active',
            ['experience_id'],
            unique=True,
            sqlite_where=sa.text('used_at IS NULL AND withdrawn_at IS NULL'),
            postgresql_where=sa.text('used_at IS NULL AND withdrawn_at IS NULL'),
        )
        batch_op.drop_constraint(op.f('ck_signoff_requests_signoff_state'), type_='check')
        batch_op.drop_column('state')
