"""Invoices for tests: customers inserted as rows (their pages are another package's) and
invoices made through the invoices service, the code path the panel's forms take.

``open_invoice`` is what other tests start from: a finalized invoice and the token of the
customer's address ``/i/<token>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from flask import Flask
from sqlalchemy import select

from app.core.clock import utcnow
from app.customers.models import Customer, email_key
from app.extensions import db
from app.invoices.models import Invoice
from app.invoices.service import LineInput, create_invoice, finalize_invoice
from app.merchants.models import Merchant, User
from tests.conftest import SECRET_KEY

DEFAULT_LINES = (
    LineInput("Design work", quantity=2, unit_amount=50000),
    LineInput("Printing", quantity=1, unit_amount=12500),
)


def merchant_of(email: str) -> Merchant:
    """The merchant whose staff user has ``email`` (inside an app context)."""
    return db.session.scalars(
        select(Merchant).join(User, User.merchant_id == Merchant.id).where(User.email == email)
    ).one()


def add_customer(
    app: Flask,
    merchant_email: str = "owner@example.com",
    *,
    name: str = "Grace Hopper",
    email: str = "grace@example.com",
    locale: str = "en",
    **fields: Any,
) -> int:
    """A customer of the merchant (a row: the customers' pages are not what these tests
    test); returns its id."""
    with app.app_context():
        merchant = merchant_of(merchant_email)
        customer = Customer(
            merchant_id=merchant.id,
            name=name,
            email=email,
            email_key=email_key(email) if email else None,
            locale=locale,
            **fields,
        )
        db.session.add(customer)
        db.session.commit()
        return customer.id


def default_customer(app: Flask, merchant_email: str = "owner@example.com") -> int:
    """The merchant's customer with ``add_customer``'s default email, added when missing."""
    with app.app_context():
        found = db.session.scalar(
            select(Customer.id).where(
                Customer.merchant_id == merchant_of(merchant_email).id,
                Customer.email_key == email_key("grace@example.com"),
            )
        )
    return found if found is not None else add_customer(app, merchant_email)


def draft_invoice(
    app: Flask,
    merchant_email: str = "owner@example.com",
    *,
    customer_id: int | None = None,
    currency: str | None = None,
    lines: Sequence[LineInput] = DEFAULT_LINES,
    **fields: Any,
) -> int:
    """A draft made by the service (to ``add_customer``'s default customer, made on first use,
    unless ``customer_id``); returns its id."""
    if customer_id is None:
        customer_id = default_customer(app, merchant_email)
    with app.app_context():
        merchant = merchant_of(merchant_email)
        customer = db.session.get(Customer, customer_id)
        assert customer is not None
        invoice = create_invoice(
            db.session,
            merchant,
            customer,
            currency=currency or merchant.default_currency,
            lines=lines,
            **fields,
        )
        db.session.commit()
        return invoice.id


def open_invoice(
    app: Flask,
    merchant_email: str = "owner@example.com",
    *,
    today: date | None = None,
    sent: bool = False,
    **draft: Any,
) -> tuple[int, str]:
    """A finalized invoice (see ``draft_invoice`` for the arguments): its id and the token of
    the customer's address. ``sent`` marks it as sent (as a delivery accepted by SMTP does)."""
    invoice_id = draft_invoice(app, merchant_email, **draft)
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        assert invoice is not None
        token = finalize_invoice(db.session, invoice, today or date.today(), SECRET_KEY)
        if sent:
            invoice.sent_at = utcnow()
        db.session.commit()
        return invoice_id, token


def invoice_row(app: Flask, invoice_id: int) -> Invoice:
    """The invoice as stored now (detached: its columns only)."""
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        assert invoice is not None
        db.session.expunge(invoice)
        return invoice
