"""payment links and checkout sessions

Revision ID: 0005
Revises: 0004
Created: 2026-11-24 12:53:47.418739
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('payment_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('payment_methods', sa.JSON(), nullable=True),
    sa.Column('billing_address', sa.Enum('off', 'optional', 'required', name='collect', native_enum=False, length=16), nullable=True),
    sa.Column('shipping_address', sa.Enum('off', 'optional', 'required', name='collect', native_enum=False, length=16), nullable=True),
    sa.Column('phone', sa.Enum('off', 'optional', 'required', name='collect', native_enum=False, length=16), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('redirect_url', sa.String(length=2000), nullable=False),
    sa.Column('payment_limit', sa.Integer(), nullable=True),
    sa.Column('last_day', sa.Date(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_payment_links_merchant_id_merchants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_links')),
    sa.UniqueConstraint('slug', name=op.f('uq_payment_links_slug'))
    )
    with op.batch_alter_table('payment_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_links_merchant_id'), ['merchant_id'], unique=False)

    op.create_table('payment_link_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('unit_amount', sa.Integer(), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('adjustable_quantity', sa.Boolean(), nullable=False),
    sa.Column('min_quantity', sa.Integer(), nullable=False),
    sa.Column('max_quantity', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['link_id'], ['payment_links.id'], name=op.f('fk_payment_link_lines_link_id_payment_links'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_payment_link_lines_merchant_id_merchants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_payment_link_lines_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_link_lines'))
    )
    with op.batch_alter_table('payment_link_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_link_lines_link_id'), ['link_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_link_lines_merchant_id'), ['merchant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_link_lines_product_id'), ['product_id'], unique=False)
    op.create_table('checkout_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('document_type', sa.String(length=32), nullable=False),
    sa.Column('document_id', sa.String(length=64), nullable=False),
    sa.Column('quantities', sa.JSON(), nullable=False),
    sa.Column('discount_code', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('billing_address', sa.JSON(), nullable=True),
    sa.Column('shipping_address', sa.JSON(), nullable=True),
    sa.Column('custom_answers', sa.JSON(), nullable=False),
    sa.Column('consented', sa.Boolean(), nullable=False),
    sa.Column('method', sa.String(length=24), nullable=True),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('payment_intent_id', sa.String(length=255), nullable=True),
    sa.Column('intent_version', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('open', 'processing', 'paid', name='checkoutstatus', native_enum=False, length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_checkout_sessions_merchant_id_merchants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkout_sessions')),
    sa.UniqueConstraint('token', name=op.f('uq_checkout_sessions_token'))
    )
    with op.batch_alter_table('checkout_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkout_sessions_merchant_id'), ['merchant_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('checkout_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkout_sessions_merchant_id'))

    op.drop_table('checkout_sessions')
    with op.batch_alter_table('payment_link_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_link_lines_product_id'))
        batch_op.drop_index(batch_op.f('ix_payment_link_lines_merchant_id'))
        batch_op.drop_index(batch_op.f('ix_payment_link_lines_link_id'))

    op.drop_table('payment_link_lines')
    with op.batch_alter_table('payment_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_links_merchant_id'))

    op.drop_table('payment_links')
