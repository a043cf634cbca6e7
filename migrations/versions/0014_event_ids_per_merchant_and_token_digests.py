"""webhook event ids unique per merchant; checkout and cart tokens kept as digests; checkouts
named by a public id; one open checkout per browser and document

Existing rows are upgraded: each checkout gets a public id (and its payments that reference,
instead of the token), the SHA-256 digest of its token and the token encrypted with the
checkout-token key (HKDF "kassa:checkout-tokens" of KASSA_SECRET_KEY, as ``app.core.crypto``
derives it; written out here so this revision never changes); each cart the digest of its token.
Buyers' addresses keep working. Downgrading cannot bring tokens back: checkouts and carts then
get new random tokens (their buyers' addresses stop working).

Revision ID: 0014
Revises: 0013
Created: 2026-12-02 10:00:00
"""

import base64
import hashlib
import secrets

import sqlalchemy as sa
from alembic import op
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

checkout_sessions = sa.table(
    'checkout_sessions',
    sa.column('id', sa.Integer),
    sa.column('merchant_id', sa.Integer),
    sa.column('token', sa.String),
    sa.column('public_id', sa.String),
    sa.column('token_digest', sa.String),
    sa.column('token_encrypted', sa.Text),
)
carts = sa.table(
    'carts', sa.column('id', sa.Integer), sa.column('token', sa.String),
    sa.column('token_digest', sa.String),
)
payments = sa.table(
    'payments', sa.column('merchant_id', sa.Integer), sa.column('checkout_reference', sa.String),
)


def _checkout_token_cipher() -> Fernet:
    secret_key = current_app.extensions['kassa_settings'].secret_key
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b'kassa:checkout-tokens'
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.drop_constraint('uq_webhook_events_stripe_event_id', type_='unique')
        batch_op.create_unique_constraint(
            'uq_webhook_events_merchant_event', ['merchant_id', 'stripe_event_id']
        )

    with op.batch_alter_table('checkout_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('token_digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('token_encrypted', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('browser_key', sa.String(length=64), nullable=True))
    connection = op.get_bind()
    cipher = _checkout_token_cipher()
    rows = connection.execute(
        sa.select(checkout_sessions.c.id, checkout_sessions.c.merchant_id, checkout_sessions.c.token)
    ).all()
    for checkout_id, merchant_id, token in rows:
        public_id = f'chk_{secrets.token_urlsafe(12)}'
        connection.execute(
            checkout_sessions.update().where(checkout_sessions.c.id == checkout_id).values(
                public_id=public_id, token_digest=_digest(token),
                token_encrypted=cipher.encrypt(token.encode()).decode(),
            )
        )
        connection.execute(
            payments.update().where(
                payments.c.merchant_id == merchant_id, payments.c.checkout_reference == token
            ).values(checkout_reference=public_id)
        )
    with op.batch_alter_table('checkout_sessions', schema=None) as batch_op:
        batch_op.alter_column('public_id', existing_type=sa.String(length=32), nullable=False)
        batch_op.alter_column('token_digest', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('token_encrypted', existing_type=sa.Text(), nullable=False)
        batch_op.drop_constraint('uq_checkout_sessions_token', type_='unique')
        batch_op.drop_column('token')
        batch_op.create_unique_constraint('uq_checkout_sessions_public_id', ['public_id'])
        batch_op.create_unique_constraint('uq_checkout_sessions_token_digest', ['token_digest'])
        batch_op.create_index(
            'uq_checkout_sessions_open_per_browser',
            ['browser_key', 'document_type', 'document_id'],
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )

    with op.batch_alter_table('carts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_digest', sa.String(length=64), nullable=True))
    for cart_id, token in connection.execute(sa.select(carts.c.id, carts.c.token)).all():
        connection.execute(
            carts.update().where(carts.c.id == cart_id).values(token_digest=_digest(token))
        )
    with op.batch_alter_table('carts', schema=None) as batch_op:
        batch_op.alter_column('token_digest', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_constraint('uq_carts_token', type_='unique')
        batch_op.drop_column('token')
        batch_op.create_unique_constraint('uq_carts_token_digest', ['token_digest'])


def downgrade() -> None:
    connection = op.get_bind()
    with op.batch_alter_table('carts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token', sa.String(length=64), nullable=True))
    for (cart_id,) in connection.execute(sa.select(carts.c.id)).all():
        connection.execute(
            carts.update().where(carts.c.id == cart_id)
            .values(token=secrets.token_urlsafe(32))
        )
    with op.batch_alter_table('carts', schema=None) as batch_op:
        batch_op.alter_column('token', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_constraint('uq_carts_token_digest', type_='unique')
        batch_op.drop_column('token_digest')
        batch_op.create_unique_constraint('uq_carts_token', ['token'])

    with op.batch_alter_table('checkout_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token', sa.String(length=64), nullable=True))
    rows = connection.execute(
        sa.select(
            checkout_sessions.c.id, checkout_sessions.c.merchant_id, checkout_sessions.c.public_id
        )
    ).all()
    for checkout_id, merchant_id, public_id in rows:
        token = secrets.token_urlsafe(32)
        connection.execute(
            checkout_sessions.update().where(checkout_sessions.c.id == checkout_id)
            .values(token=token)
        )
        connection.execute(
            payments.update().where(
                payments.c.merchant_id == merchant_id, payments.c.checkout_reference == public_id
            ).values(checkout_reference=token)
        )
    with op.batch_alter_table('checkout_sessions', schema=None) as batch_op:
        batch_op.alter_column('token', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_index('uq_checkout_sessions_open_per_browser')
        batch_op.drop_constraint('uq_checkout_sessions_token_digest', type_='unique')
        batch_op.drop_constraint('uq_checkout_sessions_public_id', type_='unique')
        batch_op.drop_column('browser_key')
        batch_op.drop_column('token_encrypted')
        batch_op.drop_column('token_digest')
        batch_op.drop_column('public_id')
        batch_op.create_unique_constraint('uq_checkout_sessions_token', ['token'])

    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.drop_constraint('uq_webhook_events_merchant_event', type_='unique')
        batch_op.create_unique_constraint(
            'uq_webhook_events_stripe_event_id', ['stripe_event_id']
        )
