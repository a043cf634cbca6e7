"""quote schedule charges: a part's latest PaymentIntent and the saved method that failed it,
and the scheduler's test clock

Revision ID: 0023
Revises: 0022
Created: 2026-12-07 13:10:00

``quote_payment_parts.intent_id``: the PaymentIntent of the part's latest off-session charge;
``failed_method_id``: the saved method whose charge failed (the part is charged again once the
quote's saved method is another). ``test_clock``: one row a test suite moves the scheduler's
clock forward with (read only under ``KASSA_TEST_CLOCK``, which production refuses).
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quote_payment_parts") as batch_op:
        batch_op.add_column(
            sa.Column("intent_id", sa.String(length=255), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("failed_method_id", sa.String(length=255), nullable=False, server_default="")
        )
    op.create_table(
        "test_clock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offset_seconds", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("test_clock")
    with op.batch_alter_table("quote_payment_parts") as batch_op:
        batch_op.drop_column("failed_method_id")
        batch_op.drop_column("intent_id")
