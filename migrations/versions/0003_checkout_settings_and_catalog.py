"""checkout settings and catalog

Revision ID: 0003
Revises: 0002
Created: 2026-11-24 11:47:27.296841
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('account_currencies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_account_currencies_merchant_id_merchants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_currencies')),
    sa.UniqueConstraint('merchant_id', 'currency', name=op.f('uq_account_currencies_merchant_id'))
    )
    with op.batch_alter_table('account_currencies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_currencies_merchant_id'), ['merchant_id'], unique=False)

    op.create_table('checkout_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_methods', sa.JSON(), nullable=False),
    sa.Column('save_payment_methods', sa.Boolean(), nullable=False),
    sa.Column('billing_address', sa.Enum('off', 'optional', 'required', name='collect', native_enum=False, length=16), nullable=False),
    sa.Column('shipping_address', sa.Enum('off', 'optional', 'required', name='collect', native_enum=False, length=16), nullable=False),
    sa.Column('phone', sa.Enum('off', 'optional', 'required', name='collect', native_enum=False, length=16), nullable=False),
    sa.Column('require_policy_consent', sa.Boolean(), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('logo_filename', sa.String(length=64), nullable=True),
    sa.Column('accent_color', sa.String(length=7), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_checkout_settings_merchant_id_merchants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkout_settings')),
    sa.UniqueConstraint('merchant_id', name=op.f('uq_checkout_settings_merchant_id'))
    )
    with op.batch_alter_table('checkout_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkout_settings_merchant_id'), ['merchant_id'], unique=False)

    op.create_table('custom_fields',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('text', 'number', 'dropdown', name='customfieldkind', native_enum=False, length=16), nullable=False),
    sa.Column('labels', sa.JSON(), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_custom_fields_merchant_id_merchants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_custom_fields'))
    )
    with op.batch_alter_table('custom_fields', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_custom_fields_merchant_id'), ['merchant_id'], unique=False)

    op.create_table('discounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('percent_bps', sa.Integer(), nullable=True),
    sa.Column('amount', sa.Integer(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('max_redemptions', sa.Integer(), nullable=True),
    sa.Column('redemption_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_discounts_merchant_id_merchants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discounts')),
    sa.UniqueConstraint('merchant_id', 'code', name=op.f('uq_discounts_merchant_id'))
    )
    with op.batch_alter_table('discounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discounts_merchant_id'), ['merchant_id'], unique=False)

    op.create_table('fees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('method', sa.Enum('card', 'sepa_debit', 'us_bank_account', 'bacs_debit', name='paymentmethod', native_enum=False, length=24), nullable=False),
    sa.Column('fixed_amount', sa.Integer(), nullable=True),
    sa.Column('fixed_currency', sa.String(length=3), nullable=True),
    sa.Column('percent_bps', sa.Integer(), nullable=True),
    sa.Column('gross_up', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_fees_merchant_id_merchants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fees'))
    )
    with op.batch_alter_table('fees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fees_merchant_id'), ['merchant_id'], unique=False)

    op.create_table('policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('terms', 'refund', 'cancellation', name='policykind', native_enum=False, length=16), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_policies_merchant_id_merchants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policies')),
    sa.UniqueConstraint('merchant_id', 'kind', 'locale', name=op.f('uq_policies_merchant_id'))
    )
    with op.batch_alter_table('policies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policies_merchant_id'), ['merchant_id'], unique=False)

    op.create_table('tax_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('percent_bps', sa.Integer(), nullable=False),
    sa.Column('inclusive', sa.Boolean(), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_tax_rates_merchant_id_merchants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tax_rates'))
    )
    with op.batch_alter_table('tax_rates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tax_rates_merchant_id'), ['merchant_id'], unique=False)

    op.create_table('products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('image_filename', sa.String(length=64), nullable=True),
    sa.Column('interval', sa.Enum('week', 'month', 'quarter', 'year', name='billinginterval', native_enum=False, length=16), nullable=True),
    sa.Column('interval_count', sa.Integer(), nullable=False),
    sa.Column('first_charge_on', sa.Date(), nullable=True),
    sa.Column('trial_days', sa.Integer(), nullable=True),
    sa.Column('tax_rate_id', sa.Integer(), nullable=True),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_products_merchant_id_merchants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tax_rate_id'], ['tax_rates.id'], name=op.f('fk_products_tax_rate_id_tax_rates'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products'))
    )
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_products_merchant_id'), ['merchant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_products_tax_rate_id'), ['tax_rate_id'], unique=False)

    op.create_table('prices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('unit_amount', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_prices_merchant_id_merchants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_prices_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prices')),
    sa.UniqueConstraint('product_id', 'currency', name=op.f('uq_prices_product_id'))
    )
    with op.batch_alter_table('prices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prices_merchant_id'), ['merchant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_prices_product_id'), ['product_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('prices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prices_product_id'))
        batch_op.drop_index(batch_op.f('ix_prices_merchant_id'))

    op.drop_table('prices')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_products_tax_rate_id'))
        batch_op.drop_index(batch_op.f('ix_products_merchant_id'))

    op.drop_table('products')
    with op.batch_alter_table('tax_rates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tax_rates_merchant_id'))

    op.drop_table('tax_rates')
    with op.batch_alter_table('policies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policies_merchant_id'))

    op.drop_table('policies')
    with op.batch_alter_table('fees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fees_merchant_id'))

    op.drop_table('fees')
    with op.batch_alter_table('discounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discounts_merchant_id'))

    op.drop_table('discounts')
    with op.batch_alter_table('custom_fields', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_custom_fields_merchant_id'))

    op.drop_table('custom_fields')
    with op.batch_alter_table('checkout_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkout_settings_merchant_id'))

    op.drop_table('checkout_settings')
    with op.batch_alter_table('account_currencies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_currencies_merchant_id'))

    op.drop_table('account_currencies')
