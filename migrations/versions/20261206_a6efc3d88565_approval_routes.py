"""credits: approval routes (steps waited at, one decision per step, delegations, digests),
approver pools and the faculty role

Revision ID: a6efc3d88565
Revises: 7c18a2d4e5f6
Create Date: 2026-12-06 17:31:16.588948

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a6efc3d88565"
down_revision = "7c18a2d4e5f6"
branch_labels = None
depends_on = None


OLD_ROLES = "role IN ('student', 'advisor', 'registrar', 'admin', 'staff')"
NEW_ROLES = "role IN ('student', 'advisor', 'registrar', 'admin', 'staff', 'faculty')"


def _role_check(condition):
    with op.batch_alter_table("role_grants", schema=None, recreate="always") as batch_op:
        batch_op.drop_constraint(op.f("ck_role_grants_role"), type_="check")
        batch_op.create_check_constraint("role", condition)


def upgrade():
    _role_check(NEW_ROLES)
    op.create_table(
        "approval_delegations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("delegate_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_approval_delegations_range_ordered")),
        sa.CheckConstraint("person_id <> delegate_id", name=op.f("ck_approval_delegations_not_self")),
        sa.ForeignKeyConstraint(
            ["delegate_id"], ["people.id"], name=op.f("fk_approval_delegations_delegate_id_people"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_approval_delegations_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_delegations")),
    )
    with op.batch_alter_table("approval_delegations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_approval_delegations_delegate_id_dates", ["delegate_id", "starts_on", "ends_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_approval_delegations_person_id"), ["person_id"], unique=False)

    op.create_table(
        "approval_digest_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_approval_digest_items_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_digest_items")),
    )
    with op.batch_alter_table("approval_digest_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_approval_digest_items_person_id"), ["person_id"], unique=False)

    op.create_table(
        "approver_settings",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("daily_digest", sa.Boolean(), nullable=False),
        sa.Column("digest_sent_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_approver_settings_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_approver_settings")),
    )
    op.create_table(
        "pool_memberships",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("pool", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_pool_memberships_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("person_id", "pool", name=op.f("pk_pool_memberships")),
    )
    with op.batch_alter_table("pool_memberships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pool_memberships_pool"), ["pool"], unique=False)

    op.create_table(
        "approval_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("pass_no", sa.Integer(), nullable=False),
        sa.Column("step_index", sa.Integer(), nullable=False),
        sa.Column("step_label", sa.String(length=120), nullable=False),
        sa.Column(
            "decision",
            sa.Enum("approved", "returned", "denied", name="step_decision", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("on_behalf_of_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("credits", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("reduction_reason", sa.Text(), nullable=True),
        sa.Column("was_escalated", sa.Boolean(), nullable=False),
        sa.CheckConstraint("credits IS NULL OR credits > 0", name=op.f("ck_approval_decisions_credits_positive")),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["people.id"],
            name=op.f("fk_approval_decisions_decided_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["on_behalf_of_id"],
            ["people.id"],
            name=op.f("fk_approval_decisions_on_behalf_of_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["credit_requests.id"],
            name=op.f("fk_approval_decisions_request_id_credit_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_decisions")),
        sa.UniqueConstraint("request_id", "pass_no", "step_index", name="uq_approval_decisions_request_pass_step"),
    )
    with op.batch_alter_table("approval_decisions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_approval_decisions_decided_by_id_decided_at", ["decided_by_id", "decided_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_approval_decisions_request_id"), ["request_id"], unique=False)

    op.create_table(
        "approval_waits",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("pass_no", sa.Integer(), nullable=False),
        sa.Column("step_index", sa.Integer(), nullable=False),
        sa.Column("step_label", sa.String(length=120), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "advisor", "sponsor", "pool", "registrar", name="step_kind", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("pool", sa.String(length=60), nullable=True),
        sa.Column("match_program", sa.Boolean(), nullable=False),
        sa.Column("escalate_to", sa.String(length=70), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("step_index >= 0", name=op.f("ck_approval_waits_step_index_nonnegative")),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["credit_requests.id"],
            name=op.f("fk_approval_waits_request_id_credit_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_approval_waits")),
    )
    with op.batch_alter_table("approval_waits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_approval_waits_deadline_at"), ["deadline_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_approval_waits_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_approval_waits_started_at"), ["started_at"], unique=False)

    with op.batch_alter_table("credit_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sponsor_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_credit_requests_sponsor_id"), ["sponsor_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_credit_requests_sponsor_id_people"), "people", ["sponsor_id"], ["id"], ondelete="SET NULL"
        )


def downgrade():
    op.execute("DELETE FROM role_grants WHERE role = 'faculty'")
    _role_check(OLD_ROLES)
    with op.batch_alter_table("credit_requests", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_credit_requests_sponsor_id_people"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_credit_requests_sponsor_id"))
        batch_op.drop_column("sponsor_id")

    with op.batch_alter_table("approval_waits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_approval_waits_started_at"))
        batch_op.drop_index(batch_op.f("ix_approval_waits_kind"))
        batch_op.drop_index(batch_op.f("ix_approval_waits_deadline_at"))

    op.drop_table("approval_waits")
    with op.batch_alter_table("approval_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_approval_decisions_request_id"))
        batch_op.drop_index("ix_approval_decisions_decided_by_id_decided_at")

    op.drop_table("approval_decisions")
    with op.batch_alter_table("pool_memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pool_memberships_pool"))

    op.drop_table("pool_memberships")
    op.drop_table("approver_settings")
    with op.batch_alter_table("approval_digest_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_approval_digest_items_person_id"))

    op.drop_table("approval_digest_items")
    with op.batch_alter_table("approval_delegations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_approval_delegations_person_id"))
        batch_op.drop_index("ix_approval_delegations_delegate_id_dates")

    op.drop_table("approval_delegations")
