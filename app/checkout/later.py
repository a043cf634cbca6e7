"""What a checkout sells beyond today: lines that renew, or whose first charge is delayed by
trial days or a start date (``pricing.Breakdown.due_later``).

A document that may sell such lines (``Document.charges_later``) is paid only with a reusable
method, saved (``setup_future_usage=off_session``) for the buyer's customer: found or made from
the email the buyer gave, so the later charges have a Stripe customer to charge. What each
later charge is (its dates, recurrence, amount, taxes and fee) is priced by the server with the
pay step and kept on the checkout (``priced["later"]``, per method), so what the buyer was
shown is what is billed. When the payment is taken, settles or bounces, the listeners
registered here (the subscriptions package, at import) are told; the checkout imports none.
"""

from __future__ import annotations

from typing import Any, Protocol

from flask_babel import lazy_gettext as _l

from app.checkout.models import CheckoutSession
from app.core import pricing
from app.core.errors import ServiceError
from app.customers.models import Customer
from app.customers.service import CustomerDetails, customer_for_buyer
from app.extensions import DbSession
from app.payments.models import Payment

EMAIL_NEEDED = _l("Enter your email address: we send the receipts of the later charges to it.")


def later_charges_customer(session: DbSession, checkout: CheckoutSession) -> Customer:
    """The customer the later charges belong to: the merchant's customer with the buyer's
    email, else one made from what the buyer typed."""
    customer = customer_for_buyer(
        session,
        checkout.merchant_id,
        CustomerDetails(
            name=checkout.name,
            email=checkout.email,
            phone=checkout.phone,
            billing_address=checkout.billing_address,
            shipping_address=checkout.shipping_address,
            locale=checkout.locale,
        ),
    )
    if customer is None:
        raise ServiceError(EMAIL_NEEDED)
    return customer


def _tax_json(tax: pricing.TaxAmount) -> dict[str, Any]:
    return {
        "name": tax.rate.name,
        "percentage": str(tax.rate.percentage),
        "behavior": tax.rate.behavior.value,
        "amount": tax.amount.amount,
    }


def later_charges_of(breakdown: pricing.Breakdown, names: dict[str, str]) -> list[dict[str, Any]]:
    """The breakdown's later charges as the checkout keeps them (JSON): each line's title,
    quantity and unit amount, its anchor and first later charge, its recurrence, and per
    charge its amount with taxes, the exclusive taxes added, the fee and the total."""
    lines = {line.index: line for line in breakdown.lines}
    kept = []
    for later in breakdown.due_later:
        line = lines[later.line_index]
        recurrence = later.recurrence
        kept.append(
            {
                "reference": later.reference,
                "title": names.get(later.reference, later.reference),
                "quantity": line.quantity,
                "unit_amount": line.unit_amount.amount,
                "delayed": later.delayed,
                "anchor_on": later.anchor_on.isoformat(),
                "first_charge_on": later.first_charge_on.isoformat(),
                "interval": recurrence.interval.value if recurrence else None,
                "interval_count": recurrence.interval_count if recurrence else 1,
                "amount": later.amount.amount,
                "tax_added": sum(
                    tax.amount.amount
                    for tax in later.taxes
                    if tax.rate.behavior is pricing.TaxBehavior.EXCLUSIVE
                ),
                "taxes": [_tax_json(tax) for tax in later.taxes],
                "fee": later.fee.amount,
                "fee_name": breakdown.due_now.fee_name or "",
                "total": later.total.amount,
            }
        )
    return kept


def kept_later_charges(checkout: CheckoutSession, method_type: str) -> list[dict[str, Any]]:
    """What the checkout priced beyond today for the method that paid."""
    return list(((checkout.priced or {}).get("later") or {}).get(method_type) or [])


class LaterChargesListener(Protocol):
    """What follows a checkout's later charges (the subscriptions)."""

    def taken(
        self,
        session: DbSession,
        checkout: CheckoutSession,
        payment: Payment,
        later: list[dict[str, Any]],
    ) -> None:
        """The payment was accepted (paid, or a bank debit started); ``later``: what the
        checkout priced beyond today for its method. Called once per accepted payment."""

    def settled(self, session: DbSession, checkout: CheckoutSession, payment: Payment) -> None:
        """The accepted payment's money is in."""

    def released(self, session: DbSession, checkout: CheckoutSession, payment: Payment) -> None:
        """The accepted payment's bank debit bounced."""

    def saved(
        self,
        session: DbSession,
        checkout: CheckoutSession,
        customer: Customer,
        method: dict[str, Any],
        processor_customer: str,
        later: list[dict[str, Any]],
    ) -> None:
        """Nothing was due now: a SetupIntent saved ``method`` (its details) for ``customer``
        (``processor_customer`` at Stripe). Called once per checkout."""


_listeners: list[LaterChargesListener] = []


def listen_to_later_charges(listener: LaterChargesListener) -> None:
    """Registered once, at import, by the package that makes the later charges."""
    if listener not in _listeners:
        _listeners.append(listener)


def later_taken(session: DbSession, checkout: CheckoutSession, payment: Payment) -> None:
    later = kept_later_charges(checkout, payment.method_type or "")
    if later:
        for listener in _listeners:
            listener.taken(session, checkout, payment, later)


def later_settled(session: DbSession, checkout: CheckoutSession, payment: Payment) -> None:
    if kept_later_charges(checkout, payment.method_type or ""):
        for listener in _listeners:
            listener.settled(session, checkout, payment)


def later_released(session: DbSession, checkout: CheckoutSession, payment: Payment) -> None:
    if kept_later_charges(checkout, payment.method_type or ""):
        for listener in _listeners:
            listener.released(session, checkout, payment)


def later_saved(
    session: DbSession,
    checkout: CheckoutSession,
    customer: Customer,
    method: dict[str, Any],
    processor_customer: str,
    later: list[dict[str, Any]],
) -> None:
    if later:
        for listener in _listeners:
            listener.saved(session, checkout, customer, method, processor_customer, later)
