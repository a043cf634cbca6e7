"""storefront, listed products, categories and carts; what a cart's checkout quoted

Revision ID: 0007
Revises: 0006
Created: 2026-11-24 14:36:42.581216
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('storefronts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('titles', sa.JSON(), nullable=False),
    sa.Column('intros', sa.JSON(), nullable=False),
    sa.Column('hero_images', sa.JSON(), nullable=False),
    sa.Column('currency_switch', sa.Boolean(), nullable=False),
    sa.Column('payment_methods', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_storefronts_merchant_id_merchants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_storefronts')),
    sa.UniqueConstraint('merchant_id', name=op.f('uq_storefronts_merchant_id')),
    sa.UniqueConstraint('slug', name=op.f('uq_storefronts_slug'))
    )
    with op.batch_alter_table('storefronts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_storefronts_merchant_id'), ['merchant_id'], unique=False)

    op.create_table('carts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('storefront_id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('discount_code', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_carts_merchant_id_merchants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['storefront_id'], ['storefronts.id'], name=op.f('fk_carts_storefront_id_storefronts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_carts')),
    sa.UniqueConstraint('token', name=op.f('uq_carts_token'))
    )
    with op.batch_alter_table('carts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_carts_merchant_id'), ['merchant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_carts_storefront_id'), ['storefront_id'], unique=False)

    op.create_table('storefront_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('storefront_id', sa.Integer(), nullable=False),
    sa.Column('names', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_storefront_categories_merchant_id_merchants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['storefront_id'], ['storefronts.id'], name=op.f('fk_storefront_categories_storefront_id_storefronts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_storefront_categories'))
    )
    with op.batch_alter_table('storefront_categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_storefront_categories_merchant_id'), ['merchant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_storefront_categories_storefront_id'), ['storefront_id'], unique=False)

    op.create_table('cart_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cart_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('product_name', sa.String(length=120), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cart_id'], ['carts.id'], name=op.f('fk_cart_lines_cart_id_carts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_cart_lines_merchant_id_merchants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_cart_lines_product_id_products'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cart_lines')),
    sa.UniqueConstraint('cart_id', 'product_id', name=op.f('uq_cart_lines_cart_id'))
    )
    with op.batch_alter_table('cart_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cart_lines_cart_id'), ['cart_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cart_lines_merchant_id'), ['merchant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cart_lines_product_id'), ['product_id'], unique=False)

    op.create_table('storefront_products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('storefront_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['storefront_categories.id'], name=op.f('fk_storefront_products_category_id_storefront_categories'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_storefront_products_merchant_id_merchants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_storefront_products_product_id_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['storefront_id'], ['storefronts.id'], name=op.f('fk_storefront_products_storefront_id_storefronts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_storefront_products')),
    sa.UniqueConstraint('storefront_id', 'product_id', name='uq_storefront_products_product'),
    sa.UniqueConstraint('storefront_id', 'slug', name='uq_storefront_products_slug')
    )
    with op.batch_alter_table('storefront_products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_storefront_products_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_storefront_products_merchant_id'), ['merchant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_storefront_products_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_storefront_products_storefront_id'), ['storefront_id'], unique=False)

    # A cart's checkout keeps what the buyer saw when it opened (currency, names, unit amounts).
    with op.batch_alter_table('checkout_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quoted', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('checkout_sessions', schema=None) as batch_op:
        batch_op.drop_column('quoted')
    with op.batch_alter_table('storefront_products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_storefront_products_storefront_id'))
        batch_op.drop_index(batch_op.f('ix_storefront_products_product_id'))
        batch_op.drop_index(batch_op.f('ix_storefront_products_merchant_id'))
        batch_op.drop_index(batch_op.f('ix_storefront_products_category_id'))

    op.drop_table('storefront_products')
    with op.batch_alter_table('cart_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cart_lines_product_id'))
        batch_op.drop_index(batch_op.f('ix_cart_lines_merchant_id'))
        batch_op.drop_index(batch_op.f('ix_cart_lines_cart_id'))

    op.drop_table('cart_lines')
    with op.batch_alter_table('storefront_categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_storefront_categories_storefront_id'))
        batch_op.drop_index(batch_op.f('ix_storefront_categories_merchant_id'))

    op.drop_table('storefront_categories')
    with op.batch_alter_table('carts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_carts_storefront_id'))
        batch_op.drop_index(batch_op.f('ix_carts_merchant_id'))

    op.drop_table('carts')
    with op.batch_alter_table('storefronts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_storefronts_merchant_id'))

    op.drop_table('storefronts')
