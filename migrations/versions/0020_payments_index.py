"""payments back office: search columns and keyset indexes, refunds asked in the panel, disputes

Revision ID: 0020
Revises: 0019
Created: 2026-12-07 05:06:57.742070

The panel's payments index sorts a merchant's payments by date or amount a keyset page at a
time, and searches the buyer's email and name, the document number, the last four digits and
Stripe's ids. Existing payments get their search columns filled in here: the folded email, name
and invoice number (``search_text``), and the last four digits of their method.

Refunds the merchant asks for in the panel (``refunds``), what they hold of a payment
(``payments.refund_reserved``), what of an invoice was refunded (``invoices.amount_refunded``,
zero for invoices before), the payment a received webhook event was about, and disputes as
Stripe last reported them.
"""

import json
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

BATCH = 1000


def _fold(text):
    return unicodedata.normalize("NFKC", text or "").casefold()


def _fill_search_columns() -> None:
    bind = op.get_bind()
    payments = sa.table(
        'payments',
        sa.column('id', sa.Integer),
        sa.column('merchant_id', sa.Integer),
        sa.column('buyer_email', sa.String),
        sa.column('buyer_name', sa.String),
        sa.column('document_type', sa.String),
        sa.column('document_id', sa.String),
        sa.column('method_details', sa.JSON),
        sa.column('document_number', sa.String),
        sa.column('last4', sa.String),
        sa.column('search_text', sa.Text),
    )
    invoices = sa.table(
        'invoices', sa.column('id', sa.Integer), sa.column('merchant_id', sa.Integer),
        sa.column('number', sa.String),
    )
    numbers = {
        (merchant, str(invoice)): number or ''
        for invoice, merchant, number in bind.execute(
            sa.select(invoices.c.id, invoices.c.merchant_id, invoices.c.number)
        )
    }
    last_id = 0
    while True:
        rows = bind.execute(
            sa.select(
                payments.c.id, payments.c.merchant_id, payments.c.buyer_email,
                payments.c.buyer_name, payments.c.document_type, payments.c.document_id,
                payments.c.method_details,
            ).where(payments.c.id > last_id).order_by(payments.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        for row in rows:
            details = row.method_details
            details = json.loads(details) if isinstance(details, str) else (details or {})
            number = numbers.get((row.merchant_id, row.document_id), '') if row.document_type == 'invoice' else ''
            last4 = details.get('last4')
            bind.execute(
                payments.update().where(payments.c.id == row.id).values(
                    document_number=number,
                    last4=str(last4)[-4:] if last4 else None,
                    search_text='\n'.join(_fold(part) for part in (row.buyer_email, row.buyer_name, number)),
                )
            )
        last_id = rows[-1].id


def upgrade() -> None:
    op.create_table('refunds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=False),
    sa.Column('stripe_refund_id', sa.String(length=255), nullable=True),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('status', sa.Enum('requested', 'pending', 'requires_action', 'succeeded', 'failed', 'canceled', name='refundstatus', native_enum=False, length=24), nullable=False),
    sa.Column('failure_reason', sa.String(length=64), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_refunds_merchant_id_merchants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_refunds_payment_id_payments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_refunds_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refunds')),
    sa.UniqueConstraint('merchant_id', 'request_id', name=op.f('uq_refunds_merchant_request'))
    )
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refunds_merchant_id'), ['merchant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refunds_payment_id'), ['payment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refunds_stripe_refund_id'), ['stripe_refund_id'], unique=False)

    op.create_table('disputes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('stripe_dispute_id', sa.String(length=255), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('reason', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('evidence_due_by', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_disputes_merchant_id_merchants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_disputes_payment_id_payments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disputes')),
    sa.UniqueConstraint('merchant_id', 'stripe_dispute_id', name='uq_disputes_merchant_dispute')
    )
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disputes_merchant_id'), ['merchant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_disputes_payment_id'), ['payment_id'], unique=False)

    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('document_number', sa.String(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('refund_reserved', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('last4', sa.String(length=4), nullable=True))
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=False, server_default=''))
        batch_op.create_index('ix_payments_merchant_amount', ['merchant_id', 'amount', 'id'], unique=False)
        batch_op.create_index('ix_payments_merchant_charge', ['merchant_id', 'latest_charge_id'], unique=False)
        batch_op.create_index('ix_payments_merchant_created', ['merchant_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_payments_merchant_last4', ['merchant_id', 'last4'], unique=False)

    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payment_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_webhook_events_payment_id'), ['payment_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_webhook_events_payment_id_payments'), 'payments', ['payment_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('amount_refunded', sa.Integer(), nullable=False, server_default='0'))

    _fill_search_columns()


def downgrade() -> None:
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_column('amount_refunded')

    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_webhook_events_payment_id_payments'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_webhook_events_payment_id'))
        batch_op.drop_column('payment_id')

    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index('ix_payments_merchant_last4')
        batch_op.drop_index('ix_payments_merchant_created')
        batch_op.drop_index('ix_payments_merchant_charge')
        batch_op.drop_index('ix_payments_merchant_amount')
        batch_op.drop_column('search_text')
        batch_op.drop_column('last4')
        batch_op.drop_column('refund_reserved')
        batch_op.drop_column('document_number')

    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disputes_payment_id'))
        batch_op.drop_index(batch_op.f('ix_disputes_merchant_id'))

    op.drop_table('disputes')

    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refunds_stripe_refund_id'))
        batch_op.drop_index(batch_op.f('ix_refunds_payment_id'))
        batch_op.drop_index(batch_op.f('ix_refunds_merchant_id'))

    op.drop_table('refunds')

