"""checkout state version

Revision ID: 0032
Revises: 0031
Created: 2026-12-07 20:00:00

``checkout_sessions.state_version``: raised by every UPDATE of the row (the column's
``onupdate``), so a page rendered for the checkout can be kept under the version it shows and is
never served for a newer one (``app.checkout.page_keys``).
"""

import sqlalchemy as sa
from alembic import op

revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('checkout_sessions') as batch:
        batch.add_column(sa.Column('state_version', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('checkout_sessions') as batch:
        batch.drop_column('state_version')
