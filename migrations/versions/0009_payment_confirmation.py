"""Confirming payments against what was priced: the checkout's priced amounts, a payment's
rejection, a link's claimed payments, and the installation id in idempotency keys

Revision ID: 0009
Revises: 0008
Created: 2026-12-06 21:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

PAID = ("succeeded", "partially_refunded", "refunded", "disputed")


def upgrade() -> None:
    with op.batch_alter_table("checkout_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priced", sa.JSON(), nullable=True))
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rejection", sa.String(length=32), nullable=True))
    with op.batch_alter_table("payment_links", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("paid_count", sa.Integer(), nullable=False, server_default="0")
        )
    op.create_table(
        "installations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("installation_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_installations")),
    )
    # A link's limit counts the payments it accepted: the paid ones, never a refunded duplicate.
    paid = ", ".join(f"'{status}'" for status in PAID)
    op.execute(
        "UPDATE payment_links SET paid_count = (SELECT count(*) FROM payments "
        "WHERE payments.merchant_id = payment_links.merchant_id "
        "AND payments.document_type = 'payment_link' "
        "AND payments.document_id = CAST(payment_links.id AS VARCHAR(64)) "
        f"AND payments.status IN ({paid}) AND payments.duplicate_of_id IS NULL)"
    )


def downgrade() -> None:
    op.drop_table("installations")
    with op.batch_alter_table("payment_links", schema=None) as batch_op:
        batch_op.drop_column("paid_count")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_column("rejection")
    with op.batch_alter_table("checkout_sessions", schema=None) as batch_op:
        batch_op.drop_column("priced")
