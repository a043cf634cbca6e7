"""processor connections

Revision ID: 0002
Revises: 0001
Created: 2026-11-24 11:43:07.239908
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('processor_connections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.String(length=64), nullable=False),
    sa.Column('livemode', sa.Boolean(), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('default_currency', sa.String(length=3), nullable=False),
    sa.Column('business_name', sa.String(length=200), nullable=False),
    sa.Column('capabilities', sa.JSON(), nullable=False),
    sa.Column('secret_key_encrypted', sa.Text(), nullable=False),
    sa.Column('secret_key_hint', sa.String(length=32), nullable=False),
    sa.Column('publishable_key', sa.String(length=255), nullable=False),
    sa.Column('webhook_endpoint_id', sa.String(length=64), nullable=False),
    sa.Column('webhook_secret_encrypted', sa.Text(), nullable=False),
    sa.Column('connected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('connected_by_id', sa.Integer(), nullable=True),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['connected_by_id'], ['users.id'], name=op.f('fk_processor_connections_connected_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_processor_connections_merchant_id_merchants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_processor_connections')),
    sa.UniqueConstraint('account_id', name=op.f('uq_processor_connections_account_id')),
    sa.UniqueConstraint('merchant_id', name='uq_processor_connections_merchant_id')
    )
    with op.batch_alter_table('processor_connections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_processor_connections_merchant_id'), ['merchant_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('processor_connections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_processor_connections_merchant_id'))

    op.drop_table('processor_connections')
