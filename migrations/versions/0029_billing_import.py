"""billing import: moving subscriptions over from Stripe Billing

Revision ID: 0029
Revises: 0028
Created: 2026-12-07 17:00:00

``billing_import_runs``: a dry run or an import, run in the background, with its progress.
``billing_import_results``: what a run found of each Stripe subscription (unique per run):
whether it can move or moved, its reasons or error. ``billing_import_moves``: one row per
Stripe subscription moved (unique per account and subscription), with the Kassa subscription
and when Stripe was told to end it. ``billing_import_prices``: the Kassa product made for each
Stripe price (unique per account and price).
"""

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def _merchant() -> sa.Column:
    return sa.Column(
        "merchant_id",
        sa.Integer(),
        sa.ForeignKey("merchants.id", ondelete="CASCADE"),
        nullable=False,
    )


def _enum(name: str, values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=16)


def upgrade() -> None:
    op.create_table(
        "billing_import_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        _merchant(),
        sa.Column("kind", _enum("runkind", ("dry_run", "import")), nullable=False),
        sa.Column(
            "status", _enum("runstatus", ("queued", "running", "done", "failed")), nullable=False
        ),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_billing_import_runs_merchant_id", "billing_import_runs", ["merchant_id"])
    op.create_table(
        "billing_import_results",
        sa.Column("id", sa.Integer(), nullable=False),
        _merchant(),
        sa.Column(
            "run_id",
            sa.Integer(),
            sa.ForeignKey("billing_import_runs.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("stripe_subscription_id", sa.String(255), nullable=False),
        sa.Column("customer_email", sa.String(254), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("period_amount", sa.Integer(), nullable=True),
        sa.Column("interval", sa.String(16), nullable=False),
        sa.Column("interval_count", sa.Integer(), nullable=False),
        sa.Column(
            "outcome",
            _enum("outcome", ("eligible", "refused", "moved", "already_moved", "failed")),
            nullable=False,
        ),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column(
            "subscription_id",
            sa.Integer(),
            sa.ForeignKey("subscriptions.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "stripe_subscription_id"),
    )
    for name in ("merchant_id", "run_id"):
        op.create_index(f"ix_billing_import_results_{name}", "billing_import_results", [name])
    op.create_table(
        "billing_import_moves",
        sa.Column("id", sa.Integer(), nullable=False),
        _merchant(),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("stripe_subscription_id", sa.String(255), nullable=False),
        sa.Column(
            "subscription_id",
            sa.Integer(),
            sa.ForeignKey("subscriptions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("stripe_ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "stripe_subscription_id"),
    )
    for name in ("merchant_id", "subscription_id"):
        op.create_index(f"ix_billing_import_moves_{name}", "billing_import_moves", [name])
    op.create_table(
        "billing_import_prices",
        sa.Column("id", sa.Integer(), nullable=False),
        _merchant(),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("stripe_price_id", sa.String(255), nullable=False),
        sa.Column(
            "product_id",
            sa.Integer(),
            sa.ForeignKey("products.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "stripe_price_id"),
    )
    op.create_index(
        "ix_billing_import_prices_merchant_id", "billing_import_prices", ["merchant_id"]
    )


def downgrade() -> None:
    for name in (
        "billing_import_prices",
        "billing_import_moves",
        "billing_import_results",
        "billing_import_runs",
    ):
        op.drop_table(name)
