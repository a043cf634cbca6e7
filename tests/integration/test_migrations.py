"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import column, create_engine, select, table, text
from sqlalchemy.engine import make_url

from app import create_app
from app.checkout.models import CheckoutSession
from app.checkout.service import checkout_by_token
from app.data.sql import in_schema_of
from app.extensions import db
from app.payments.models import Payment
from app.storefront.models import Cart, Storefront
from app.storefront.service import cart_by_token


def test_models_and_migrations_agree(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        include = in_schema_of(connection.dialect.name)
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_constraint_and_index_names_are_unique_in_the_schema(app: Flask) -> None:
    """PostgreSQL keeps constraint and index names in one namespace per schema (SQLite does
    not check), so two of one name pass on SQLite and break the PostgreSQL migration."""
    with app.app_context():
        tables = db.metadata.sorted_tables
        names = [c.name for t in tables for c in t.constraints if c.name]
        names += [index.name for t in tables for index in t.indexes]
    repeated = sorted({name for name in names if names.count(name) > 1})
    assert repeated == []


OLD_CHECKOUT_TOKEN = "old-checkout-token-0123456789abcdefghijklmnopqrstuv"
OLD_CART_TOKEN = "old-cart-token-0123456789abcdefghijklmnopqrstuvwxyz"
NOW = datetime(2026, 11, 30, 10, tzinfo=UTC)
OLD_ROWS = {  # as Kassa 0011 wrote them: tokens in plain text, payments naming them
    "merchants": {"id": 1, "public_id": "mer_1", "name": "Acme AB", "country": "SE",
                  "default_currency": "SEK", "default_locale": "en", "created_at": NOW},
    "storefronts": {"id": 1, "merchant_id": 1, "slug": "acme", "enabled": True, "titles": "{}",
                    "intros": "{}", "hero_images": "{}", "currency_switch": False,
                    "created_at": NOW},
    "checkout_sessions": {"id": 1, "merchant_id": 1, "token": OLD_CHECKOUT_TOKEN,
                          "document_type": "payment_link", "document_id": "7",
                          "quantities": "{}", "discount_code": "", "email": "", "name": "",
                          "phone": "", "custom_answers": "{}", "consented": False,
                          "locale": "en", "intent_version": 1, "status": "open",
                          "created_at": NOW, "updated_at": NOW},
    "payments": {"id": 1, "merchant_id": 1, "intent_id": "pi_1", "status": "pending",
                 "document_type": "payment_link", "document_id": "7",
                 "checkout_reference": OLD_CHECKOUT_TOKEN, "currency": "SEK", "amount": 500,
                 "amount_refunded": 0, "method_type": "", "method_details": "{}",
                 "buyer_email": "", "buyer_name": "", "buyer_phone": "", "buyer_locale": "en",
                 "livemode": False, "version": 1, "created_at": NOW, "updated_at": NOW},
    "carts": {"id": 1, "merchant_id": 1, "storefront_id": 1, "token": OLD_CART_TOKEN,
              "currency": "SEK", "discount_code": "", "created_at": NOW, "updated_at": NOW},
}  # fmt: skip


@pytest.fixture
def another_database(tmp_path: Path, database_url: str) -> Iterator[str]:
    """A second, empty database of the kind the suite runs on (SQLite or PostgreSQL)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    name = f"{url.database}_upgrade"
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


def test_upgrading_keeps_buyers_addresses_and_stores_their_tokens_no_more(
    another_database: str, app_settings: dict[str, str]
) -> None:
    """A database at 0011 with a checkout, its payment and a cart is upgraded: the buyers'
    addresses still open them, and no table holds their tokens any more."""
    kassa = create_app({**app_settings, "KASSA_DATABASE_URL": another_database})
    with kassa.app_context():
        upgrade(revision="0011")
        for name, values in OLD_ROWS.items():
            old_table = table(name, *(column(key) for key in values))
            db.session.execute(old_table.insert().values(**values))
        db.session.commit()

        upgrade()

        checkout = checkout_by_token(db.session, OLD_CHECKOUT_TOKEN)  # the buyer's address
        assert checkout is not None and checkout.token == OLD_CHECKOUT_TOKEN
        assert checkout.public_id.startswith("chk_") and checkout.browser_key is None
        payment = db.session.get(Payment, 1)
        assert payment is not None and payment.checkout_reference == checkout.public_id
        assert payment.checkout is checkout
        storefront = db.session.get(Storefront, 1)
        assert storefront is not None
        cart = cart_by_token(db.session, storefront, OLD_CART_TOKEN)
        assert cart is not None and cart.id == 1
        rows = [
            repr(tuple(row))
            for model in (CheckoutSession, Cart, Payment)
            for row in db.session.execute(select(model.__table__)).all()
        ]
        assert not any(OLD_CHECKOUT_TOKEN in row or OLD_CART_TOKEN in row for row in rows)
        db.session.remove()
        db.engine.dispose()
