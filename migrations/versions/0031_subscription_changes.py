"""a merchant's edits of a subscription: its change counter, an amount carried to the next
period's invoice, and the period its schedule is counted from

Revision ID: 0031
Revises: 0030
Created: 2026-12-07 20:00:00

``subscriptions.change_count``: raised by one guarded UPDATE per change of lines, so two tabs
posting the same change make one (and the proration charge's idempotency key is
``subscription:<id>:change:<n>``).

``subscriptions.carried_amount``: minor units the next period's invoice takes: negative a
credit left by a prorated decrease, positive a prorated increase too small to charge alone.

``subscriptions.anchor_period``: period ``n`` starts on the recurrence's date
``n - anchor_period`` from ``anchor_on`` (moving the next charge date re-anchors there).
"""

import sqlalchemy as sa
from alembic import op

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None

COLUMNS = ('change_count', 'carried_amount', 'anchor_period')


def upgrade() -> None:
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
