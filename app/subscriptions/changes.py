"""The merchant's change of a subscription's lines: a line's quantity, a line removed (never
the last), a line added from the merchant's recurring products in the subscription's currency
and schedule; from the next period, or prorated over the days left of the current one.

A change is priced as the billing run bills a period (``period_price``: every line's tax
rates, the merchant's fee for the saved method, ``pricing.price``), so the period amount, its
taxes and fee the run charges next follow the new lines. With proration (``pricing.prorate``)
the old lines' share of the days left is credited and the new lines' share charged: a
positive difference is charged at once, off-session, as an invoice of its own under the key
``subscription:<id>:change:<n>`` (``n`` the subscription's change counter); a negative one, or
one below the currency's minimum charge, is carried to the next period's invoice
(``Subscription.carried_amount``, taken once by ``take_carried``).

Each change first raises the change counter with one guarded UPDATE from the value the
merchant's page showed: two tabs posting the same change make it once (the second is told the
subscription changed meanwhile), and the claim is committed before Stripe is called.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.catalog.models import Product
from app.catalog.service import pricing_fees, pricing_tax_rate
from app.core import pricing
from app.core.errors import ServiceError
from app.core.money import Money, below_minimum, format_money
from app.data.clock import scheduler_now
from app.extensions import DbSession
from app.invoices.models import Invoice, PaymentTerms
from app.invoices.off_session import charge_invoice
from app.invoices.service import LineInput, create_invoice, finalize_invoice
from app.payments.service import GatewayLookup
from app.processors.access import connected_gateway
from app.processors.gateway import GatewayError, PaymentGateway
from app.processors.idempotency import idempotency_key
from app.quotes.service import merchant_tax_rates
from app.settings.service import list_fees
from app.subscriptions.billing import (
    METADATA_SUBSCRIPTION,
    UNANSWERED_AFTER,
    payer,
    saved_method,
)
from app.subscriptions.management import refuse_late_edit
from app.subscriptions.models import (
    ENDED_STATUSES,
    ChangeChargeStatus,
    PeriodStatus,
    Subscription,
    SubscriptionChange,
    SubscriptionPeriod,
)
from app.subscriptions.service import LineSpec, record_event, subscription_lines

log = logging.getLogger("kassa.subscriptions")

MAX_QUANTITY = 10_000
MAX_LINES = 20
METADATA_CHANGE = "kassa_subscription_change"

QUANTITY_RANGE = _l("A quantity is a whole number from 1 to 10,000.")
UNKNOWN_LINE = _l("Choose one of this subscription's lines.")
LAST_LINE = _l("A subscription keeps at least one line: cancel it instead.")
TOO_MANY_LINES = _l("A subscription has at most 20 lines.")
UNFIT_PRODUCT = _l(
    "Choose one of your products billed on this subscription's schedule, with a price in its "
    "currency."
)
NOTHING_CHANGED = _l("That is what the subscription has already: nothing was changed.")
CHANGED_MEANWHILE = _l(
    "This subscription was changed meanwhile (in another tab?). Look at it again and make your "
    "change there."
)
NO_METHOD = _l(
    "This subscription has no saved payment method to charge the difference with: make the "
    "change from the next period."
)
NOT_CONNECTED = _l(
    "No Stripe account is connected to charge the difference with: make the change from the "
    "next period."
)
UNPRICEABLE = _l(
    "These lines cannot be priced with your current fee or tax settings: fix them first."
)


@dataclass(frozen=True)
class PeriodPrice:
    """What one period of some lines charges: ``total`` with exclusive taxes and the fee."""

    lines_total: int  # with exclusive taxes, without the fee (what proration shares out)
    tax_amount: int
    taxes: list[dict[str, Any]]
    fee_amount: int
    fee_name: str

    @property
    def total(self) -> int:
        return self.lines_total + self.fee_amount


@dataclass(frozen=True)
class ChangeOutcome:
    """What a change did: the proration (None: from the next period), the amount carried to
    the next invoice, and the invoice charged now (its number) with its charge's status
    (still charging: Stripe gave no answer yet; the billing task asks again)."""

    number: int
    proration: pricing.Proration | None
    carried: int = 0
    invoice_number: str | None = None
    charge_status: ChangeChargeStatus | None = None


# ---------------------------------------------------------------------------------------------
# Pricing a period


def current_lines(subscription: Subscription) -> list[LineSpec]:
    return [
        LineSpec(
            line.description,
            line.quantity,
            line.unit_amount,
            line.product_id,
            tuple(line.tax_rate_ids or ()),
        )
        for line in subscription.lines
    ]


def _sold_with_rates(subscription: Subscription) -> tuple[pricing.TaxRate, ...]:
    """The rates the subscription was sold with (its stored taxes, which the checkout applied
    for the buyer's country), for its lines that keep no rate ids of their own."""
    seen: dict[tuple[str, str, str], pricing.TaxRate] = {}
    for tax in subscription.taxes or []:
        key = (str(tax["name"]), str(tax["percentage"]), str(tax["behavior"]))
        seen.setdefault(
            key,
            pricing.TaxRate(
                name=key[0],
                percentage=Decimal(key[1]),
                behavior=pricing.TaxBehavior(key[2]),
            ),
        )
    return tuple(seen.values())


def period_price(
    session: DbSession, subscription: Subscription, lines: Sequence[LineSpec], today: date
) -> PeriodPrice:
    """One period of ``lines`` as the billing run charges it: each line's tax rates (a line of
    a product or a quote its own rate ids; a checkout's line the rates it was sold with), for
    the billing address's country, and the merchant's fee for the saved method."""
    rates = merchant_tax_rates(session, subscription.merchant_id)
    sold_with = _sold_with_rates(subscription)
    currency = subscription.currency
    cart_lines = []
    for index, line in enumerate(lines):
        own = line.product_id is not None or bool(line.tax_rate_ids)
        taxes = (
            tuple(pricing_tax_rate(rates[i]) for i in line.tax_rate_ids if i in rates)
            if own
            else sold_with
        )
        price = pricing.Price(str(index), Money(line.unit_amount, currency), tax_rates=taxes)
        cart_lines.append(pricing.Line(price, line.quantity))
    method_type = subscription.payment_method_type
    method = (
        pricing.PaymentMethod(method_type)
        if method_type in {m.value for m in pricing.PaymentMethod}
        else None
    )
    country = str((subscription.billing_address or {}).get("country") or "") or None
    try:
        fees = pricing_fees(list_fees(session, subscription.merchant), currency)
        breakdown = pricing.price(
            pricing.Cart(currency, today, tuple(cart_lines), fees=fees, buyer_country=country),
            method,
        )
    except pricing.PricingError as error:
        raise ServiceError(UNPRICEABLE) from error
    due = breakdown.due_now
    return PeriodPrice(
        lines_total=(due.total - due.fee).amount,
        tax_amount=due.tax_added.amount,
        taxes=[
            {
                "name": tax.rate.name,
                "percentage": str(tax.rate.percentage),
                "behavior": tax.rate.behavior.value,
                "amount": tax.amount.amount,
            }
            for tax in due.taxes
        ],
        fee_amount=due.fee.amount,
        fee_name=due.fee_name or "",
    )


# ---------------------------------------------------------------------------------------------
# The lines a change leaves


def fitting_products(session: DbSession, subscription: Subscription) -> list[tuple[Product, Money]]:
    """The merchant's products a line may be added from, with their price: recurring on the
    subscription's schedule, with a price in its currency, not archived."""
    products = session.scalars(
        select(Product)
        .where(
            Product.merchant_id == subscription.merchant_id,
            Product.archived_at.is_(None),
            Product.interval == subscription.interval,
            Product.interval_count == subscription.interval_count,
        )
        .order_by(Product.name, Product.id)
    )
    priced = ((product, product.price_in(subscription.currency)) for product in products)
    return [(product, price) for product, price in priced if price is not None]


def _checked_quantity(quantity: int) -> int:
    if not 1 <= quantity <= MAX_QUANTITY:
        raise ServiceError(QUANTITY_RANGE, field="quantity")
    return quantity


def _checked_position(subscription: Subscription, position: int) -> int:
    """A line by its place on the subscription's page (0 the first): the change counter the
    page carries makes sure the lines are still the ones it showed."""
    if not 0 <= position < len(subscription.lines):
        raise ServiceError(UNKNOWN_LINE, field="line")
    return position


def with_quantity(subscription: Subscription, position: int, quantity: int) -> list[LineSpec]:
    lines = current_lines(subscription)
    index = _checked_position(subscription, position)
    lines[index] = replace(lines[index], quantity=_checked_quantity(quantity))
    return lines


def without_line(subscription: Subscription, position: int) -> list[LineSpec]:
    lines = current_lines(subscription)
    index = _checked_position(subscription, position)
    if len(lines) == 1:
        raise ServiceError(LAST_LINE, field="line")
    del lines[index]
    return lines


def with_product(
    session: DbSession, subscription: Subscription, product_id: int, quantity: int
) -> list[LineSpec]:
    """The lines with ``product_id`` added (one of the merchant's fitting products)."""
    _checked_quantity(quantity)
    fitting = dict((product.id, (product, price))
                   for product, price in fitting_products(session, subscription))  # fmt: skip
    if product_id not in fitting:
        raise ServiceError(UNFIT_PRODUCT, field="product")
    product, unit = fitting[product_id]
    lines = current_lines(subscription)
    if len(lines) >= MAX_LINES:
        raise ServiceError(TOO_MANY_LINES, field="product")
    rate_ids = (product.tax_rate_id,) if product.tax_rate_id else ()
    return [*lines, LineSpec(product.name[:200], quantity, unit.amount, product.id, rate_ids)]


# ---------------------------------------------------------------------------------------------
# Making the change


def change_lines(
    session: DbSession,
    subscription: Subscription,
    lines: Sequence[LineSpec],
    *,
    seen_change: int,
    prorate: bool,
    today: date,
    override: bool = False,
    user_id: int | None = None,
    gateway_for: GatewayLookup = connected_gateway,
) -> ChangeOutcome:
    """Give the subscription ``lines`` from now (``prorate``) or from its next period. The
    change counter moves from ``seen_change`` (what the merchant's page showed) once; the
    claim, the lines and the carried amount are committed before any charge is made."""
    refuse_late_edit(subscription, today, override=override)
    if seen_change != subscription.change_count:
        raise ServiceError(CHANGED_MEANWHILE)  # the claim below decides a race; this says it early
    before = current_lines(subscription)
    if list(lines) == before:
        raise ServiceError(NOTHING_CHANGED)
    old = period_price(session, subscription, before, today)
    new = period_price(session, subscription, lines, today)
    proration = _proration(subscription, old, new, today) if prorate else None
    difference = proration.difference if proration else Money(0, subscription.currency)
    charge_now = difference.amount > 0 and not below_minimum(difference)
    gateway = _charging_gateway(session, subscription, gateway_for) if charge_now else None
    number = seen_change + 1
    if not _claim_change(session, subscription, seen_change):
        raise ServiceError(CHANGED_MEANWHILE)
    _replace_lines(session, subscription, lines, new)
    carried = 0 if charge_now else difference.amount
    if carried:
        _carry(session, subscription, carried)
    record_event(
        session, subscription, "lines_changed",
        {
            "change": number, "override": override, "prorated": prorate,
            "before": [line.shown() for line in before],
            "after": [line.shown() for line in lines],
            "amount_before": old.total, "amount_after": new.total,
            "credit": proration.credit.amount if proration else 0,
            "charge": proration.charge.amount if proration else 0,
            "days_left": proration.days_left if proration else 0,
            "carried": carried,
        },
        user_id,
    )  # fmt: skip
    charge = None
    if gateway is not None and proration is not None:
        charge = _change_charge(session, subscription, number, proration, today)
    session.commit()  # the claim, and the charge's invoice, are durable before Stripe is asked
    if charge is None or gateway is None:
        return ChangeOutcome(number, proration, carried)
    charge_change(session, charge, gateway)
    invoice = session.get(Invoice, charge.invoice_id) if charge.invoice_id else None
    return ChangeOutcome(
        number, proration, carried,
        invoice_number=invoice.number if invoice is not None else None,
        charge_status=charge.status,
    )  # fmt: skip


def _charging_gateway(
    session: DbSession, subscription: Subscription, gateway_for: GatewayLookup
) -> PaymentGateway:
    """What charges the difference now: refused before anything changes when there is no
    saved method or no connected Stripe account to charge it with."""
    if not subscription.payment_method_id:
        raise ServiceError(NO_METHOD, field="timing")
    try:
        return gateway_for(session, subscription.merchant_id)
    except GatewayError as error:
        raise ServiceError(NOT_CONNECTED, field="timing") from error


def _proration(
    subscription: Subscription, old: PeriodPrice, new: PeriodPrice, today: date
) -> pricing.Proration | None:
    start, end = subscription.current_period_start, subscription.current_period_end
    if start is None or end is None:
        return None  # nothing paid for yet: the first charge has the new lines
    currency = subscription.currency
    return pricing.prorate(
        Money(old.lines_total, currency), Money(new.lines_total, currency), start, end, today
    )


def _claim_change(session: DbSession, subscription: Subscription, seen_change: int) -> bool:
    moved = session.execute(
        update(Subscription)
        .where(
            Subscription.id == subscription.id,
            Subscription.merchant_id == subscription.merchant_id,
            Subscription.change_count == seen_change,
            Subscription.status.not_in(ENDED_STATUSES),
        )
        .values(change_count=seen_change + 1)
        .execution_options(synchronize_session=False)
    )
    session.refresh(subscription)
    return bool(moved.rowcount == 1)  # type: ignore[attr-defined]


def _replace_lines(
    session: DbSession, subscription: Subscription, lines: Sequence[LineSpec], price: PeriodPrice
) -> None:
    subscription.lines = subscription_lines(subscription.merchant_id, lines)
    subscription.period_amount = price.total
    subscription.tax_amount = price.tax_amount
    subscription.taxes = price.taxes
    subscription.fee_amount = price.fee_amount
    subscription.fee_name = price.fee_name
    session.flush()
    # A next period not charged yet shows the new amount (its invoice is made from the lines).
    session.execute(
        update(SubscriptionPeriod)
        .where(
            SubscriptionPeriod.subscription_id == subscription.id,
            SubscriptionPeriod.number >= subscription.next_period,
            SubscriptionPeriod.status.in_((PeriodStatus.SCHEDULED, PeriodStatus.NOTIFIED)),
        )
        .values(amount=price.total)
        .execution_options(synchronize_session=False)
    )


def _carry(session: DbSession, subscription: Subscription, amount: int) -> None:
    session.execute(
        update(Subscription)
        .where(Subscription.id == subscription.id)
        .values(carried_amount=Subscription.carried_amount + amount)
        .execution_options(synchronize_session=False)
    )
    session.refresh(subscription)


def _change_charge(
    session: DbSession,
    subscription: Subscription,
    number: int,
    proration: pricing.Proration,
    today: date,
) -> SubscriptionChange:
    """The difference's invoice (numbered, one line naming the days and both shares) and the
    row that charges it, made with the change."""
    with force_locale(subscription.locale):
        description = _(
            "Change of subscription %(number)d for %(days)d of %(period)d days to %(end)s: "
            "new lines %(charge)s less the lines replaced %(credit)s",
            number=subscription.id,
            days=proration.days_left,
            period=proration.days_in_period,
            end=format_date(subscription.current_period_end),
            charge=format_money(proration.charge, subscription.locale),
            credit=format_money(proration.credit, subscription.locale),
        )
    invoice = create_invoice(
        session,
        subscription.merchant,
        subscription.customer,
        currency=subscription.currency,
        lines=[LineInput(description[:200], 1, proration.difference.amount)],
        locale=subscription.locale,
        terms=PaymentTerms.DUE_ON_RECEIPT,
        memo=description,
        payment_methods=[subscription.payment_method_type],
        currency_agreed=True,
    )
    finalize_invoice(session, invoice, today, current_app.extensions["kassa_settings"].secret_key)
    charge = SubscriptionChange(
        merchant_id=subscription.merchant_id,
        subscription_id=subscription.id,
        number=number,
        amount=invoice.payable,
        status=ChangeChargeStatus.CHARGING,
        invoice_id=invoice.id,
        asked_at=scheduler_now(session),
    )
    session.add(charge)
    record_event(
        session, subscription, "change_invoiced",
        {"change": number, "invoice": invoice.number, "amount": invoice.total},
    )  # fmt: skip
    return charge


def charge_change(session: DbSession, charge: SubscriptionChange, gateway: PaymentGateway) -> None:
    """Ask Stripe for a change's charge, off-session with the saved method, under
    ``subscription:<id>:change:<n>`` (a repeat of the key returns the charge made); the row
    records the answer (no answer: it stays charging, and is asked again later). Commits."""
    subscription = charge.subscription
    invoice = session.get_one(Invoice, charge.invoice_id)
    result = charge_invoice(
        session,
        invoice,
        saved_method(subscription),
        key=idempotency_key(session, "subscription", subscription.id, "change", charge.number),
        gateway=gateway,
        payer=payer(subscription),
        metadata={
            METADATA_SUBSCRIPTION: str(subscription.id),
            METADATA_CHANGE: str(charge.number),
        },
    )
    if result.answered:
        moved = session.execute(
            update(SubscriptionChange)
            .where(
                SubscriptionChange.id == charge.id,
                SubscriptionChange.status == ChangeChargeStatus.CHARGING,
            )
            .values(
                status=ChangeChargeStatus.FAILED if result.failed else ChangeChargeStatus.CHARGED,
                intent_id=result.intent_id,
                failure_code=(result.failure_code or "")[:64],
            )
            .execution_options(synchronize_session=False)
        )
        session.refresh(charge)
        if moved.rowcount == 1:  # type: ignore[attr-defined]
            record_event(
                session, subscription,
                "change_charge_failed" if result.failed else "change_charged",
                {"change": charge.number, "invoice": invoice.number, "code": result.failure_code},
            )  # fmt: skip
    session.commit()


def unanswered_changes(session: DbSession, now: datetime) -> list[int]:
    """Change charges Stripe has not answered for ``UNANSWERED_AFTER``."""
    return list(
        session.scalars(
            select(SubscriptionChange.id)
            .where(
                SubscriptionChange.status == ChangeChargeStatus.CHARGING,
                SubscriptionChange.asked_at <= now - UNANSWERED_AFTER,
            )
            .order_by(SubscriptionChange.id)
        )
    )


def charge_unanswered_changes(
    session: DbSession, *, gateway_for: GatewayLookup = connected_gateway
) -> list[int]:
    """Ask again, under the same key, for each change charge Stripe did not answer, each taken
    first by a guarded UPDATE of ``asked_at`` (two runs: one asks). The ids asked."""
    now = scheduler_now(session)
    asked = []
    for charge_id in unanswered_changes(session, now):
        charge = session.get_one(SubscriptionChange, charge_id)
        taken = session.execute(
            update(SubscriptionChange)
            .where(
                SubscriptionChange.id == charge.id,
                SubscriptionChange.status == ChangeChargeStatus.CHARGING,
                SubscriptionChange.asked_at == charge.asked_at,
            )
            .values(asked_at=now)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            continue
        try:
            charge_change(session, charge, gateway_for(session, charge.merchant_id))
        except Exception:
            session.rollback()
            log.exception("change charge failed", extra={"fields": {"change_id": charge_id}})
            continue
        asked.append(charge_id)
    return asked
