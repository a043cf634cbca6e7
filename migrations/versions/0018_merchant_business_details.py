"""the merchant's business details that invoices show

Revision ID: 0018
Revises: 0017
Created: 2026-12-07 03:50:37.957014

Legal name, address (the checkout's shape), VAT and company numbers and an invoice contact
email: the seller block of invoices. Existing merchants start with them empty.
"""

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('merchants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_name', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('business_address', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('vat_number', sa.String(length=20), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('company_number', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('invoice_email', sa.String(length=254), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('merchants', schema=None) as batch_op:
        batch_op.drop_column('invoice_email')
        batch_op.drop_column('company_number')
        batch_op.drop_column('vat_number')
        batch_op.drop_column('business_address')
        batch_op.drop_column('legal_name')
