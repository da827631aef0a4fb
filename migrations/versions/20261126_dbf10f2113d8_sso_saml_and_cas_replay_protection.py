"""sso: saml and cas replay protection

Outstanding SAML AuthnRequest ids (the InResponseTo check, kept server-side because the IdP's
cross-site POST carries no SameSite=Lax cookie), consumed SAML assertion ids and consumed CAS
ticket hashes (replays refused).

Revision ID: dbf10f2113d8
Revises: 2feb23caa6da
Create Date: 2026-11-26 01:28:14.930282
"""

import sqlalchemy as sa
from alembic import op

revision = "dbf10f2113d8"
down_revision = "2feb23caa6da"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "cas_consumed_tickets",
        sa.Column("ticket_hash", sa.String(length=64), nullable=False),
        sa.Column("consumed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("ticket_hash", name=op.f("pk_cas_consumed_tickets")),
    )
    with op.batch_alter_table("cas_consumed_tickets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cas_consumed_tickets_consumed_at"), ["consumed_at"], unique=False)

    op.create_table(
        "saml_consumed_assertions",
        sa.Column("assertion_id", sa.String(length=255), nullable=False),
        sa.Column("idp_entity_id", sa.String(length=1000), nullable=False),
        sa.Column("consumed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("assertion_id", name=op.f("pk_saml_consumed_assertions")),
    )
    with op.batch_alter_table("saml_consumed_assertions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_saml_consumed_assertions_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "saml_outstanding_requests",
        sa.Column("request_id", sa.String(length=128), nullable=False),
        sa.Column("browser_hash", sa.String(length=64), nullable=True),
        sa.Column("next_path", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_saml_outstanding_requests")),
    )
    with op.batch_alter_table("saml_outstanding_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_saml_outstanding_requests_expires_at"), ["expires_at"], unique=False)


def downgrade():
    with op.batch_alter_table("saml_outstanding_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saml_outstanding_requests_expires_at"))
    op.drop_table("saml_outstanding_requests")
    with op.batch_alter_table("saml_consumed_assertions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saml_consumed_assertions_expires_at"))
    op.drop_table("saml_consumed_assertions")
    with op.batch_alter_table("cas_consumed_tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cas_consumed_tickets_consumed_at"))
    op.drop_table("cas_consumed_tickets")
