"""sso: web sessions pruned at sign-in once past their absolute lifetime, by an index on started_at

Every sign-in added a `web_sessions` row and none was ever deleted (noted in issue 16 and at
term end, issue 22). A session begun more than `SESSION_ABSOLUTE_HOURS` ago lets no one in, and
its sign-in is in the audit log, so each sign-in now deletes those (`sso.sessions.prune_sessions`);
this index finds them without reading the table.

Revision ID: e5a7c1d9b2f4
Revises: d41c7e0a9b3f
Create Date: 2026-12-07
"""

from alembic import op

revision = "e5a7c1d9b2f4"
down_revision = "d41c7e0a9b3f"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_web_sessions_started_at", ["started_at"])


def downgrade() -> None:
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_web_sessions_started_at")
