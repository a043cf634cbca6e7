"""What payments add to a customer: the section of their page that lists their payments and
totals paid per currency, and their payments' buyer details in the customer's export and
erasure. Registered with the customers package at import (customers import no payments code).
"""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import ColumnElement, func, or_, select

from app.core.money import Money
from app.customers.models import Customer
from app.customers.privacy import register_personal_data
from app.customers.sections import register_customer_section
from app.extensions import DbSession
from app.mail_log.models import SentEmail
from app.payments.models import Payment
from app.payments.service import PAID


def customer_payments(session: DbSession, customer: Customer) -> list[Payment]:
    """The customer's payments, newest first."""
    return list(
        session.scalars(
            select(Payment)
            .where(Payment.merchant_id == customer.merchant_id, Payment.customer_id == customer.id)
            .order_by(Payment.created_at.desc(), Payment.id.desc())
        )
    )


def totals_paid(session: DbSession, customer: Customer) -> list[Money]:
    """What the customer paid, per currency: accepted payments in a paid status, less what was
    refunded to them."""
    rows = session.execute(
        select(Payment.currency, func.sum(Payment.amount - Payment.amount_refunded))
        .where(
            Payment.merchant_id == customer.merchant_id,
            Payment.customer_id == customer.id,
            Payment.status.in_(PAID),
            Payment.rejection.is_(None),
            Payment.duplicate_of_id.is_(None),
        )
        .group_by(Payment.currency)
        .order_by(Payment.currency)
    )
    return [Money(int(total or 0), currency) for currency, total in rows]


def render_payments(session: DbSession, customer: Customer) -> Markup:
    # The template's output, escaped by Jinja's autoescape as it renders.
    return Markup(  # noqa: S704
        render_template(
            "payments/_customer_payments.html",
            customer=customer,
            payments=customer_payments(session, customer),
            totals=totals_paid(session, customer),
        )
    )


def _theirs(session: DbSession, customer: Customer) -> list[Payment]:
    """Their payments, and those from their email the recording path did not link to them (a
    failed or abandoned attempt): personal data all the same."""
    conditions: list[ColumnElement[bool]] = [Payment.customer_id == customer.id]
    if customer.email_key:
        conditions.append(func.lower(func.trim(Payment.buyer_email)) == customer.email_key)
    return list(
        session.scalars(
            select(Payment)
            .where(Payment.merchant_id == customer.merchant_id, or_(*conditions))
            .order_by(Payment.id)
        )
    )


def export_payments(session: DbSession, customer: Customer) -> list[dict[str, Any]]:
    return [
        {
            "id": payment.id,
            "created_at": payment.created_at.isoformat(),
            "status": payment.status.value,
            "amount": payment.amount,
            "amount_refunded": payment.amount_refunded,
            "currency": payment.currency,
            "method": payment.method_type,
            "checkout_reference": payment.checkout_reference,
            "buyer_email": payment.buyer_email,
            "buyer_name": payment.buyer_name,
            "buyer_phone": payment.buyer_phone,
            "buyer_locale": payment.buyer_locale,
            "billing_address": payment.billing_address,
            "shipping_address": payment.shipping_address,
        }
        for payment in _theirs(session, customer)
    ]


def erase_payments(session: DbSession, customer: Customer, placeholder: str) -> None:
    """The buyer's details go; amounts, dates, currency, status and the document stay. An
    email left empty is one nothing is sent to (a late refund or bounce notice)."""
    for payment in _theirs(session, customer):
        payment.customer_id = customer.id
        payment.buyer_email = ""
        payment.buyer_name = placeholder if payment.buyer_name else ""
        payment.buyer_phone = ""
        payment.billing_address = None
        payment.shipping_address = None


def _emails_to_them(session: DbSession, customer: Customer) -> list[SentEmail]:
    """The logged emails that went to them: to their address, or about one of their payments
    to its buyer (the owners' notices go to the owners and name no buyer)."""
    theirs = [payment.id for payment in _theirs(session, customer)]
    conditions: list[ColumnElement[bool]] = [
        SentEmail.payment_id.in_(theirs) & ~SentEmail.kind.startswith("merchant_")
    ]
    if customer.email_key:
        conditions.append(func.lower(func.trim(SentEmail.recipient)) == customer.email_key)
    return list(
        session.scalars(
            select(SentEmail)
            .where(SentEmail.merchant_id == customer.merchant_id, or_(*conditions))
            .order_by(SentEmail.id)
        )
    )


def export_emails(session: DbSession, customer: Customer) -> list[dict[str, Any]]:
    return [
        {
            "sent_at": email.sent_at.isoformat(),
            "kind": email.kind,
            "to": email.recipient,
            "subject": email.subject,
            "payment_id": email.payment_id,
        }
        for email in _emails_to_them(session, customer)
    ]


def erase_emails(session: DbSession, customer: Customer, _placeholder: str) -> None:
    """The address goes; that an email of its kind was sent about the payment, and when, stays
    on the payment's page."""
    for email in _emails_to_them(session, customer):
        email.recipient = ""


register_customer_section(_l("Payments"), render_payments)
register_personal_data("payments", export_payments, erase_payments)
register_personal_data("payment_emails", export_emails, erase_emails)
