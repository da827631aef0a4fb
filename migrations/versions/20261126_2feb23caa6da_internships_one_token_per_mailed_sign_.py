"""internships: one token per mailed sign-off link; outbox last attempt

Revision ID: 2feb23caa6da
Revises: 182c634bbeb9
Create Date: 2026-11-26 01:24:05.185738

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2feb23caa6da'
down_revision = '182c634bbeb9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('signoff_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['signoff_requests.id'], name=op.f('fk_signoff_tokens_request_id_signoff_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signoff_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_signoff_tokens_token_hash'))
    )
    with op.batch_alter_table('signoff_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signoff_tokens_request_id'), ['request_id'], unique=False)

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('last_attempt_at')

    with op.batch_alter_table('signoff_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signoff_tokens_request_id'))

    op.drop_table('signoff_tokens')
