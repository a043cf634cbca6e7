"""payment links

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



def downgrade() -> None:
    with op.batch_alter_table('payment_link_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_link_lines_product_id'))
        batch_op.drop_index(batch_op.f('ix_payment_link_lines_merchant_id'))
        batch_op.drop_index(batch_op.f('ix_payment_link_lines_link_id'))

    op.drop_table('payment_link_lines')
    with op.batch_alter_table('payment_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_links_merchant_id'))

    op.drop_table('payment_links')
