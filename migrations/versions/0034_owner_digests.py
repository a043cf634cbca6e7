"""the owners' daily email of failed renewals: one row per merchant and day, and an index to
read a day's failed charges

Revision ID: 0034
Revises: 0033
Created: 2026-12-08 03:15:00

``subscription_owner_digests``: inserted before the email is sent, unique per merchant and
day, so a digest goes once however often the task runs.

``ix_subscription_events_kind_created_at``: the digest reads one day's ``payment_failed``
events of every merchant.
"""

import sqlalchemy as sa
from alembic import op

revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('subscription_owner_digests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_subscription_owner_digests_merchant_id_merchants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscription_owner_digests')),
    sa.UniqueConstraint('merchant_id', 'day', name=op.f('uq_subscription_owner_digests_merchant_id'))
    )
    with op.batch_alter_table('subscription_owner_digests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscription_owner_digests_merchant_id'), ['merchant_id'], unique=False)
    with op.batch_alter_table('subscription_events', schema=None) as batch_op:
        batch_op.create_index('ix_subscription_events_kind_created_at', ['kind', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('subscription_events', schema=None) as batch_op:
        batch_op.drop_index('ix_subscription_events_kind_created_at')
    with op.batch_alter_table('subscription_owner_digests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscription_owner_digests_merchant_id'))
    op.drop_table('subscription_owner_digests')
