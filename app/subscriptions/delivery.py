"""Subscription emails to the customer: the notice (a debit's advance notice) or reminder
before a charge, "payment failed, we will try again on ...", "set a new payment method" after a
hard decline or a revoked mandate, and "your subscription was canceled". A paid period's
receipt is its invoice's (with the invoice's PDF), sent by the invoice's own payment path.

As with quotes and invoices, each email is a ``SubscriptionDelivery`` row first, unique per
subscription, kind and ``once_key`` (a period and attempt): a second run cannot insert it
again, so it goes at most once. It is sent by the ``deliver`` task once the transaction that
queued it committed; the row is ``sent`` only when the SMTP server accepted it.
"""

from __future__ import annotations

import logging
from datetime import date

from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.clock import utcnow
from app.data.after_commit import after_commit
from app.extensions import DbSession, db, huey
from app.invoices.delivery import buyer_address
from app.invoices.models import Invoice
from app.invoices.service import buyer_token
from app.mail import Email, public_url_for, render_email, transmit
from app.merchants.business import seller_details
from app.merchants.models import Merchant
from app.settings.labels import METHOD_LABELS
from app.settings.service import checkout_settings
from app.subscriptions.models import (
    Subscription,
    SubscriptionDelivery,
    SubscriptionDeliveryKind,
    SubscriptionPeriod,
)

log = logging.getLogger("kassa.subscriptions")

_TEMPLATES = {
    SubscriptionDeliveryKind.NOTICE: "subscription_notice",
    SubscriptionDeliveryKind.REMINDER: "subscription_notice",
    SubscriptionDeliveryKind.PAYMENT_FAILED: "subscription_payment_failed",
    SubscriptionDeliveryKind.NEW_METHOD: "subscription_new_method",
    SubscriptionDeliveryKind.CANCELED: "subscription_canceled",
}


def _once_to_customer(
    session: DbSession, subscription: Subscription, kind: SubscriptionDeliveryKind, once: str
) -> SubscriptionDelivery | None:
    customer = subscription.customer
    if not customer.email or customer.erased_at is not None:
        return None
    delivery = SubscriptionDelivery(
        merchant_id=subscription.merchant_id,
        subscription_id=subscription.id,
        kind=kind,
        once_key=once,
        recipient=customer.email,
    )
    try:
        with session.begin_nested():
            session.add(delivery)
    except IntegrityError:
        return None
    delivery_id = delivery.id
    after_commit(session, lambda: deliver(delivery_id))  # type: ignore[arg-type]
    return delivery


def send_notice(
    session: DbSession,
    subscription: Subscription,
    period: SubscriptionPeriod,
    charge_on: date,
    *,
    debit: bool,
) -> SubscriptionDelivery | None:
    """The notice (a debit's) or reminder before a period's charge; once per period."""
    kind = SubscriptionDeliveryKind.NOTICE if debit else SubscriptionDeliveryKind.REMINDER
    once = f"period-{period.id}-on-{charge_on.isoformat()}"
    return _once_to_customer(session, subscription, kind, once)


def send_payment_failed(
    session: DbSession, subscription: Subscription, period: SubscriptionPeriod
) -> SubscriptionDelivery | None:
    """A failed charge that will be tried again (its date); once per attempt."""
    once = f"period-{period.id}-{period.attempts}"
    return _once_to_customer(session, subscription, SubscriptionDeliveryKind.PAYMENT_FAILED, once)


def send_new_method(
    session: DbSession, subscription: Subscription, period: SubscriptionPeriod
) -> SubscriptionDelivery | None:
    """A hard decline or a revoked mandate: the customer is asked for a new method."""
    once = f"period-{period.id}-{period.attempts}"
    return _once_to_customer(session, subscription, SubscriptionDeliveryKind.NEW_METHOD, once)


def send_canceled(session: DbSession, subscription: Subscription) -> SubscriptionDelivery | None:
    return _once_to_customer(session, subscription, SubscriptionDeliveryKind.CANCELED, "ended")


# Composing (in the task)


