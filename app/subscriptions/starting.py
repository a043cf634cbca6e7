"""Where subscriptions come from: a checkout with recurring or delayed lines (a payment link,
a storefront cart), and a paid quote's recurring lines.

A checkout's payment being taken starts one subscription per schedule it sold (lines sharing
an interval, count and first charge), with what the pay step priced beyond today for the
method that paid (``checkout.later``): its amount per period with taxes and the method's fee.
A recurring line charged now makes period 0 paid by the checkout (a bank debit's period 0
clears later; if it bounces the subscription is canceled: it never started). A line whose
first charge is later (trial days, a start date) makes a *scheduled* subscription charged on
that day. Each is unique by its checkout and schedule, so the return page and a webhook
recording the payment at once start it once.

A paid quote records its recurring lines as subscriptions-to-be (``quote_subscriptions``);
the billing run turns each pending one into a subscription, once (unique by the line), charged
from the renewal after the period the quote paid for, to the method the quote saved.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from sqlalchemy import select, update

from app.catalog.service import pricing_tax_rate
from app.checkout.later import listen_to_later_charges
from app.checkout.models import CheckoutSession
from app.core import pricing
from app.core.clock import utcnow
from app.core.money import Money
from app.customers.models import Customer
from app.extensions import DbSession
from app.payments.models import Payment, PaymentStatus
from app.processors.customers import known_processor_customer_id
from app.processors.gateway import shown_method_details
from app.quotes.models import Quote, SubscriptionToBe
from app.quotes.service import merchant_tax_rates
from app.subscriptions.models import (
    PeriodStatus,
    Subscription,
    SubscriptionPeriod,
    SubscriptionSource,
    SubscriptionStatus,
)
from app.subscriptions.service import (
    BY_KASSA,
    LineSpec,
    MethodSpec,
    NewSubscription,
    end,
    record_event,
    start_subscription,
)

log = logging.getLogger("kassa.subscriptions")


def _schedule_key(charge: dict[str, Any]) -> tuple[str, int, str]:
    return (str(charge["interval"]), int(charge["interval_count"]), str(charge["anchor_on"]))


def _schedules(later: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The later charges grouped by schedule, in the checkout's order. A delayed one-time line
    (no interval) is a schedule of one period."""
    groups: dict[tuple[str, int, str], list[dict[str, Any]]] = {}
    for charge in later:
        groups.setdefault(_schedule_key(charge), []).append(charge)
    return list(groups.values())


class CheckoutSubscriptions:
    """The checkout's later-charges listener (registered at import)."""

    def taken(
        self,
        session: DbSession,
        checkout: CheckoutSession,
        payment: Payment,
        later: list[dict[str, Any]],
    ) -> None:
        customer = session.get(Customer, payment.customer_id) if payment.customer_id else None
        if customer is None:
            log.error(
                "a subscription's payment has no customer",
                extra={"fields": {"payment_id": payment.id}},
            )
            return
        details = payment.method_details or {}
        method = MethodSpec(
            id=str(details.get("id") or ""),
            type=payment.method_type or str(details.get("type") or ""),
            details=shown_method_details(details),
            processor_customer_id=known_processor_customer_id(session, customer) or "",
            mandate_id=str(details.get("mandate_id") or ""),
        )
        _start_checkout_subscriptions(
            session, checkout, customer, method, later,
            payment=payment, billing_address=dict(payment.billing_address or {}),
            locale=payment.buyer_locale or checkout.locale,
        )  # fmt: skip

    def saved(
        self,
        session: DbSession,
        checkout: CheckoutSession,
        customer: Customer,
        method: dict[str, Any],
        processor_customer: str,
        later: list[dict[str, Any]],
    ) -> None:
        """Nothing was due now (a trial): the subscriptions start scheduled, with the method
        the SetupIntent saved."""
        saved = MethodSpec(
            id=str(method.get("id") or ""),
            type=str(method.get("type") or ""),
            details=shown_method_details(method),
            processor_customer_id=processor_customer,
            mandate_id=str(method.get("mandate_id") or ""),
        )
        _start_checkout_subscriptions(
            session, checkout, customer, saved, later, payment=None,
            billing_address=dict(checkout.billing_address or {}), locale=checkout.locale,
        )  # fmt: skip

    def settled(self, session: DbSession, checkout: CheckoutSession, payment: Payment) -> None:
        """A first period's bank debit cleared: the period is paid."""
        for period in _first_periods(session, checkout, payment):
            if period.status is PeriodStatus.PROCESSING:
                period.status = PeriodStatus.PAID
                period.paid_at = utcnow()
                detail = {"period": 0, "payment": payment.id}
                record_event(session, period.subscription, "paid", detail)

    def released(self, session: DbSession, checkout: CheckoutSession, payment: Payment) -> None:
        """A first period's bank debit bounced: the subscriptions it started never did."""
        for period in _first_periods(session, checkout, payment):
            period.status = PeriodStatus.FAILED
            period.decline_code = (payment.failure_code or "")[:64]
            end(
                session, period.subscription, SubscriptionStatus.CANCELED, by=BY_KASSA,
                reason="first_payment_failed",
            )  # fmt: skip


