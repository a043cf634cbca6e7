"""webhook health: why an event's handling failed, how long it took, when it was replayed; and
per merchant the deliveries refused for their signature and reconciliation's last run

Revision ID: 0022
Revises: 0021
Created: 2026-12-07 13:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error', sa.String(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('handling_ms', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('replayed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_webhook_events_merchant_received', ['merchant_id', 'received_at'])
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.alter_column('error', server_default=None)
    op.create_table('webhook_health',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('signature_failures', sa.Integer(), nullable=False),
    sa.Column('last_signature_failure_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reconciled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_reconcile_read', sa.Integer(), nullable=False),
    sa.Column('last_reconcile_recovered', sa.Integer(), nullable=False),
    sa.Column('recovered_total', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_webhook_health_merchant_id_merchants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_health')),
    sa.UniqueConstraint('merchant_id', name='uq_webhook_health_merchant')
    )
    with op.batch_alter_table('webhook_health', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_health_merchant_id'), ['merchant_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('webhook_health', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_health_merchant_id'))
    op.drop_table('webhook_health')
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_events_merchant_received')
        batch_op.drop_column('replayed_at')
        batch_op.drop_column('handling_ms')
        batch_op.drop_column('error')
