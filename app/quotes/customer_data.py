"""What quotes keep of a customer beyond the customer row: the evidence of their signature
(name, IP address, browser), a reason they gave for declining, and the addresses emails went
to. Registered with the customers' export and erasure (customers import no quotes code)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.customers.models import Customer
from app.customers.privacy import register_personal_data
from app.extensions import DbSession
from app.quotes.models import Quote, QuoteDelivery


def _quotes(session: DbSession, customer: Customer) -> list[Quote]:
    return list(
        session.scalars(
            select(Quote)
            .where(Quote.merchant_id == customer.merchant_id, Quote.customer_id == customer.id)
            .order_by(Quote.id)
        )
    )


def export_quotes(session: DbSession, customer: Customer) -> list[dict[str, Any]]:
    quotes = _quotes(session, customer)
    deliveries = session.scalars(
        select(QuoteDelivery)
        .where(QuoteDelivery.quote_id.in_([quote.id for quote in quotes]))
        .order_by(QuoteDelivery.id)
    ).all()
    return [
        {
            "quote_id": quote.id,
            "number": quote.shown_number,
            "status": quote.status.value,
            "signer_name": quote.signer_name,
            "signed_at": quote.signed_at.isoformat() if quote.signed_at else None,
            "signer_ip": quote.signer_ip,
            "signer_user_agent": quote.signer_user_agent,
            "decline_reason": quote.decline_reason,
            "emails": [
                {"kind": d.kind.value, "recipient": d.recipient, "status": d.status}
                for d in deliveries
                if d.quote_id == quote.id
            ],
        }
        for quote in quotes
    ]


def erase_quotes(session: DbSession, customer: Customer, placeholder: str) -> None:
    """The signer's name, address and browser, a decline's reason and the email addresses go;
    that the quote was signed (when, and the digest of what was shown), its amounts and
    statuses stay."""
    quotes = _quotes(session, customer)
    for quote in quotes:
        if quote.signer_name:
            quote.signer_name = placeholder
        quote.signer_ip = ""
        quote.signer_user_agent = ""
        quote.decline_reason = ""
    for delivery in session.scalars(
        select(QuoteDelivery).where(QuoteDelivery.quote_id.in_([quote.id for quote in quotes]))
    ):
        delivery.recipient = ""


register_personal_data("quotes", export_quotes, erase_quotes)
