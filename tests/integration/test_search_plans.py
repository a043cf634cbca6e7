"""On PostgreSQL the panel's text searches (a payment's buyer or document number, a customer's
name, email or company) read the trigram indexes (``pg_trgm``, migration 0030) instead of
every row of the merchant: checked in the plans PostgreSQL makes for them at 20,000 rows.
SQLite has no such index (and no test here)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Select, text

from app.customers.service import search_query
from app.extensions import db
from app.merchants.models import Merchant
from app.payments.queries import PaymentFilters, filtered_payments, summed_totals

ROWS = 20_000


@pytest.fixture
def merchant(app: Flask) -> Iterator[Merchant]:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("trigram indexes are PostgreSQL's")
        shop = Merchant(public_id="mer_search", name="Shop", country="SE", default_currency="SEK")
        db.session.add(shop)
        db.session.commit()
        seed = {"merchant": shop.id, "rows": ROWS}
        db.session.execute(text(
            "INSERT INTO payments (intent_id, status, document_type, document_id, "
            "document_number, currency, amount, amount_refunded, refund_reserved, method_type, "
            "method_details, last4, latest_charge_id, buyer_email, buyer_name, search_text, "
            "created_at, updated_at, merchant_id, checkout_reference, buyer_phone, "
            "buyer_locale, livemode, version) SELECT 'pi_search_' || n, 'succeeded', "
            "'payment_link', n, '', 'SEK', 1000, 0, 0, 'card', '{}', '4242', '', "
            "'buyer' || n || '@example.com', 'Buyer ' || n, "
            "'buyer' || n || '@example.com' || chr(10) || 'buyer ' || n || chr(10), "
            "now() - n * interval '1 minute', now(), :merchant, '', '', 'en', false, 1 "
            "FROM generate_series(1, :rows) AS n"
        ), seed)  # fmt: skip
        db.session.execute(text(
            "INSERT INTO customers (name, email, email_key, company, tax_id, phone, locale, "
            "notes, created_at, updated_at, merchant_id, search_text) SELECT 'Customer ' || n, "
            "'customer' || n || '@example.com', 'customer' || n || '@example.com', '', '', '', "
            "'en', '', now(), now(), :merchant, 'customer ' || n || chr(10) || 'customer' || n "
            "|| '@example.com' || chr(10) FROM generate_series(1, :rows) AS n"
        ), seed)  # fmt: skip
        db.session.commit()
        # As autovacuum leaves them: statistics taken, the GIN indexes' pending lists merged.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE payments, customers"))
        yield shop
        db.session.remove()


def plan(query: Select[Any]) -> str:
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    return "\n".join(db.session.execute(text(f"EXPLAIN {compiled}")).scalars())


def test_a_payment_search_reads_the_trigram_index(app: Flask, merchant: Merchant) -> None:
    with app.app_context():
        found = PaymentFilters(q="buyer12345@")
        page = plan(filtered_payments(merchant.id, found).limit(51))
        assert "ix_payments_search_trgm" in page, page
        totals = summed_totals(db.session, merchant.id, found)
        assert [row.count for row in totals.by_currency] == [1]
        four_digits = plan(filtered_payments(merchant.id, PaymentFilters(q="1234")).limit(51))
        assert "ix_payments_search_trgm" in four_digits, four_digits


def test_a_customer_search_reads_the_trigram_index(app: Flask, merchant: Merchant) -> None:
    with app.app_context():
        shown = plan(search_query(merchant, "Customer12345@").limit(25))
        assert "ix_customers_search_trgm" in shown, shown
