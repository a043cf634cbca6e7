"""webhook event ids unique per merchant

Revision ID: 0014
Revises: 0011
Created: 2026-12-02 10:00:00
"""

from alembic import op

revision = '0014'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.drop_constraint('uq_webhook_events_stripe_event_id', type_='unique')
        batch_op.create_unique_constraint(
            'uq_webhook_events_merchant_event', ['merchant_id', 'stripe_event_id']
        )


def downgrade() -> None:
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.drop_constraint('uq_webhook_events_merchant_event', type_='unique')
        batch_op.create_unique_constraint(
            'uq_webhook_events_stripe_event_id', ['stripe_event_id']
        )
