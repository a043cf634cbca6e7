"""Invoice rows made directly, for the PDF and email tests that need a given document (twenty
lines, a Swedish customer, a draft) rather than the path a merchant takes to make one."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from flask import Flask
from sqlalchemy import select

from app.customers.models import Customer
from app.extensions import db
from app.invoices.models import CreditNote, Invoice, InvoiceLine, InvoiceStatus
from tests.support.payments import merchant_id as merchant_id_of

VAT = {"name": "Moms", "percent": "25", "inclusive": False}
FINALIZED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def make_invoice(
    app: Flask,
    *,
    owner: str = "owner@example.com",
    locale: str = "en",
    lines: int = 2,
    status: InvoiceStatus = InvoiceStatus.OPEN,
    number: str | None = "INV-2026-0007",
    amount_paid: int = 0,
    email: str = "buyer@example.com",
) -> int:
    """An invoice of ``lines`` lines of 1 250.00 SEK each (quantity 2, 10% off the second and
    later ones), 25% VAT on everything; returns its id."""
    merchant_id = merchant_id_of(app, owner)
    with app.app_context():
        customer = db.session.scalar(
            select(Customer).where(Customer.merchant_id == merchant_id, Customer.email == email)
        ) or Customer(
            merchant_id=merchant_id,
            name="Greta Garbo",
            email=email,
            email_key=email or None,
            company="Garbo Film AB",
            tax_id="SE556677889901",
            billing_address={
                "line1": "Drottninggatan 1",
                "city": "Stockholm",
                "postal_code": "111 51",
                "country": "SE",
            },
            locale=locale,
        )
        invoice = Invoice(
            merchant_id=merchant_id,
            customer=customer,
            status=status,
            number=number if status is not InvoiceStatus.DRAFT else None,
            currency="SEK",
            locale=locale,
            issue_date=date(2026, 3, 2),
            due_date=date(2026, 3, 16),
            memo="Thank you for your business.",
            footer="Bankgiro 123-4567",
            finalized_at=None
            if status is InvoiceStatus.DRAFT
            else datetime(2026, 3, 2, tzinfo=UTC),
        )
        subtotal = 0
        for position in range(lines):
            discount = Decimal("10") if position else None
            amount = 250000 - (25000 if discount else 0)
            subtotal += amount
            invoice.lines.append(
                InvoiceLine(
                    merchant_id=merchant_id,
                    position=position,
                    description=f"Consulting day {position + 1}",
                    quantity=2,
                    unit_amount=125000,
                    discount_percent=discount,
                    amount=amount,
                    taxes=[
                        {"name": "Moms", "percent": "25", "inclusive": False, "amount": amount // 4}
                    ],
                )
            )
        invoice.subtotal = subtotal
        invoice.tax_total = subtotal // 4
        invoice.total = subtotal + subtotal // 4
        invoice.tax_breakdown = [{**VAT, "amount": subtotal // 4}]
        invoice.amount_paid = amount_paid
        db.session.add(invoice)
        db.session.commit()
        return invoice.id


def make_credit_note(app: Flask, invoice_id: int, number: str = "CN-2026-0001") -> int:
    with app.app_context():
        invoice = db.session.get_one(Invoice, invoice_id)
        invoice.status = InvoiceStatus.VOID
        note = CreditNote(
            merchant_id=invoice.merchant_id,
            invoice=invoice,
            number=number,
            issue_date=date(2026, 3, 20),
            total=invoice.total,
        )
        db.session.add(note)
        db.session.commit()
        return note.id
