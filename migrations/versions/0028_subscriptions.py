"""subscriptions: Kassa's own subscriptions, their lines, each period's charge, the
merchant's billing settings, the emails sent about them and their event log

Revision ID: 0028
Revises: 0026
Created: 2026-12-07 16:50:00

``subscriptions``: customer, currency, interval and count, the anchor periods are counted
from, the current and next period, the amount each period charges (taxes, fee), the saved
method (safe details) and its Stripe customer, billing address, notice settings and status
with who, when and why (unique per merchant by where it came from). ``subscription_lines``:
what each period charges. ``subscription_periods``: one row per period (unique by number),
the unit a billing run claims. ``subscription_settings``: dunning plans, reminders, notices.
``subscription_deliveries``: each email at most once. ``subscription_events``: append-only.
``checkout_sessions.setup_intent_id``: the SetupIntent a checkout with nothing due now but
later charges (a trial) saves the buyer's method with.
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0026"
branch_labels = None
depends_on = None


def _merchant() -> sa.Column:
    return sa.Column(
        "merchant_id",
        sa.Integer(),
        sa.ForeignKey("merchants.id", ondelete="CASCADE"),
        nullable=False,
    )


def _subscription() -> sa.Column:
    return sa.Column(
        "subscription_id",
        sa.Integer(),
        sa.ForeignKey("subscriptions.id", ondelete="CASCADE"),
        nullable=False,
    )


def _stamp(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _enum(name: str, values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=16)


STATUSES = ("scheduled", "active", "past_due", "paused", "canceled", "expired")
SOURCES = ("checkout", "quote", "import")
PERIOD_STATUSES = (
    "scheduled",
    "notified",
    "processing",
    "paid",
    "failed",
    "uncollectible",
    "skipped",
)
DELIVERY_KINDS = (
    "started",
    "reminder",
    "notice",
    "receipt",
    "payment_failed",
    "new_method",
    "canceled",
)


def upgrade() -> None:
    with op.batch_alter_table("checkout_sessions") as batch_op:
        batch_op.add_column(
            sa.Column("setup_intent_id", sa.String(length=255), nullable=False, server_default="")
        )
    op.create_table(
        "subscription_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        _merchant(),
        sa.Column("card_retry_days", sa.JSON(), nullable=False),
        sa.Column("retry_bank_debits", sa.Boolean(), nullable=False),
        sa.Column("after_last_try", _enum("afterlasttry", ("cancel", "past_due")), nullable=False),
        sa.Column("reminder_days", sa.JSON(), nullable=False),
        sa.Column("notice_days", sa.JSON(), nullable=False),
        sa.Column("customers_may_cancel", sa.Boolean(), nullable=False),
        sa.Column("customers_may_pause", sa.Boolean(), nullable=False),
        _stamp("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("merchant_id"),
    )
    op.create_index(
        "ix_subscription_settings_merchant_id", "subscription_settings", ["merchant_id"]
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        _merchant(),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("status", _enum("subscriptionstatus", STATUSES), nullable=False),
        sa.Column("source", _enum("subscriptionsource", SOURCES), nullable=False),
        sa.Column("source_reference", sa.String(length=120), nullable=False),
        sa.Column(
            "checkout_id",
            sa.Integer(),
            sa.ForeignKey("checkout_sessions.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("interval", sa.String(length=16), nullable=False),
        sa.Column("interval_count", sa.Integer(), nullable=False),
        sa.Column("anchor_on", sa.Date(), nullable=False),
        sa.Column("max_periods", sa.Integer(), nullable=True),
        sa.Column("current_period", sa.Integer(), nullable=True),
        sa.Column("current_period_start", sa.Date(), nullable=True),
        sa.Column("current_period_end", sa.Date(), nullable=True),
        sa.Column("next_period", sa.Integer(), nullable=False),
        sa.Column("next_charge_on", sa.Date(), nullable=True),
        sa.Column("period_amount", sa.Integer(), nullable=False),
        sa.Column("tax_amount", sa.Integer(), nullable=False),
        sa.Column("taxes", sa.JSON(), nullable=False),
        sa.Column("fee_amount", sa.Integer(), nullable=False),
        sa.Column("fee_name", sa.String(length=120), nullable=False),
        sa.Column("payment_method_id", sa.String(length=255), nullable=False),
        sa.Column("payment_method_type", sa.String(length=32), nullable=False),
        sa.Column("payment_method_details", sa.JSON(), nullable=False),
        sa.Column("processor_customer_id", sa.String(length=255), nullable=False),
        sa.Column("setup_intent_id", sa.String(length=255), nullable=False),
        sa.Column("needs_new_method", sa.Boolean(), nullable=False),
        sa.Column("billing_address", sa.JSON(), nullable=False),
        sa.Column("reminder_days", sa.Integer(), nullable=True),
        sa.Column("notice_days", sa.Integer(), nullable=True),
        _stamp("started_at"),
        _stamp("past_due_since"),
        _stamp("paused_at"),
        sa.Column("paused_until", sa.Date(), nullable=True),
        sa.Column("paused_by_id", sa.Integer(), nullable=True),
        sa.Column("cancel_at_period_end", sa.Boolean(), nullable=False),
        _stamp("canceled_at"),
        sa.Column("canceled_by_id", sa.Integer(), nullable=True),
        sa.Column("canceled_by", sa.String(length=16), nullable=False),
        sa.Column("cancel_reason", sa.Text(), nullable=False),
        _stamp("ended_at"),
        _stamp("created_at", nullable=False),
        _stamp("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("merchant_id", "source", "source_reference"),
    )
    for name in ("merchant_id", "customer_id", "status", "checkout_id", "next_charge_on"):
        op.create_index(f"ix_subscriptions_{name}", "subscriptions", [name])
    op.create_table(
        "subscription_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        _merchant(),
        _subscription(),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "product_id",
            sa.Integer(),
            sa.ForeignKey("products.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_amount", sa.Integer(), nullable=False),
        sa.Column("tax_rate_ids", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for name in ("merchant_id", "subscription_id", "product_id"):
        op.create_index(f"ix_subscription_lines_{name}", "subscription_lines", [name])
    op.create_table(
        "subscription_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        _merchant(),
        _subscription(),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("status", _enum("periodstatus", PERIOD_STATUSES), nullable=False),
        sa.Column(
            "invoice_id",
            sa.Integer(),
            sa.ForeignKey("invoices.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column(
            "payment_id",
            sa.Integer(),
            sa.ForeignKey("payments.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("intent_id", sa.String(length=255), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("retry_on", sa.Date(), nullable=True),
        sa.Column("failed_method_id", sa.String(length=255), nullable=False),
        sa.Column("decline_code", sa.String(length=64), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        _stamp("notified_at"),
        _stamp("charged_at"),
        _stamp("paid_at"),
        _stamp("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subscription_id", "number"),
    )
    for name in (
        "merchant_id",
        "subscription_id",
        "due_on",
        "status",
        "invoice_id",
        "payment_id",
    ):
        op.create_index(f"ix_subscription_periods_{name}", "subscription_periods", [name])
    op.create_table(
        "subscription_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        _merchant(),
        _subscription(),
        sa.Column("kind", _enum("subscriptiondeliverykind", DELIVERY_KINDS), nullable=False),
        sa.Column("once_key", sa.String(length=40), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        _stamp("created_at", nullable=False),
        _stamp("sent_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subscription_id", "kind", "once_key"),
    )
    for name in ("merchant_id", "subscription_id"):
        op.create_index(f"ix_subscription_deliveries_{name}", "subscription_deliveries", [name])
    op.create_table(
        "subscription_events",
        sa.Column("id", sa.Integer(), nullable=False),
        _merchant(),
        _subscription(),
        sa.Column("kind", sa.String(length=48), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        _stamp("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for name in ("merchant_id", "subscription_id"):
        op.create_index(f"ix_subscription_events_{name}", "subscription_events", [name])


def downgrade() -> None:
    for name in (
        "subscription_events",
        "subscription_deliveries",
        "subscription_periods",
        "subscription_lines",
        "subscriptions",
        "subscription_settings",
    ):
        op.drop_table(name)
    with op.batch_alter_table("checkout_sessions") as batch_op:
        batch_op.drop_column("setup_intent_id")
