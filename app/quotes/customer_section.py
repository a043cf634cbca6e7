"""The quotes part of a customer's page: their quotes with status and total, and a link to
make one. Shown through the customers' registry of page sections (customers import no quotes
code)."""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from app.core.clock import utcnow
from app.customers.models import Customer
from app.customers.sections import register_customer_section
from app.extensions import DbSession
from app.quotes.labels import STATUS_LABELS
from app.quotes.models import Quote, QuoteStatus
from app.quotes.service import shown_status


def customer_quotes_section(session: DbSession, customer: Customer) -> Markup:
    """The customer's quotes, newest first, old revisions left out (within their merchant)."""
    quotes = session.scalars(
        select(Quote)
        .where(
            Quote.merchant_id == customer.merchant_id,
            Quote.customer_id == customer.id,
            Quote.status != QuoteStatus.SUPERSEDED,
        )
        .order_by(Quote.created_at.desc(), Quote.id.desc())
    ).all()
    today = utcnow().date()
    return Markup(  # noqa: S704  (a template rendered with autoescape)
        render_template(
            "quotes/_customer_section.html",
            customer=customer,
            rows=[(quote, STATUS_LABELS[shown_status(quote, today)]) for quote in quotes],
        )
    )


register_customer_section(_l("Quotes"), customer_quotes_section)
