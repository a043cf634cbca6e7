"""reports and exports: when each payment's money is available, the CSV format, background
exports, and the indexes the payments index, the reports and the exports read by

Revision ID: 0021
Revises: 0020
Created: 2026-12-07 05:28:28.164915

``payments.available_on``: the day Stripe expects the charge's net in the available balance
(its balance transaction's ``available_on``), for matching payouts; existing payments get it
when they are next read from Stripe. ``export_settings``: a merchant's CSV separator and
decimal mark. ``export_jobs``: exports written in the background, their progress and the
expiry of their download link. Indexes: a merchant's payments by method and currency over a
range (by creation alone: 0020), a merchant's payment events by kind (refunds), and the
duplicates of a payment (deleting payments looked each up in the whole table).
"""

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('export_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.Enum('payments', 'invoices', 'customers', name='exportkind', native_enum=False, length=16), nullable=False),
    sa.Column('filters', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', 'expired', name='exportstatus', native_enum=False, length=16), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_written', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=64), nullable=False),
    sa.Column('error', sa.String(length=1000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_export_jobs_merchant_id_merchants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_jobs'))
    )
    with op.batch_alter_table('export_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_export_jobs_merchant_id'), ['merchant_id'], unique=False)

    op.create_table('export_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delimiter', sa.String(length=1), nullable=False),
    sa.Column('decimal_comma', sa.Boolean(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_export_settings_merchant_id_merchants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_settings')),
    sa.UniqueConstraint('merchant_id', name=op.f('uq_export_settings_merchant_id'))
    )
    with op.batch_alter_table('export_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_export_settings_merchant_id'), ['merchant_id'], unique=False)

    with op.batch_alter_table('payment_events', schema=None) as batch_op:
        batch_op.create_index('ix_payment_events_merchant_kind', ['merchant_id', 'kind'], unique=False)

    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('available_on', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_payments_duplicate_of_id'), ['duplicate_of_id'], unique=False)
        batch_op.create_index('ix_payments_merchant_method_currency_created', ['merchant_id', 'method_type', 'currency', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index('ix_payments_merchant_method_currency_created')
        batch_op.drop_index(batch_op.f('ix_payments_duplicate_of_id'))
        batch_op.drop_column('available_on')

    with op.batch_alter_table('payment_events', schema=None) as batch_op:
        batch_op.drop_index('ix_payment_events_merchant_kind')

    with op.batch_alter_table('export_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_export_settings_merchant_id'))

    op.drop_table('export_settings')
    with op.batch_alter_table('export_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_export_jobs_merchant_id'))

    op.drop_table('export_jobs')