def _period_of(session: Session, delivery: SubscriptionDelivery) -> SubscriptionPeriod | None:
    """The period a notice or failure is about (its id is in the ``once_key``)."""
    parts = delivery.once_key.split("-")
    if len(parts) < 2 or parts[0] != "period" or not parts[1].isdigit():
        return None
    return session.get(SubscriptionPeriod, int(parts[1]))


def _invoice_link(session: Session, period: SubscriptionPeriod | None) -> str | None:
    """The buyer's page of the period's invoice (where it can also be paid by hand)."""
    if period is None or period.invoice_id is None:
        return None
    invoice = session.get(Invoice, period.invoice_id)
    if invoice is None or not invoice.token_encrypted:
        return None
    return buyer_address(buyer_token(invoice, current_app.extensions["kassa_settings"].secret_key))


def _link(
    session: Session,
    delivery: SubscriptionDelivery,
    merchant: Merchant,
    period: SubscriptionPeriod | None,
) -> str | None:
    """Where the email leads: asked for a new method, to the portal's "email me a link" page
    with the recipient's address filled in (a one-time link lasts 15 minutes: spent or expired
    by the time many read their mail; this page holds no credential and sends a fresh one);
    otherwise to the period's invoice."""
    if delivery.kind is SubscriptionDeliveryKind.NEW_METHOD:
        return public_url_for(
            "portal.ask_link", merchant_id=merchant.public_id, email=delivery.recipient
        )
    return _invoice_link(session, period)


def method_shown(subscription: Subscription) -> str:
    """The saved method as it may be shown: the card's brand or the method's name, and the
    last four."""
    details = subscription.payment_method_details or {}
    labels = {method.value: label for method, label in METHOD_LABELS.items()}
    kind = str(labels.get(subscription.payment_method_type, subscription.payment_method_type))
    brand = str(details.get("brand") or "").title() if details.get("type") == "card" else ""
    last4 = details.get("last4")
    return f"{brand or kind} •••• {last4}" if last4 else (brand or kind)


def compose(session: Session, delivery: SubscriptionDelivery) -> Email:
    subscription = session.get_one(Subscription, delivery.subscription_id)
    merchant = subscription.merchant
    branding = checkout_settings(session, merchant)
    logo = branding.logo_filename
    period = _period_of(session, delivery)
    charge_on = None
    if "-on-" in delivery.once_key:
        charge_on = date.fromisoformat(delivery.once_key.rsplit("-on-", 1)[1])
    context = {
        "subscription": subscription,
        "merchant": merchant,
        "kind": delivery.kind.value,
        "seller_name": branding.display_name or merchant.name,
        "seller": seller_details(merchant),
        "accent": branding.accent_color,
        "logo_url": public_url_for("uploads.media", name=logo) if logo else None,
        "link": _link(session, delivery, merchant, period),
        "period": period,
        "amount": subscription.money(period.amount if period else subscription.period_amount),
        "charge_on": charge_on,
        "retry_on": period.retry_on if period else None,
        "method_name": method_shown(subscription),
        "mandate_reference": (subscription.payment_method_details or {}).get("mandate_reference"),
        "lines": subscription.lines,
    }
    template = _TEMPLATES[delivery.kind]
    return render_email(delivery.recipient, template, subscription.locale, context)


@huey.task()
def deliver(delivery_id: int) -> str:
    """Send one queued delivery (in a session of its own: in immediate mode it runs inside the
    commit that queued it)."""
    with Session(db.engine) as session:
        delivery = session.get(SubscriptionDelivery, delivery_id, with_for_update=True)
        if delivery is None or delivery.status != "queued":
            return "skipped"
        try:
            transmit(compose(session, delivery))
        except Exception as error:  # whatever stopped it, the merchant's page shows it
            log.warning("subscription email failed", exc_info=True)
            delivery.status = "failed"
            delivery.error = f"{type(error).__name__}: {error}"[:1000]
        else:
            delivery.status = "sent"
            delivery.sent_at = utcnow()
        session.commit()
        return delivery.status
