"""a merchant's edits of a subscription: its change counter, an amount carried to the next
period's invoice, and the period its schedule is counted from

Revision ID: 0033
Revises: 0032
Created: 2026-12-07 20:00:00

``subscriptions.change_count``: raised by one guarded UPDATE per change of lines, so two tabs
posting the same change make one (and the proration charge's idempotency key is
``subscription:<id>:change:<n>``).

``subscriptions.carried_amount``: minor units the next period's invoice takes: negative a
credit left by a prorated decrease, positive a prorated increase too small to charge alone.

``subscription_changes``: the charge of a prorated change (its invoice, status, intent), asked
again under its key when Stripe gave no answer.

``subscriptions.anchor_period``: period ``n`` starts on the recurrence's date
``n - anchor_period`` from ``anchor_on`` (moving the next charge date re-anchors there).
"""

import sqlalchemy as sa
from alembic import op

revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None

COLUMNS = ('change_count', 'carried_amount', 'anchor_period')


def upgrade() -> None:
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default='0'))

    op.create_table('subscription_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('charging', 'charged', 'failed', name='changechargestatus', native_enum=False, length=16), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('intent_id', sa.String(length=255), nullable=False),
    sa.Column('failure_code', sa.String(length=64), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_subscription_changes_invoice_id_invoices'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_subscription_changes_merchant_id_merchants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], name=op.f('fk_subscription_changes_subscription_id_subscriptions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscription_changes')),
    sa.UniqueConstraint('subscription_id', 'number', name=op.f('uq_subscription_changes_subscription_id'))
    )
    with op.batch_alter_table('subscription_changes', schema=None) as batch_op:
        for column in ('invoice_id', 'merchant_id', 'status', 'subscription_id'):
            batch_op.create_index(batch_op.f(f'ix_subscription_changes_{column}'), [column], unique=False)


def downgrade() -> None:
    op.drop_table('subscription_changes')
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
