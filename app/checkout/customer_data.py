"""What the checkout keeps of a customer: what they typed and answered in their checkouts.
Registered with the customers package at import, for the customer's export and erasure.

A customer's checkouts are those their payments were taken in, and those opened with their
email (an attempt that never became a payment keeps what they typed all the same).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, or_, select

from app.checkout.models import CheckoutSession
from app.customers.models import Customer
from app.customers.privacy import register_personal_data
from app.extensions import DbSession
from app.payments.models import Payment


def _theirs(session: DbSession, customer: Customer) -> list[CheckoutSession]:
    references = select(Payment.checkout_reference).where(
        Payment.merchant_id == customer.merchant_id, Payment.customer_id == customer.id
    )
    conditions: list[ColumnElement[bool]] = [CheckoutSession.public_id.in_(references)]
    if customer.email_key:
        conditions.append(func.lower(func.trim(CheckoutSession.email)) == customer.email_key)
    return list(
        session.scalars(
            select(CheckoutSession)
            .where(CheckoutSession.merchant_id == customer.merchant_id, or_(*conditions))
            .order_by(CheckoutSession.id)
        )
    )


def export_checkouts(session: DbSession, customer: Customer) -> list[dict[str, Any]]:
    return [
        {
            "reference": checkout.public_id,
            "created_at": checkout.created_at.isoformat(),
            "status": checkout.status.value,
            "email": checkout.email,
            "name": checkout.name,
            "phone": checkout.phone,
            "billing_address": checkout.billing_address,
            "shipping_address": checkout.shipping_address,
            "answers": [
                {"question": answer.label, "answer": answer.value} for answer in checkout.answers
            ],
        }
        for checkout in _theirs(session, customer)
    ]


def erase_checkouts(session: DbSession, customer: Customer, placeholder: str) -> None:
    """Contact, addresses and every answer's value go; the questions' labels, the lines and
    what was priced stay."""
    for checkout in _theirs(session, customer):
        checkout.email = ""
        checkout.name = placeholder if checkout.name else ""
        checkout.phone = ""
        checkout.billing_address = None
        checkout.shipping_address = None
        checkout.custom_answers = {
            key: {**stored, "value": placeholder} if isinstance(stored, dict) else placeholder
            for key, stored in (checkout.custom_answers or {}).items()
        }


register_personal_data("checkouts", export_checkouts, erase_checkouts)
