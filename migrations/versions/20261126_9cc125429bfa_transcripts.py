"""transcripts: issued transcripts and the awards they showed

Revision ID: 9cc125429bfa
Revises: 62b3d093ca81
Create Date: 2026-11-26 01:26:37.706596

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9cc125429bfa'
down_revision = '62b3d093ca81'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('transcripts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('verification_code', sa.String(length=40), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('state', sa.Enum('issued', 'revoked', name='transcript_state', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revocation_reason', sa.Text(), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(state = 'revoked') = (revoked_at IS NOT NULL AND revocation_reason IS NOT NULL)", name=op.f('ck_transcripts_revocation_complete')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['people.id'], name=op.f('fk_transcripts_issued_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['people.id'], name=op.f('fk_transcripts_revoked_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['student_id'], ['people.id'], name=op.f('fk_transcripts_student_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transcripts')),
    sa.UniqueConstraint('pdf_sha256', name=op.f('uq_transcripts_pdf_sha256')),
    sa.UniqueConstraint('verification_code', name=op.f('uq_transcripts_verification_code'))
    )
    with op.batch_alter_table('transcripts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transcripts_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_transcripts_student_id'), ['student_id'], unique=False)

    op.create_table('transcript_awards',
    sa.Column('transcript_id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['award_id'], ['credit_awards.id'], name=op.f('fk_transcript_awards_award_id_credit_awards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['transcript_id'], ['transcripts.id'], name=op.f('fk_transcript_awards_transcript_id_transcripts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('transcript_id', 'award_id', name=op.f('pk_transcript_awards'))
    )
    with op.batch_alter_table('transcript_awards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transcript_awards_award_id'), ['award_id'], unique=False)



def downgrade():
    with op.batch_alter_table('transcript_awards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transcript_awards_award_id'))

    op.drop_table('transcript_awards')
    with op.batch_alter_table('transcripts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transcripts_student_id'))
        batch_op.drop_index(batch_op.f('ix_transcripts_state'))

    op.drop_table('transcripts')
