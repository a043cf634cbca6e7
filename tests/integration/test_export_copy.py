"""The payments export written by PostgreSQL (``COPY ... TO STDOUT``, ``reports.csv_copy``) is
byte for byte what Python's csv writer makes of the same rows: for random payments with the
awkward parts (names holding the separator, quotes and line breaks, letters beyond ASCII, zero-
and three-decimal currencies, fees settled in another currency, invoices' tax shares of
refunds, refunds that failed, codes Kassa has no word for), in both formats and in Swedish.

On CI's PostgreSQL leg the export takes the COPY path and this compares the two writers; on
SQLite both sides are the Python writer, so it checks only that the pieces add up to it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import Flask
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert

from app.customers.models import Customer
from app.extensions import db
from app.invoices.models import Invoice, InvoiceStatus
from app.merchants.models import Merchant
from app.payments.models import Payment, PaymentEvent, PaymentStatus
from app.payments.queries import PaymentFilters
from app.reports.exports import (
    EXPORTS,
    CsvFormat,
    csv_chunks,
    export_pieces,
    payment_header,
    payment_rows,
)
from app.reports.models import ExportKind
from tests.conftest import empty_tables

AWKWARD_TEXT = st.text(alphabet=st.sampled_from(list("ab ;,\"\nåÖ€\r'")), min_size=0, max_size=8)
MIDNIGHT = datetime(2026, 5, 31, 23, 59, 59, tzinfo=UTC)


@st.composite
def payments(draw: st.DrawFn) -> dict[str, object]:
    currency = draw(st.sampled_from(("SEK", "JPY", "KWD")))
    fee = draw(st.none() | st.integers(0, 10_000))
    return {
        "currency": currency,
        "amount": draw(st.integers(1, 2_000_000_000)),
        "fee": fee,
        "net": None if fee is None else draw(st.integers(-5_000, 2_000_000)),
        "settlement_currency": draw(st.sampled_from((None, "EUR"))),
        "method_type": draw(st.sampled_from(("card", "sepa_debit", "", "klarna"))),
        "document_type": draw(st.sampled_from(("payment_link", "cart", "invoice", ""))),
        "document_id": draw(st.sampled_from(("7", "", "x;1"))),
        "buyer_name": draw(AWKWARD_TEXT),
        "buyer_email": draw(st.sampled_from(("", "ada@example.com", 'a"b@example.com'))),
        "latest_charge_id": draw(st.sampled_from((None, "ch_1"))),
        "available_on": draw(st.sampled_from((None, date(2026, 6, 2)))),
        "status": draw(st.sampled_from(sorted(PaymentStatus))),
        "created_at": MIDNIGHT + timedelta(seconds=draw(st.integers(-5, 5))),
        "with_invoice": draw(st.booleans()),
        "customer_name": draw(st.none() | AWKWARD_TEXT),
        "refunds": draw(st.lists(st.integers(-3_000, 3_000), max_size=2)),
    }


@st.composite
def invoices(draw: st.DrawFn) -> dict[str, int]:
    return {"tax_total": draw(st.integers(0, 50_000)), "total": draw(st.integers(0, 400_000))}


def _seed(merchant_id: int, drawn: list[dict[str, object]], invoice: dict[str, int]) -> None:
    customer = Customer(merchant_id=merchant_id, name='Grace "G"; Hopper', email="g@example.com")
    db.session.add(customer)
    db.session.flush()
    made = Invoice(merchant_id=merchant_id, customer_id=customer.id, status=InvoiceStatus.OPEN,
                   currency="SEK", number="F-0001", **invoice)  # fmt: skip
    db.session.add(made)
    db.session.flush()
    for n, values in enumerate(drawn):
        row = dict(values)
        with_invoice, customer_name = row.pop("with_invoice"), row.pop("customer_name")
        refunds = row.pop("refunds")
        payment = Payment(merchant_id=merchant_id, intent_id=f"pi_copy_{n}", **row)
        if with_invoice:
            payment.document_type, payment.document_id = "invoice", str(made.id)
        if customer_name is not None:
            buyer = Customer(merchant_id=merchant_id, name=customer_name, email=f"c{n}@x.se")
            db.session.add(buyer)
            db.session.flush()
            payment.customer_id = buyer.id
        db.session.add(payment)
        db.session.flush()
        refunded = 0
        for back in refunds:
            detail = {"amount_refunded": refunded + back, "previously": refunded}
            kind = "refund_recorded" if back > 0 else "refund_failed"
            db.session.execute(insert(PaymentEvent).values(
                merchant_id=merchant_id, payment_id=payment.id, kind=kind, detail=detail,
                created_at=payment.created_at + timedelta(hours=1)))  # fmt: skip
            refunded += back
    db.session.commit()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    drawn=st.lists(payments(), min_size=1, max_size=6),
    invoice=invoices(),
    fmt=st.sampled_from((CsvFormat(",", False), CsvFormat(";", True))),
    locale=st.sampled_from(("en", "sv")),
)
def test_postgresql_writes_the_same_bytes_as_python(
    app: Flask, drawn: list[dict[str, object]], invoice: dict[str, int], fmt: CsvFormat,
    locale: str,
) -> None:  # fmt: skip
    empty_tables(app)
    with app.test_request_context(), force_locale(locale):
        merchant = Merchant(public_id="mer_copy", name="Shop", country="SE",
                            default_currency="SEK")  # fmt: skip
        db.session.add(merchant)
        db.session.commit()
        _seed(merchant.id, drawn, invoice)
        filters = PaymentFilters()
        rows = payment_rows(db.session, merchant.id, filters, fmt)
        by_python = "".join(csv_chunks(payment_header(), rows, fmt)).encode()
        db.session.rollback()
        pieces = list(export_pieces(db.session, ExportKind.PAYMENTS, merchant.id, filters, fmt))
        written = "".join(piece.text for piece in pieces).encode()
        assert written == by_python
        assert sum(piece.rows for piece in pieces) == by_python.count(b"\r\n") - 1 - sum(
            line.count(b"\r\n") for line in _quoted_cells(by_python)
        )
        if db.session.get_bind().dialect.name == "postgresql":
            assert EXPORTS[ExportKind.PAYMENTS].copy_queries is not None
        db.session.rollback()


def _quoted_cells(text: bytes) -> list[bytes]:
    """The insides of the quoted cells (a doubled quote inside one splits it here, harmlessly:
    only the line breaks inside are counted)."""
    return text.split(b'"')[1::2]
