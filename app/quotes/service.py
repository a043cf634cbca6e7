"""Quotes, the merchant's side and the buyer's decisions: drafts made and edited and priced,
sent (numbered, dated, given the customer's address), revised while open (a new row, the same
number with the next suffix, the address moved to it), duplicated, canceled; accepted once
(with its evidence), countersigned, declined, expired; converted into an invoice.

Statuses (stored): draft → open → accepted (or awaiting a countersignature first) → partly
paid → paid; declined, expired, canceled, superseded. Every change of status is one guarded
UPDATE whose WHERE is the rule, so two tabs (or a buyer and the merchant) acting at once cannot
both succeed. Services do not commit: the route (or task) that calls them does.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from app.catalog.models import Product
from app.catalog.service import pricing_tax_rate
from app.core import pricing
from app.core.clock import utcnow
from app.core.crypto import Purpose, Rotation, decrypt, encrypt
from app.core.errors import ServiceError
from app.core.methods import PaymentMethod
from app.core.money import Money, is_currency
from app.core.tokens import new_secret_token, token_digest
from app.customers.models import Customer
from app.documents.models import SeriesKind
from app.documents.numbering import take_number
from app.extensions import DbSession
from app.invoices.models import Invoice, ManualMethod
from app.invoices.service import LineInput as InvoiceLineInput
from app.invoices.service import create_invoice, finalize_invoice, record_manual_payment
from app.merchants.models import Merchant, User
from app.quotes.models import (
    ACCEPTED_STATUSES,
    AcceptanceMode,
    PartStatus,
    PaymentMode,
    Quote,
    QuoteEvent,
    QuoteLine,
    QuotePaymentPart,
    QuoteSettings,
    QuoteStatus,
)
from app.quotes.pricing import (
    PartSpec,
    PaymentPlan,
    PlanKind,
    QuoteItem,
    QuotePrice,
    QuotePricingError,
    QuoteTerms,
    check_plan,
    chosen_quantities,
    default_quantities,
    payment_parts,
    price_quote,
    tax_bases,
    unpayable_part,
)
from app.settings.models import TaxRate
from app.settings.service import account_currencies
from app.web.i18n import shipped_locales

DOCUMENT_TYPE = "quote"  # CheckoutSession.document_type of a quote's checkouts
MAX_LINES = 100
MAX_QUANTITY = 1_000_000
MAX_DESCRIPTION = 200
MAX_TEXT = 4000
MAX_NAME = 200
MAX_VALIDITY_DAYS = 366


@dataclass(frozen=True)
class LineInput:
    """One line as the merchant entered it (amounts in minor units)."""

    description: str
    quantity: int
    unit_amount: int
    product_id: int | None = None
    discount_percent: Decimal | None = None
    tax_rate_ids: tuple[int, ...] = ()
    optional: bool = False
    adjustable: bool = False
    min_quantity: int | None = None
    max_quantity: int | None = None
    interval: pricing.Interval | None = None
    interval_count: int = 1


@dataclass(frozen=True)
class QuoteInput:
    """Everything a draft (or an open quote's revision) is made of."""

    customer: Customer
    currency: str
    lines: Sequence[LineInput]
    locale: str | None = None
    title: str = ""
    expires_on: date | None = None
    terms: Mapping[str, str] = field(default_factory=dict)  # by locale
    notes: Mapping[str, str] = field(default_factory=dict)  # by locale
    payment_methods: Sequence[str] | None = None
    discount_percent: Decimal | None = None
    discount_amount: int | None = None
    acceptance_mode: AcceptanceMode = AcceptanceMode.SIGNATURE
    countersigner_id: int | None = None
    payment_mode: PaymentMode = PaymentMode.FULL
    deposit_percent: Decimal | None = None
    deposit_amount: int | None = None
    parts: Sequence[PartSpec] = ()
    extra: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Reading


def quote_settings(session: DbSession, merchant: Merchant) -> QuoteSettings:
    """The merchant's quote defaults, made on first use."""
    found = session.scalar(select(QuoteSettings).where(QuoteSettings.merchant_id == merchant.id))
    if found is not None:
        return found
    settings = QuoteSettings(merchant_id=merchant.id)
    session.add(settings)
    session.flush()
    return settings


def quote_by_token(session: DbSession, token: str) -> Quote | None:
    """The quote a customer's address ``/q/<token>`` shows now: the latest revision (a
    revision takes the address over), never a draft."""
    if not token:
        return None
    return session.scalar(select(Quote).where(Quote.token_digest == token_digest(token)))


def buyer_token(quote: Quote, secret_key: str) -> str:
    if quote.token_encrypted is None:
        raise ValueError(f"quote {quote.id} has no address: a draft or an old revision")
    return decrypt(quote.token_encrypted, secret_key, Purpose.DOCUMENT_TOKENS)


def is_expired(quote: Quote, today: date) -> bool:
    """Expired: marked so, or open past its date (the periodic task marks it later)."""
    if quote.status is QuoteStatus.EXPIRED:
        return True
    return (
        quote.status is QuoteStatus.OPEN
        and quote.expires_on is not None
        and today > quote.expires_on
    )


def shown_status(quote: Quote, today: date) -> QuoteStatus:
    return QuoteStatus.EXPIRED if is_expired(quote, today) else quote.status


def can_edit(quote: Quote) -> bool:
    """A draft is edited; an open quote is revised (a new row)."""
    return quote.status in (QuoteStatus.DRAFT, QuoteStatus.OPEN)


def plan_of(quote: Quote) -> PaymentPlan:
    return PaymentPlan(
        kind=PlanKind(quote.payment_mode.value),
        deposit_percent=quote.deposit_percent,
        deposit_amount=quote.deposit_amount,
        parts=tuple(
            PartSpec(percent=part.percent, amount=part.fixed_amount, due_on=part.due_on)
            for part in quote.parts
        ),
    )


def quote_terms(quote: Quote, rates: Mapping[int, TaxRate]) -> QuoteTerms:
    """The quote as the pure pricing takes it (each line's reference is its position)."""
    country = (quote.customer.billing_address or {}).get("country") if quote.customer else None
    missing = [i for line in quote.lines for i in line.tax_rate_ids if i not in rates]
    if missing:
        raise ServiceError(_l("A tax rate of this quote no longer exists."), "lines")
    return QuoteTerms(
        currency=quote.currency,
        items=tuple(
            QuoteItem(
                reference=str(line.position),
                unit_amount=line.unit_amount,
                quantity=line.quantity,
                discount_percent=line.discount_percent,
                tax_rates=tuple(pricing_tax_rate(rates[i]) for i in line.tax_rate_ids),
                optional=line.optional,
                adjustable=line.adjustable,
                min_quantity=line.min_quantity,
                max_quantity=line.max_quantity,
                recurrence=(
                    pricing.Recurrence(pricing.Interval(line.interval), line.interval_count)
                    if line.interval
                    else None
                ),
            )
            for line in quote.lines
        ),
        discount_percent=quote.discount_percent,
        discount_amount=quote.discount_amount,
        buyer_country=country,
    )


def merchant_tax_rates(session: DbSession, merchant_id: int) -> dict[int, TaxRate]:
    rows = session.scalars(select(TaxRate).where(TaxRate.merchant_id == merchant_id))
    return {rate.id: rate for rate in rows}


def current_quantities(quote: Quote) -> dict[str, int]:
    """The buyer's chosen quantities once accepted, else the lines' defaults."""
    if quote.chosen_quantities is not None:
        return dict(quote.chosen_quantities)
    return default_quantities(
        [
            QuoteItem(str(line.position), 0, line.quantity, optional=line.optional)
            for line in quote.lines
        ]
    )


def price_with(
    session: DbSession, quote: Quote, quantities: Mapping[str, int], today: date
) -> QuotePrice:
    """The quote priced with ``quantities`` (already checked)."""
    terms = quote_terms(quote, merchant_tax_rates(session, quote.merchant_id))
    try:
        return price_quote(terms, quantities, today)
    except pricing.PricingError as error:
        raise ServiceError(_l("These amounts cannot be priced: %(why)s", why=str(error))) from error


def buyer_quantities(quote: Quote, posted: Mapping[str, int]) -> dict[str, int]:
    """The buyer's choices checked against the lines' limits (refused with the buyer's words)."""
    terms = QuoteTerms(
        quote.currency,
        tuple(
            QuoteItem(
                str(line.position),
                line.unit_amount,
                line.quantity,
                optional=line.optional,
                adjustable=line.adjustable,
                min_quantity=line.min_quantity,
                max_quantity=line.max_quantity,
            )
            for line in quote.lines
        ),
    )
    try:
        return chosen_quantities(terms.items, posted)
    except QuotePricingError as refused:
        if refused.code == "empty":
            raise ServiceError(_l("Choose at least one line."), "lines") from refused
        raise ServiceError(_l("Choose a quantity within the limits shown."), "lines") from refused


def _store_price(quote: Quote, priced: QuotePrice) -> None:
    by_reference = {line.reference: line for line in priced.lines}
    for line in quote.lines:
        shown = by_reference.get(str(line.position))
        line.amount = shown.amount.amount if shown else 0
        line.taxes = [_tax_entry(tax) for tax in shown.taxes] if shown else []
    quote.subtotal = priced.subtotal.amount
    quote.discount_total = priced.discount.amount
    quote.tax_total = priced.tax_total.amount
    quote.total = priced.total.amount
    quote.tax_breakdown = [
        {**_tax_entry(tax), "base": base}
        for tax, base in zip(priced.taxes, tax_bases(priced), strict=True)
    ]


def _tax_entry(tax: pricing.TaxAmount) -> dict[str, Any]:
    return {
        "name": tax.rate.name,
        "percent": str(tax.rate.percentage),
        "inclusive": tax.rate.behavior is pricing.TaxBehavior.INCLUSIVE,
        "amount": tax.amount.amount,
    }


def instalments(quote: Quote) -> list[tuple[Money, date | None]]:
    """What the quote's current total is paid in, for the pages (empty: nothing at
    acceptance, or a plan the total cannot take)."""
    try:
        parts = payment_parts(quote.money(quote.total), plan_of(quote))
    except QuotePricingError:
        return []
    return [(part.amount, part.due_on) for part in parts]


def due_at_acceptance_of(quote: Quote, today: date) -> Money:
    """What accepting the quote as it stands asks to pay at once (its plan's parts without a
    date or due by ``today``); once accepted, ``paying.payable_now`` says what is left."""
    owed = sum(
        amount.amount for amount, due_on in instalments(quote) if due_on is None or due_on <= today
    )
    return quote.money(owed)


# ---------------------------------------------------------------------------------------------
# Drafts


def create_quote(
    session: DbSession,
    merchant: Merchant,
    customer: Customer,
    *,
    currency: str,
    lines: Sequence[LineInput],
    **fields: Any,
) -> Quote:
    """A draft for ``customer``, priced with the lines' default quantities (no number yet)."""
    quote = Quote(merchant_id=merchant.id, merchant=merchant, status=QuoteStatus.DRAFT)
    _apply(session, merchant, quote, QuoteInput(customer, currency, lines, **fields))
    session.add(quote)
    session.flush()
    return quote


def preview_quote(
    session: DbSession,
    merchant: Merchant,
    customer: Customer,
    *,
    currency: str,
    lines: Sequence[LineInput],
    **fields: Any,
) -> Quote:
    """A quote priced as ``create_quote`` would make it, kept out of the session (the
    editor's live totals)."""
    quote = Quote(merchant_id=merchant.id, status=QuoteStatus.DRAFT)
    _apply(session, merchant, quote, QuoteInput(customer, currency, lines, **fields))
    return quote


def update_draft(
    session: DbSession,
    quote: Quote,
    *,
    customer: Customer | None = None,
    currency: str | None = None,
    lines: Sequence[LineInput],
    **fields: Any,
) -> Quote:
    if quote.status is not QuoteStatus.DRAFT:
        raise ServiceError(_l("Only a draft can be changed this way."))
    given = QuoteInput(customer or quote.customer, currency or quote.currency, lines, **fields)
    _apply(session, quote.merchant, quote, given)
    session.flush()
    return quote


def delete_draft(session: DbSession, quote: Quote) -> None:
    """A draft has no number, so deleting it leaves no gap; a sent quote is canceled."""
    if quote.status is not QuoteStatus.DRAFT or quote.number is not None:
        raise ServiceError(_l("A sent quote cannot be deleted; cancel it instead."))
    session.delete(quote)
    session.flush()


def _apply(session: DbSession, merchant: Merchant, quote: Quote, given: QuoteInput) -> None:
    if given.extra:
        raise TypeError(f"unknown quote fields: {sorted(given.extra)}")
    customer = given.customer
    if customer.merchant_id != merchant.id:
        raise ServiceError(_l("Choose one of your customers."), "customer")
    if customer.erased_at is not None:
        raise ServiceError(_l("This customer's data was erased: bill another."), "customer")
    if not is_currency(given.currency) or given.currency not in account_currencies(
        session, merchant
    ):
        raise ServiceError(_l("Choose one of your account's currencies."), "currency")
    locale = _checked_locale(given.locale, customer)
    if len(given.title.strip()) > MAX_DESCRIPTION:
        raise ServiceError(_l("At most %(n)d characters.", n=MAX_DESCRIPTION), "title")
    terms = _checked_texts(given.terms, "terms")
    notes = _checked_texts(given.notes, "notes")
    methods = _checked_methods(given.payment_methods)
    rates = merchant_tax_rates(session, merchant.id)
    lines = _checked_lines(session, merchant, given.lines, rates)
    discount_percent, discount_amount = _checked_discount(given)
    countersigner = _checked_countersigner(session, merchant, given.countersigner_id)
    plan = PaymentPlan(
        PlanKind(given.payment_mode.value),
        given.deposit_percent if given.payment_mode is PaymentMode.DEPOSIT else None,
        given.deposit_amount if given.payment_mode is PaymentMode.DEPOSIT else None,
        tuple(given.parts) if given.payment_mode is PaymentMode.SCHEDULE else (),
    )
    _check_plan(plan)
    _check_dates(given.expires_on, plan, utcnow().date())

    quote.customer = customer
    quote.customer_id = customer.id
    quote.currency = given.currency
    quote.locale = locale
    quote.title = given.title.strip()
    quote.expires_on = given.expires_on
    quote.terms = terms
    quote.notes = notes
    quote.payment_methods = methods
    quote.discount_percent = discount_percent
    quote.discount_amount = discount_amount
    quote.acceptance_mode = given.acceptance_mode
    quote.countersigner_id = countersigner
    quote.payment_mode = given.payment_mode
    quote.deposit_percent = plan.deposit_percent
    quote.deposit_amount = plan.deposit_amount
    quote.lines = [
        QuoteLine(
            merchant_id=merchant.id,
            position=position,
            product_id=line.product_id,
            description=line.description.strip(),
            quantity=line.quantity,
            unit_amount=line.unit_amount,
            discount_percent=line.discount_percent or None,
            tax_rate_ids=list(line.tax_rate_ids),
            optional=line.optional,
            adjustable=line.adjustable,
            min_quantity=line.min_quantity if line.adjustable else None,
            max_quantity=line.max_quantity if line.adjustable else None,
            interval=line.interval.value if line.interval else None,
            interval_count=line.interval_count if line.interval else 1,
        )
        for position, line in enumerate(lines)
    ]
    quote.parts = [
        QuotePaymentPart(
            merchant_id=merchant.id,
            position=position,
            percent=part.percent,
            fixed_amount=part.amount,
            due_on=part.due_on,
        )
        for position, part in enumerate(plan.parts)
    ]
    _store_price(quote, _priced_defaults(quote, rates))
    _check_payable(quote)


def _check_dates(expires_on: date | None, plan: PaymentPlan, today: date) -> None:
    if expires_on is not None and expires_on < today:
        raise ServiceError(_l("The expiry date is in the past."), "expires_on")
    if expires_on is not None and expires_on > today + timedelta(days=MAX_VALIDITY_DAYS):
        raise ServiceError(_l("A quote is valid for at most a year."), "expires_on")
    if any(part.due_on is not None and part.due_on < today for part in plan.parts):
        raise ServiceError(_l("A part of the schedule is due in the past."), "payment_mode")


def _priced_defaults(quote: Quote, rates: Mapping[int, TaxRate]) -> QuotePrice:
    terms = quote_terms(quote, rates)
    quantities = default_quantities(terms.items)
    if not any(quantities.values()):
        raise ServiceError(_l("At least one line must not be optional."), "lines")
    try:
        return price_quote(terms, quantities, date(2000, 1, 1))
    except pricing.PricingError as error:
        raise ServiceError(_l("These amounts cannot be priced: %(why)s", why=str(error))) from error


PLAN_REFUSALS = {
    "deposit": _l("Give the deposit as a percentage below 100 or an amount above zero."),
    "step": _l("Amounts in this currency go in steps of 0.010."),
    "deposit_total": _l("The deposit must be less than the quote's total."),
    "schedule_parts": _l("A payment schedule has 2 to 12 parts."),
    "schedule_part": _l("Give each part as a percentage or an amount above zero."),
    "schedule_rest": _l("Only the last part may be left empty: it is the rest."),
    "schedule_dates": _l("Every part after the first has a date, each later than the one before."),
    "schedule_sum": _l("The percentages must add up to 100."),
    "schedule_total": _l("The parts come to more than the quote's total."),
}


def _check_plan(plan: PaymentPlan) -> None:
    try:
        check_plan(plan)
    except QuotePricingError as refused:
        raise ServiceError(PLAN_REFUSALS[refused.code], "payment_mode") from refused


def _check_payable(quote: Quote) -> None:
    """The plan must split the quote's total (with the default choices) into parts Stripe can
    charge; a buyer's choices are checked again at acceptance."""
    if quote.total <= 0:
        raise ServiceError(_l("A quote of nothing cannot be sent."), "lines")
    try:
        parts = payment_parts(quote.money(quote.total), plan_of(quote))
    except QuotePricingError as refused:
        raise ServiceError(PLAN_REFUSALS[refused.code], "payment_mode") from refused
    if unpayable_part(parts) is not None:
        raise ServiceError(_l("A part to pay is below what a card payment can be."), "payment_mode")


def _checked_locale(chosen: str | None, customer: Customer) -> str:
    if chosen is not None:
        if chosen not in shipped_locales():
            raise ServiceError(_l("Choose a language."), "locale")
        return chosen
    return customer.locale if customer.locale in shipped_locales() else shipped_locales()[0]


def _checked_texts(texts: Mapping[str, str], name: str) -> dict[str, str]:
    """Terms or notes per shipped language, the empty ones left out."""
    kept = {}
    for code, text in texts.items():
        if code not in shipped_locales():
            raise ServiceError(_l("Choose a language."))
        if len(text) > MAX_TEXT:
            raise ServiceError(_l("At most %(n)d characters.", n=MAX_TEXT), f"{name}_{code}")
        if text.strip():
            kept[code] = text.strip()
    return kept


def _checked_methods(methods: Sequence[str] | None) -> list[str] | None:
    if methods is None:
        return None
    known = {method.value for method in PaymentMethod}
    chosen = list(dict.fromkeys(methods))
    if not chosen or any(m not in known for m in chosen):
        raise ServiceError(_l("Choose at least one payment method."), "payment_methods")
    return chosen


def _checked_countersigner(
    session: DbSession, merchant: Merchant, user_id: int | None
) -> int | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    if user is None or user.merchant_id != merchant.id:
        raise ServiceError(_l("Choose someone of your team."), "countersigner")
    return user.id


def _checked_lines(
    session: DbSession,
    merchant: Merchant,
    lines: Sequence[LineInput],
    rates: Mapping[int, TaxRate],
) -> list[LineInput]:
    if not lines:
        raise ServiceError(_l("Add at least one line."), "lines")
    if len(lines) > MAX_LINES:
        raise ServiceError(_l("At most %(n)d lines.", n=MAX_LINES), "lines")
    for line in lines:
        if not line.description.strip():
            raise ServiceError(_l("Describe every line."), "lines")
        if len(line.description.strip()) > MAX_DESCRIPTION:
            raise ServiceError(_l("A description has at most %(n)d characters.", n=200), "lines")
        if not 1 <= line.quantity <= MAX_QUANTITY:
            raise ServiceError(_l("A quantity is a whole number from 1 to 1,000,000."), "lines")
        if line.unit_amount < 0:
            raise ServiceError(_l("An amount cannot be negative."), "lines")
        if line.discount_percent is not None and not 0 <= line.discount_percent <= 100:
            raise ServiceError(_l("A discount is between 0 and 100 %."), "lines")
        if any(rate_id not in rates for rate_id in line.tax_rate_ids):
            raise ServiceError(_l("Choose your own tax rates."), "lines")
        if line.adjustable:
            low = line.min_quantity or 1
            high = line.max_quantity or MAX_QUANTITY
            if not 1 <= low <= line.quantity <= high <= MAX_QUANTITY:
                raise ServiceError(
                    _l("The quantity must lie between the smallest and the largest."), "lines"
                )
        if line.interval is not None and not 1 <= line.interval_count <= 36:
            raise ServiceError(_l("Repeat every 1 to 36 periods."), "lines")
        if line.product_id is not None:
            product = session.get(Product, line.product_id)
            if product is None or product.merchant_id != merchant.id:
                raise ServiceError(_l("Choose one of your products."), "lines")
    return list(lines)


def _checked_discount(given: QuoteInput) -> tuple[Decimal | None, int | None]:
    percent = given.discount_percent or None
    amount = given.discount_amount or None
    if percent is not None and amount is not None:
        raise ServiceError(
            _l("Give a discount as a percentage or an amount, not both."), "discount_percent"
        )
    if percent is not None and not 0 < percent <= 100:
        raise ServiceError(_l("A discount is between 0 and 100 %."), "discount_percent")
    if amount is not None and amount < 0:
        raise ServiceError(_l("A discount cannot be negative."), "discount_amount")
    return percent, amount


# ---------------------------------------------------------------------------------------------
# Sending, revising, duplicating, canceling


def send_quote(
    session: DbSession,
    quote: Quote,
    today: date,
    secret_key: str,
    *,
    user_id: int | None = None,
) -> str:
    """Issue a draft: priced again, numbered from the quote series (in this transaction),
    dated, valid until its expiry date (the merchant's validity when none was chosen), OPEN,
    with the customer's address. Returns the address's token."""
    if quote.status is not QuoteStatus.DRAFT:
        raise ServiceError(_l("This quote was sent already."))
    if quote.customer.erased_at is not None:
        raise ServiceError(_l("This customer's data was erased: bill another."), "customer")
    _issue(session, quote, today)
    quote.number = take_number(session, quote.merchant_id, SeriesKind.QUOTE, today)
    token = new_secret_token()
    quote.token_digest = token_digest(token)
    quote.token_encrypted = encrypt(token, secret_key, Purpose.DOCUMENT_TOKENS)
    record_event(
        session, quote, "sent", {"number": quote.shown_number, "total": quote.total},
        user_id=user_id,
    )  # fmt: skip
    session.flush()
    return token


def _issue(session: DbSession, quote: Quote, today: date) -> None:
    _store_price(quote, _priced_defaults(quote, merchant_tax_rates(session, quote.merchant_id)))
    _check_payable(quote)
    if quote.expires_on is None:
        days = quote_settings(session, quote.merchant).validity_days
        quote.expires_on = today + timedelta(days=days)
    if quote.expires_on < today:
        raise ServiceError(_l("The expiry date is in the past."), "expires_on")
    if quote.expires_on > today + timedelta(days=MAX_VALIDITY_DAYS):
        raise ServiceError(_l("A quote is valid for at most a year."), "expires_on")
    for part in quote.parts:
        if part.due_on is not None and part.due_on < today:
            raise ServiceError(_l("A part of the schedule is due in the past."), "payment_mode")
    quote.issue_date = today
    quote.status = QuoteStatus.OPEN


def revise_quote(
    session: DbSession,
    quote: Quote,
    today: date,
    *,
    lines: Sequence[LineInput],
    user_id: int | None = None,
    **fields: Any,
) -> Quote:
    """An open quote changed: a new revision (the same number, the next suffix) takes its
    address, and the old one is SUPERSEDED, by one guarded UPDATE, so a buyer accepting at the
    same moment either comes first (and the revision is refused) or finds the new one. The
    customer and the currency stay: they are what the number was issued for."""
    if quote.status is not QuoteStatus.OPEN:
        raise ServiceError(_l("Only an open quote can be revised."))
    given = QuoteInput(quote.customer, quote.currency, lines, **fields)
    revision = Quote(
        merchant_id=quote.merchant_id,
        merchant=quote.merchant,
        status=QuoteStatus.DRAFT,
        number=quote.number,
        revision=quote.revision + 1,
        revised_from_id=quote.id,
        first_viewed_at=None,
    )
    _apply(session, quote.merchant, revision, given)
    _issue(session, revision, today)
    superseded = session.execute(
        update(Quote)
        .where(Quote.id == quote.id, Quote.status == QuoteStatus.OPEN)
        .values(status=QuoteStatus.SUPERSEDED, token_digest=None, token_encrypted=None)
        .execution_options(synchronize_session=False)
    )
    if superseded.rowcount != 1:  # type: ignore[attr-defined]
        raise ServiceError(_l("Only an open quote can be revised."))
    revision.token_digest = quote.token_digest
    revision.token_encrypted = quote.token_encrypted
    session.add(revision)
    session.flush()
    session.execute(
        update(Quote)
        .where(Quote.id == quote.id)
        .values(superseded_by_id=revision.id)
        .execution_options(synchronize_session=False)
    )
    session.refresh(quote)
    record_event(session, quote, "superseded", {"by": revision.shown_number}, user_id=user_id)
    record_event(
        session, revision, "revised",
        {"number": revision.shown_number, "old_total": quote.total, "total": revision.total},
        user_id=user_id,
    )  # fmt: skip
    session.flush()
    return revision


def duplicate_quote(session: DbSession, quote: Quote, *, user_id: int | None = None) -> Quote:
    """A new draft with the quote's lines and settings (no number, no dates, no evidence)."""
    copy = Quote(
        merchant_id=quote.merchant_id,
        merchant=quote.merchant,
        status=QuoteStatus.DRAFT,
        customer_id=quote.customer_id,
        customer=quote.customer,
    )
    for name in (
        "title", "currency", "locale", "terms", "notes", "payment_methods", "discount_percent",
        "discount_amount", "acceptance_mode", "countersigner_id", "payment_mode",
        "deposit_percent", "deposit_amount",
    ):  # fmt: skip
        setattr(copy, name, getattr(quote, name))
    copy.lines = [
        QuoteLine(
            merchant_id=quote.merchant_id,
            **{
                name: getattr(line, name)
                for name in (
                    "position",
                    "product_id",
                    "description",
                    "quantity",
                    "unit_amount",
                    "discount_percent",
                    "tax_rate_ids",
                    "optional",
                    "adjustable",
                    "min_quantity",
                    "max_quantity",
                    "interval",
                    "interval_count",
                    "amount",
                    "taxes",
                )
            },
        )
        for line in quote.lines
    ]
    copy.parts = [
        QuotePaymentPart(
            merchant_id=quote.merchant_id,
            position=part.position,
            percent=part.percent,
            fixed_amount=part.fixed_amount,
            due_on=part.due_on,
        )
        for part in quote.parts
        if quote.payment_mode is PaymentMode.SCHEDULE
    ]
    # priced again with the default choices: the original's figures may be the buyer's
    _store_price(copy, _priced_defaults(copy, merchant_tax_rates(session, quote.merchant_id)))
    session.add(copy)
    session.flush()
    record_event(
        session, copy, "duplicated", {"from": quote.shown_number or quote.id}, user_id=user_id
    )
    return copy


def cancel_quote(session: DbSession, quote: Quote, *, user_id: int | None = None) -> None:
    """The merchant withdraws an open quote (one guarded UPDATE: a buyer accepting at the same
    moment either comes first, and it is not canceled, or finds it canceled)."""
    canceled = session.execute(
        update(Quote)
        .where(Quote.id == quote.id, Quote.status == QuoteStatus.OPEN)
        .values(status=QuoteStatus.CANCELED, canceled_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.refresh(quote)
    if canceled.rowcount != 1:  # type: ignore[attr-defined]
        raise ServiceError(_l("Only an open quote can be canceled."))
    record_event(session, quote, "canceled", {}, user_id=user_id)
    session.flush()


def expire_quotes(session: DbSession, today: date) -> int:
    """Mark every open quote past its expiry date EXPIRED (the periodic task); returns how
    many. The buyer's page already refuses them from the date on (``is_expired``)."""
    expired = session.execute(
        update(Quote)
        .where(Quote.status == QuoteStatus.OPEN, Quote.expires_on < today)
        .values(status=QuoteStatus.EXPIRED)
        .execution_options(synchronize_session=False)
    )
    return int(expired.rowcount)  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------
# The buyer's decisions


def record_first_view(session: DbSession, quote: Quote, now: datetime) -> bool:
    """Note the first time the customer opens the quote: one guarded UPDATE that writes only
    while ``first_viewed_at`` is empty, so later views (and a second tab at the same moment)
    write nothing. The page's route calls it only while the quote's stamp says it was never
    viewed (``buyer_service.quote_stamp``). Returns whether this was the first view."""
    first = session.execute(
        update(Quote)
        .where(Quote.id == quote.id, Quote.first_viewed_at.is_(None))
        .values(first_viewed_at=now)
        .execution_options(synchronize_session=False)
    )
    if first.rowcount != 1:  # type: ignore[attr-defined]
        return False
    quote.first_viewed_at = now
    record_event(session, quote, "viewed", {})
    return True


def shown_text(texts: Mapping[str, str], locale: str, fallback: str) -> str:
    """Terms or notes as the buyer reads them: in their language, else the quote's."""
    return texts.get(locale) or texts.get(fallback, "")


def shown_digest(quote: Quote, priced: QuotePrice, locale: str) -> str:
    """SHA-256 (hex) of the quote as the buyer is shown it: number and revision, customer,
    lines with the chosen quantities, totals, terms and notes in the language shown, expiry
    and the payment plan. Stored with the acceptance; the signed PDF prints it."""
    by_reference = {line.reference: line for line in priced.lines}
    content = {
        "number": quote.shown_number,
        "merchant": quote.merchant_id,
        "customer": quote.customer_id,
        "currency": quote.currency,
        "lines": [
            {
                "description": line.description,
                "unit_amount": line.unit_amount,
                "quantity": by_reference[str(line.position)].quantity,
                "amount": by_reference[str(line.position)].amount.amount,
                "interval": line.interval,
                "interval_count": line.interval_count,
            }
            for line in quote.lines
            if str(line.position) in by_reference
        ],
        "subtotal": priced.subtotal.amount,
        "discount": priced.discount.amount,
        "tax": priced.tax_total.amount,
        "total": priced.total.amount,
        "terms": shown_text(quote.terms, locale, quote.locale),
        "notes": shown_text(quote.notes, locale, quote.locale),
        "expires_on": quote.expires_on.isoformat() if quote.expires_on else None,
        "plan": _plan_content(quote, priced),
    }
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


def _plan_content(quote: Quote, priced: QuotePrice) -> list[list[Any]]:
    try:
        parts = payment_parts(priced.total, plan_of(quote))
    except QuotePricingError:
        return []
    return [
        [part.amount.amount, part.due_on.isoformat() if part.due_on else None] for part in parts
    ]


@dataclass(frozen=True)
class Evidence:
    """What is kept of an acceptance, besides the time."""

    signer_name: str
    ip: str
    user_agent: str
    locale: str


def accept_quote(
    session: DbSession,
    quote: Quote,
    today: date,
    *,
    revision_id: int,
    posted_quantities: Mapping[str, int],
    agreed_to_terms: bool,
    evidence: Evidence,
) -> Quote:
    """The buyer accepts: the terms ticked, the name typed (for a signature), the choices
    checked and priced on the server, then one guarded UPDATE (open, not expired, this very
    revision) that writes the status and the evidence, so a quote is accepted once even from
    two tabs. A quote that needs a countersignature waits for it."""
    refusal = acceptance_refusal(quote, today, revision_id)
    if refusal is not None:
        raise ServiceError(refusal)
    if not agreed_to_terms:
        raise ServiceError(_l("Tick the box to agree to the terms."), "agree")
    name = " ".join(evidence.signer_name.split())
    if quote.acceptance_mode is AcceptanceMode.SIGNATURE and len(name) < 2:
        raise ServiceError(_l("Type your full name to sign."), "signature")
    if len(name) > MAX_NAME:
        raise ServiceError(_l("At most %(n)d characters.", n=MAX_NAME), "signature")
    quantities = buyer_quantities(quote, posted_quantities)
    priced = price_with(session, quote, quantities, today)
    try:
        parts = payment_parts(priced.total, plan_of(quote))
    except QuotePricingError as refused:
        raise ServiceError(_l("These choices cannot be paid as the quote says.")) from refused
    if priced.total.amount <= 0 or unpayable_part(parts) is not None:
        raise ServiceError(_l("These choices cannot be paid as the quote says."), "lines")
    now = utcnow()
    status = (
        QuoteStatus.AWAITING_COUNTERSIGNATURE if quote.countersigner_id else QuoteStatus.ACCEPTED
    )
    accepted = session.execute(
        update(Quote)
        .where(
            Quote.id == quote.id,
            Quote.status == QuoteStatus.OPEN,
            or_(Quote.expires_on.is_(None), Quote.expires_on >= today),
        )
        .values(
            status=status,
            chosen_quantities=quantities,
            signer_name=name,
            signed_at=now,
            signer_ip=evidence.ip[:64],
            signer_user_agent=evidence.user_agent[:500],
            shown_digest=shown_digest(quote, priced, evidence.locale),
            accepted_at=now if status is QuoteStatus.ACCEPTED else None,
        )
        .execution_options(synchronize_session=False)
    )
    if accepted.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(quote)
        raise ServiceError(_l("This quote was answered already."))
    session.refresh(quote)
    _store_price(quote, priced)
    _fix_parts(quote, parts)
    record_event(
        session, quote, "accepted" if status is QuoteStatus.ACCEPTED else "signed",
        {"name": name, "total": quote.total, "digest": quote.shown_digest},
    )  # fmt: skip
    session.flush()
    return quote


def _fix_parts(quote: Quote, parts: Sequence[Any]) -> None:
    """The amounts of the plan's parts, fixed by the accepted total (a full payment and a
    deposit become one part due at acceptance)."""
    if quote.payment_mode is not PaymentMode.SCHEDULE:
        quote.parts = [
            QuotePaymentPart(merchant_id=quote.merchant_id, position=0, amount=part.amount.amount)
            for part in parts
        ]
        return
    for row, part in zip(quote.parts, parts, strict=True):
        row.amount = part.amount.amount


def acceptance_refusal(quote: Quote, today: date, revision_id: int) -> Any:
    """Why the buyer cannot accept this quote now (their words), or None."""
    if quote.id != revision_id or quote.status is QuoteStatus.SUPERSEDED:
        return _l("This quote was revised: read the new version before accepting it.")
    if is_expired(quote, today):
        return _l("This quote has expired.")
    if quote.customer.erased_at is not None:
        return _l("This quote can no longer be accepted. Please contact the seller.")
    if quote.status is QuoteStatus.DECLINED:
        return _l("This quote was declined.")
    if quote.status is QuoteStatus.CANCELED:
        return _l("This quote was withdrawn.")
    if quote.status is not QuoteStatus.OPEN:
        return _l("This quote was accepted already.")
    return None


def decline_quote(
    session: DbSession, quote: Quote, today: date, *, revision_id: int, reason: str = ""
) -> None:
    """The buyer declines, with an optional reason (one guarded UPDATE, as accepting)."""
    refusal = acceptance_refusal(quote, today, revision_id)
    if refusal is not None:
        raise ServiceError(refusal)
    if len(reason) > MAX_TEXT:
        raise ServiceError(_l("At most %(n)d characters.", n=MAX_TEXT), "reason")
    declined = session.execute(
        update(Quote)
        .where(Quote.id == quote.id, Quote.status == QuoteStatus.OPEN)
        .values(status=QuoteStatus.DECLINED, declined_at=utcnow(), decline_reason=reason.strip())
        .execution_options(synchronize_session=False)
    )
    session.refresh(quote)
    if declined.rowcount != 1:  # type: ignore[attr-defined]
        raise ServiceError(_l("This quote was answered already."))
    record_event(session, quote, "declined", {"reason": reason.strip()})
    session.flush()


def countersign_quote(session: DbSession, quote: Quote, user: User) -> None:
    """The named staff member countersigns a quote the buyer signed: then it is accepted."""
    if quote.countersigner_id != user.id:
        raise ServiceError(_l("Only the person named on the quote can countersign it."))
    signed = session.execute(
        update(Quote)
        .where(
            Quote.id == quote.id,
            Quote.status == QuoteStatus.AWAITING_COUNTERSIGNATURE,
            Quote.countersigner_id == user.id,
        )
        .values(
            status=QuoteStatus.ACCEPTED,
            countersigner_name=user.name or user.email,
            countersigned_at=utcnow(),
            accepted_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    session.refresh(quote)
    if signed.rowcount != 1:  # type: ignore[attr-defined]
        raise ServiceError(_l("This quote is not waiting for a countersignature."))
    record_event(
        session, quote, "countersigned", {"name": quote.countersigner_name}, user_id=user.id
    )
    session.flush()


# ---------------------------------------------------------------------------------------------
# The log, addresses and lists


def record_event(
    session: DbSession,
    quote: Quote,
    kind: str,
    detail: dict[str, Any] | None = None,
    *,
    user_id: int | None = None,
) -> QuoteEvent:
    """Append to the quote's log (never updated or deleted)."""
    event = QuoteEvent(
        merchant_id=quote.merchant_id, quote=quote, kind=kind, detail=detail or {}, user_id=user_id
    )
    session.add(event)
    return event


def rotate_quote_tokens(session: DbSession, rotation: Rotation) -> None:
    """Every quote's sealed address token, re-encrypted with the new secret key."""
    for quote in session.scalars(select(Quote).where(Quote.token_encrypted.is_not(None))):
        assert quote.token_encrypted is not None
        quote.token_encrypted = rotation.rekey(quote.token_encrypted, Purpose.DOCUMENT_TOKENS)


PAGE_SIZE = 25


@dataclass(frozen=True)
class QuotePage:
    quotes: list[Quote]
    page: int
    has_next: bool


def list_quotes(
    session: DbSession,
    merchant: Merchant,
    *,
    status: QuoteStatus | None = None,
    search: str = "",
    page: int = 1,
) -> QuotePage:
    """The merchant's quotes, newest first, the superseded revisions left out unless asked
    for: those with ``status``, and whose number or customer contains ``search``."""
    query = (
        select(Quote)
        .join(Customer, Customer.id == Quote.customer_id)
        .where(Quote.merchant_id == merchant.id)
    )
    if status is not None:
        query = query.where(Quote.status == status)
    else:
        query = query.where(Quote.status != QuoteStatus.SUPERSEDED)
    words = search.strip()[:100]
    if words:
        query = query.where(
            or_(
                *(
                    column.icontains(words, autoescape=True)
                    for column in (Quote.number, Quote.title, Customer.name, Customer.email)
                )
            )
        )
    page = max(page, 1)
    rows = list(
        session.scalars(
            query.order_by(Quote.created_at.desc(), Quote.id.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        )
    )
    return QuotePage(rows[:PAGE_SIZE], page, len(rows) > PAGE_SIZE)


def quotable_customers(session: DbSession, merchant: Merchant) -> list[Customer]:
    return list(
        session.scalars(
            select(Customer)
            .where(Customer.merchant_id == merchant.id, Customer.erased_at.is_(None))
            .order_by(func.lower(Customer.name), Customer.id)
        )
    )


# ---------------------------------------------------------------------------------------------
# Into an invoice


def convert_to_invoice(
    session: DbSession,
    quote: Quote,
    today: date,
    secret_key: str,
    *,
    user_id: int | None = None,
) -> Invoice:
    """An accepted quote (nothing paid at acceptance, a deposit, or paid in full) as an
    invoice of the lines and quantities accepted, finalized; what was paid on the quote is
    carried over as a payment. Once per quote: a guarded UPDATE claims the conversion, so a
    double submit (or two staff at once) makes one invoice; the loser's invoice and its number
    are rolled back with its transaction."""
    if quote.status not in ACCEPTED_STATUSES:
        raise ServiceError(_l("Only an accepted quote can be converted into an invoice."))
    if quote.payment_mode is PaymentMode.SCHEDULE:
        raise ServiceError(_l("A payment schedule invoices each of its parts by itself."))
    if quote.converted_invoice_id is not None:
        raise ServiceError(_l("This quote was converted already."))
    quantities = current_quantities(quote)
    lines = [
        InvoiceLineInput(
            description=line.description,
            quantity=quantities[str(line.position)],
            unit_amount=line.unit_amount,
            product_id=line.product_id,
            discount_percent=line.discount_percent,
            tax_rate_ids=tuple(line.tax_rate_ids),
        )
        for line in quote.lines
        if quantities.get(str(line.position), 0) > 0
    ]
    invoice = create_invoice(
        session,
        quote.merchant,
        quote.customer,
        currency=quote.currency,
        lines=lines,
        locale=quote.locale,
        memo=quote.notes.get(quote.locale, ""),
        payment_methods=quote.payment_methods,
        discount_percent=quote.discount_percent,
        discount_amount=quote.discount_amount,
        currency_agreed=True,
    )
    finalize_invoice(session, invoice, today, secret_key, user_id=user_id)
    claimed = session.execute(
        update(Quote)
        .where(Quote.id == quote.id, Quote.converted_invoice_id.is_(None))
        .values(converted_invoice_id=invoice.id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise ServiceError(_l("This quote was converted already."))
    session.refresh(quote)
    if quote.amount_paid:
        record_manual_payment(
            session,
            invoice,
            today,
            amount=min(quote.amount_paid, invoice.total),
            paid_on=today,
            method=ManualMethod.OTHER,
            reference=quote.shown_number,
            user_id=user_id,
        )
    record_event(session, quote, "converted", {"invoice": invoice.number}, user_id=user_id)
    session.flush()
    return invoice


def next_charge(quote: Quote) -> QuotePaymentPart | None:
    """The schedule's next part to be charged (none once every part is paid or invoiced)."""
    waiting = (PartStatus.SCHEDULED, PartStatus.NOTIFIED, PartStatus.FAILED)
    return next(
        (part for part in quote.parts if part.due_on is not None and part.status in waiting), None
    )
