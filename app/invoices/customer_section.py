"""The invoices part of a customer's page: their invoices with status and balance, and a link
to bill them. The customers package shows it through its own registry of page sections (the
lead wires it), so customers import no invoices code."""

from __future__ import annotations

from flask import render_template
from markupsafe import Markup
from sqlalchemy import select

from app.core.clock import utcnow
from app.customers.models import Customer
from app.extensions import DbSession
from app.invoices.models import Invoice
from app.invoices.service import SHOWN_STATUS_LABELS, shown_status


def customer_invoices_section(session: DbSession, customer: Customer) -> Markup:
    """The customer's invoices, newest first (within the customer's own merchant)."""
    invoices = session.scalars(
        select(Invoice)
        .where(Invoice.merchant_id == customer.merchant_id, Invoice.customer_id == customer.id)
        .order_by(Invoice.created_at.desc(), Invoice.id.desc())
    ).all()
    today = utcnow().date()
    return Markup(  # noqa: S704  (a template rendered with autoescape)
        render_template(
            "invoices/_customer_section.html",
            customer=customer,
            rows=[
                (invoice, SHOWN_STATUS_LABELS[shown_status(invoice, today)]) for invoice in invoices
            ],
        )
    )
