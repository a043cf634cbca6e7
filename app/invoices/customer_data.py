"""What invoices keep of a customer beyond the customer row: the address each email went to.
Registered with the customers' export and erasure (customers import no invoices code)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.customers.models import Customer
from app.customers.privacy import register_personal_data
from app.extensions import DbSession
from app.invoices.models import Invoice, InvoiceDelivery


def _deliveries(session: DbSession, customer: Customer) -> list[InvoiceDelivery]:
    return list(
        session.scalars(
            select(InvoiceDelivery)
            .join(Invoice, Invoice.id == InvoiceDelivery.invoice_id)
            .where(Invoice.merchant_id == customer.merchant_id, Invoice.customer_id == customer.id)
            .order_by(InvoiceDelivery.id)
        )
    )


def export_invoice_emails(session: DbSession, customer: Customer) -> list[dict[str, Any]]:
    return [
        {
            "invoice_id": delivery.invoice_id,
            "kind": delivery.kind.value,
            "recipient": delivery.recipient,
            "status": delivery.status.value,
            "created_at": delivery.created_at.isoformat(),
        }
        for delivery in _deliveries(session, customer)
    ]


def erase_invoice_emails(session: DbSession, customer: Customer, placeholder: str) -> None:
    """The address goes; that an email of its kind was sent (or failed) stays."""
    for delivery in _deliveries(session, customer):
        delivery.recipient = ""


register_personal_data("invoice_emails", export_invoice_emails, erase_invoice_emails)