def _start_checkout_subscriptions(
    session: DbSession,
    checkout: CheckoutSession,
    customer: Customer,
    method: MethodSpec,
    later: list[dict[str, Any]],
    *,
    payment: Payment | None,
    billing_address: dict[str, Any],
    locale: str,
) -> None:
    """One subscription per schedule the checkout sold, each once (by the checkout and the
    schedule's place): period 0 paid by ``payment`` when it was due now, else scheduled."""
    for index, charges in enumerate(_schedules(later)):
        first = charges[0]
        paid_now = not first["delayed"] and payment is not None
        interval = first["interval"]
        start_subscription(
            session,
            checkout.merchant,
            NewSubscription(
                customer=customer,
                source=SubscriptionSource.CHECKOUT,
                source_reference=f"{checkout.public_id}:{index}",
                currency=(
                    payment.currency
                    if payment is not None
                    else str((checkout.priced or {})["currency"])
                ),
                interval=interval or pricing.Interval.MONTH.value,
                interval_count=int(first["interval_count"]),
                anchor_on=date.fromisoformat(first["anchor_on"]),
                max_periods=None if interval else 1,
                lines=tuple(
                    LineSpec(
                        description=str(charge["title"]),
                        quantity=int(charge["quantity"]),
                        unit_amount=int(charge["unit_amount"]),
                    )
                    for charge in charges
                ),
                period_amount=sum(int(charge["total"]) for charge in charges),
                tax_amount=sum(int(charge["tax_added"]) for charge in charges),
                taxes=tuple(tax for charge in charges for tax in charge["taxes"]),
                fee_amount=sum(int(charge["fee"]) for charge in charges),
                fee_name=str(first.get("fee_name") or ""),
                method=method,
                locale=locale,
                billing_address=billing_address,
                first_period_paid=paid_now,
                first_payment_id=payment.id if paid_now and payment is not None else None,
                first_payment_processing=(
                    paid_now and payment is not None and payment.status is PaymentStatus.PROCESSING
                ),
                checkout_id=checkout.id,
            ),
        )


def _first_periods(
    session: DbSession, checkout: CheckoutSession, payment: Payment
) -> list[SubscriptionPeriod]:
    return list(
        session.scalars(
            select(SubscriptionPeriod)
            .join(Subscription, Subscription.id == SubscriptionPeriod.subscription_id)
            .where(
                Subscription.merchant_id == checkout.merchant_id,
                Subscription.checkout_id == checkout.id,
                SubscriptionPeriod.number == 0,
                SubscriptionPeriod.payment_id == payment.id,
            )
        )
    )


listen_to_later_charges(CheckoutSubscriptions())


# ---------------------------------------------------------------------------------------------
# Quotes


def start_quote_subscriptions(session: DbSession) -> int:
    """Each pending subscription-to-be of a paid quote as a subscription, once; how many were
    started. Its first charge is the renewal the quote recorded (``starts_on``)."""
    pending = list(
        session.scalars(
            select(SubscriptionToBe)
            .where(SubscriptionToBe.status == "pending")
            .order_by(SubscriptionToBe.id)
        )
    )
    started = 0
    for row in pending:
        if _start_from_quote(session, row):
            started += 1
        session.execute(
            update(SubscriptionToBe)
            .where(SubscriptionToBe.id == row.id, SubscriptionToBe.status == "pending")
            .values(status="started")
            .execution_options(synchronize_session=False)
        )
        session.commit()
    return started


def _start_from_quote(session: DbSession, row: SubscriptionToBe) -> bool:
    quote = session.get_one(Quote, row.quote_id)
    rates = merchant_tax_rates(session, quote.merchant_id)
    taxes = tuple(pricing_tax_rate(rates[i]) for i in row.tax_rate_ids if i in rates)
    unit = Money(row.unit_amount, row.currency)
    line = pricing.Line(pricing.Price(str(row.quote_line_id), unit, tax_rates=taxes), row.quantity)
    priced = pricing.price(pricing.Cart(currency=row.currency, today=row.starts_on, lines=(line,)))
    first = priced.lines[0]
    exclusive = [t for t in first.taxes if t.rate.behavior is pricing.TaxBehavior.EXCLUSIVE]
    subscription = start_subscription(
        session,
        quote.merchant,
        NewSubscription(
            customer=quote.customer,
            source=SubscriptionSource.QUOTE,
            source_reference=f"quote-line:{row.quote_line_id}",
            currency=row.currency,
            interval=row.interval,
            interval_count=row.interval_count,
            anchor_on=row.starts_on,
            lines=(
                LineSpec(
                    description=row.description,
                    quantity=row.quantity,
                    unit_amount=row.unit_amount,
                    tax_rate_ids=tuple(row.tax_rate_ids),
                ),
            ),
            period_amount=first.total.amount,
            tax_amount=sum(t.amount.amount for t in exclusive),
            taxes=tuple(
                {
                    "name": t.rate.name,
                    "percentage": str(t.rate.percentage),
                    "behavior": t.rate.behavior.value,
                    "amount": t.amount.amount,
                }
                for t in first.taxes
            ),
            method=MethodSpec(
                id=quote.saved_method_id,
                type=quote.saved_method_type,
                details=dict(quote.saved_method_details or {}),
                processor_customer_id=quote.processor_customer_id,
                mandate_id=quote.saved_mandate_id,
            )
            if quote.saved_method_id
            else None,
            locale=quote.locale,
        ),
    )
    if subscription is None:
        return False
    subscription.status = SubscriptionStatus.ACTIVE  # the quote paid the period before
    subscription.started_at = utcnow()
    record_event(session, subscription, "from_quote", {"quote": quote.shown_number})
    return True
