"""What subscriptions keep of a customer beyond the customer row: the billing address given at
checkout, a reason they gave for canceling, and the addresses emails went to. Registered with
the customers' export and erasure (customers import no subscriptions code).

Erasure also ends the customer's running subscriptions: an invoice is never issued to an
erased customer (``invoices.service`` refuses it), so a subscription left running would fail
at every billing run; a merchant who erases a customer's data has stopped billing them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.customers.models import Customer
from app.customers.privacy import register_personal_data
from app.extensions import DbSession
from app.subscriptions.labels import CUSTOMER_ERASED
from app.subscriptions.models import Subscription, SubscriptionDelivery, SubscriptionStatus
from app.subscriptions.service import BY_MERCHANT, end, subscriptions_of_customer


def _deliveries(
    session: DbSession, subscriptions: list[Subscription]
) -> list[SubscriptionDelivery]:
    return list(
        session.scalars(
            select(SubscriptionDelivery)
            .where(SubscriptionDelivery.subscription_id.in_([s.id for s in subscriptions]))
            .order_by(SubscriptionDelivery.id)
        )
    )


def export_subscriptions(session: DbSession, customer: Customer) -> list[dict[str, Any]]:
    subscriptions = subscriptions_of_customer(session, customer)
    deliveries = _deliveries(session, subscriptions)
    return [
        {
            "subscription_id": subscription.id,
            "status": subscription.status.value,
            "currency": subscription.currency,
            "amount_per_period": subscription.period_amount,
            "interval": subscription.interval,
            "interval_count": subscription.interval_count,
            "next_charge_on": (
                subscription.next_charge_on.isoformat() if subscription.next_charge_on else None
            ),
            "payment_method": subscription.payment_method_details,
            "billing_address": subscription.billing_address,
            "cancel_reason": subscription.cancel_reason,
            "emails": [
                {"kind": d.kind.value, "recipient": d.recipient, "status": d.status}
                for d in deliveries
                if d.subscription_id == subscription.id
            ],
        }
        for subscription in subscriptions
    ]


def erase_subscriptions(session: DbSession, customer: Customer, placeholder: str) -> None:
    """The running subscriptions are canceled today (nothing more is charged); the billing
    address, a cancellation's reason and the email addresses go; the periods, amounts and
    statuses stay (they are the merchant's accounts)."""
    subscriptions = subscriptions_of_customer(session, customer)
    for subscription in subscriptions:
        if not subscription.is_ended:
            end(session, subscription, SubscriptionStatus.CANCELED, by=BY_MERCHANT,
                reason=CUSTOMER_ERASED)  # fmt: skip
        subscription.billing_address = {}
        if subscription.cancel_reason and subscription.canceled_by == "customer":
            subscription.cancel_reason = placeholder
    for delivery in _deliveries(session, subscriptions):
        delivery.recipient = ""


register_personal_data("subscriptions", export_subscriptions, erase_subscriptions)
