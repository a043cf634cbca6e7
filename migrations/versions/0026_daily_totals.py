"""daily totals: each merchant's counted payments summed per UTC day, for the revenue report

Revision ID: 0026
Revises: 0025
Created: 2026-12-07 13:30:00

``daily_totals``: per merchant, day (the payment's creation, UTC), currency, method, document
type and the currency Stripe settled in, the number of payments Stripe took the money of
(succeeded, partially or wholly refunded, disputed) and their gross, fees, refunds, disputed
amounts and Stripe's nets. ``daily_availability``: per merchant, day, available-on day and
settlement currency, the nets Stripe expects then. Kept by the recording path from here on;
filled now from the payments (``payments.totals.rebuild_daily_totals`` does the same later).
"""

import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

COUNTED = "('succeeded', 'partially_refunded', 'refunded', 'disputed')"


def _day() -> str:
    """The UTC day of ``created_at``, as each database spells it."""
    if op.get_bind().dialect.name == "postgresql":
        return "CAST((created_at AT TIME ZONE 'UTC') AS DATE)"
    return "date(created_at)"


def _backfill() -> None:
    day, settled_in = _day(), "COALESCE(settlement_currency, currency)"
    op.execute(
        "INSERT INTO daily_totals (merchant_id, day, currency, method_type, document_type, "
        "settled_in, payments, gross, fee, refunded, disputed, net) "
        f"SELECT merchant_id, {day}, currency, method_type, document_type, {settled_in}, "
        "COUNT(*), SUM(amount), SUM(COALESCE(fee, 0)), SUM(amount_refunded), "
        "SUM(CASE WHEN status = 'disputed' THEN amount - amount_refunded ELSE 0 END), "
        f"SUM(COALESCE(net, 0)) FROM payments WHERE status IN {COUNTED} "
        f"GROUP BY merchant_id, {day}, currency, method_type, document_type, {settled_in}"
    )
    op.execute(
        "INSERT INTO daily_availability (merchant_id, day, available_on, settled_in, payments, "
        f"net) SELECT merchant_id, {day}, available_on, {settled_in}, COUNT(*), SUM(net) "
        f"FROM payments WHERE status IN {COUNTED} AND available_on IS NOT NULL "
        f"AND net IS NOT NULL GROUP BY merchant_id, {day}, available_on, {settled_in}"
    )


def upgrade() -> None:
    op.create_table('daily_totals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('method_type', sa.String(length=32), nullable=False),
    sa.Column('document_type', sa.String(length=32), nullable=False),
    sa.Column('settled_in', sa.String(length=3), nullable=False),
    sa.Column('payments', sa.Integer(), nullable=False),
    sa.Column('gross', sa.BigInteger(), nullable=False),
    sa.Column('fee', sa.BigInteger(), nullable=False),
    sa.Column('refunded', sa.BigInteger(), nullable=False),
    sa.Column('disputed', sa.BigInteger(), nullable=False),
    sa.Column('net', sa.BigInteger(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_daily_totals_merchant_id_merchants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_daily_totals')),
    sa.UniqueConstraint('merchant_id', 'day', 'currency', 'method_type', 'document_type', 'settled_in', name='uq_daily_totals_key')
    )
    with op.batch_alter_table('daily_totals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_daily_totals_merchant_id'), ['merchant_id'], unique=False)

    op.create_table('daily_availability',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('available_on', sa.Date(), nullable=False),
    sa.Column('settled_in', sa.String(length=3), nullable=False),
    sa.Column('payments', sa.Integer(), nullable=False),
    sa.Column('net', sa.BigInteger(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_daily_availability_merchant_id_merchants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_daily_availability')),
    sa.UniqueConstraint('merchant_id', 'day', 'available_on', 'settled_in', name='uq_daily_availability_key')
    )
    with op.batch_alter_table('daily_availability', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_daily_availability_merchant_id'), ['merchant_id'], unique=False)

    _backfill()


def downgrade() -> None:
    with op.batch_alter_table('daily_availability', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_daily_availability_merchant_id'))

    op.drop_table('daily_availability')
    with op.batch_alter_table('daily_totals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_daily_totals_merchant_id'))

    op.drop_table('daily_totals')
