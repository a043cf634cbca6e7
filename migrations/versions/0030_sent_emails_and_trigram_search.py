"""sent-email log; trigram search indexes on PostgreSQL; customer portal links

Revision ID: 0030
Revises: 0029
Created: 2026-12-07 16:50:00

``sent_emails``: one row per email the SMTP server accepted about a payment and/or a document
(kind, recipient, subject, when, status), which the payment's page lists.

``portal_links``: one-time links to a customer's portal (token and visit kept as digests).

On PostgreSQL only: the ``pg_trgm`` extension and GIN trigram indexes on the folded search text
of payments and customers, which their ``LIKE '%term%'`` searches use. SQLite gets nothing.
"""

import sqlalchemy as sa
from alembic import op

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

TRIGRAM_INDEXES = (("ix_payments_search_trgm", "payments"), ("ix_customers_search_trgm", "customers"))


def _on_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_table('sent_emails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('document_type', sa.String(length=32), nullable=False),
    sa.Column('document_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=48), nullable=False),
    sa.Column('recipient', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('status', sa.Enum('sent', 'logged', name='sentstatus', native_enum=False, length=16), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_sent_emails_merchant_id_merchants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_sent_emails_payment_id_payments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sent_emails'))
    )
    with op.batch_alter_table('sent_emails', schema=None) as batch_op:
        batch_op.create_index('ix_sent_emails_payment', ['merchant_id', 'payment_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sent_emails_merchant_id'), ['merchant_id'], unique=False)

    op.create_table('portal_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('token_digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('visit_digest', sa.String(length=64), nullable=True),
    sa.Column('visit_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_portal_links_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_portal_links_merchant_id_merchants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_links')),
    sa.UniqueConstraint('token_digest', name=op.f('uq_portal_links_token_digest')),
    sa.UniqueConstraint('visit_digest', name=op.f('uq_portal_links_visit_digest'))
    )
    with op.batch_alter_table('portal_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_links_merchant_id'), ['merchant_id'], unique=False)

    if _on_postgresql():
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, table in TRIGRAM_INDEXES:
            op.create_index(name, table, ['search_text'], postgresql_using='gin',
                            postgresql_ops={'search_text': 'gin_trgm_ops'})


def downgrade() -> None:
    if _on_postgresql():
        for name, table in TRIGRAM_INDEXES:
            op.drop_index(name, table_name=table)
    with op.batch_alter_table('portal_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_links_merchant_id'))

    op.drop_table('portal_links')
    with op.batch_alter_table('sent_emails', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sent_emails_merchant_id'))
        batch_op.drop_index('ix_sent_emails_payment')

    op.drop_table('sent_emails')
