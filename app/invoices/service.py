"""Invoices, the merchant's side: drafts made and edited, priced by the pricing engine,
finalized (numbered, dated, given the customer's address), revised while nothing is paid,
voided (with a credit note once sent), marked uncollectible, paid by hand.

Statuses (stored): draft → open → paid, or void, or uncollectible. What a person is shown
(``shown_status``) adds overdue, partially paid and processing, read from the amounts and the
due date. The amounts paid and clearing move only through ``balance.py``. Services do not
commit: the route (or task) that calls them does.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, update

from app.catalog.models import Product
from app.catalog.service import pricing_tax_rate
from app.checkout.service import withdraw_prices
from app.core import pricing
from app.core.clock import utcnow
from app.core.crypto import Purpose, Rotation, decrypt, encrypt
from app.core.errors import ServiceError
from app.core.methods import PaymentMethod
from app.core.money import Money, below_minimum, is_currency
from app.core.tokens import new_secret_token, token_digest
from app.customers.models import Customer
from app.documents.models import SeriesKind
from app.documents.numbering import period_of, series_of, take_number
from app.extensions import DbSession
from app.invoices import balance
from app.invoices.models import (
    CreditNote,
    Invoice,
    InvoiceEvent,
    InvoiceLine,
    InvoiceSettings,
    InvoiceStatus,
    ManualMethod,
    ManualPayment,
    PaymentTerms,
)
from app.merchants.models import Merchant
from app.payments.models import Payment, PaymentStatus
from app.settings.models import TaxRate
from app.settings.service import account_currencies
from app.web.i18n import shipped_locales

DOCUMENT_TYPE = "invoice"  # CheckoutSession.document_type of an invoice's checkouts
MAX_LINES = 100
MAX_QUANTITY = 1_000_000
MAX_DESCRIPTION = 200
MAX_TEXT = 2000
NET_DAYS = {
    PaymentTerms.DUE_ON_RECEIPT: 0,
    PaymentTerms.NET_7: 7,
    PaymentTerms.NET_14: 14,
    PaymentTerms.NET_30: 30,
    PaymentTerms.NET_60: 60,
}


class ShownStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    OVERDUE = "overdue"
    PARTIALLY_PAID = "partially_paid"
    PROCESSING = "processing"  # a bank debit is clearing
    PAID = "paid"
    REFUNDED = "refunded"  # open, nothing paid: what was paid went back to the customer
    VOID = "void"
    UNCOLLECTIBLE = "uncollectible"


SHOWN_STATUS_LABELS = {
    ShownStatus.DRAFT: _l("Draft"),
    ShownStatus.OPEN: _l("Open"),
    ShownStatus.OVERDUE: _l("Overdue"),
    ShownStatus.PARTIALLY_PAID: _l("Partially paid"),
    ShownStatus.PROCESSING: _l("Payment processing"),
    ShownStatus.PAID: _l("Paid"),
    ShownStatus.REFUNDED: _l("Refunded"),
    ShownStatus.VOID: _l("Void"),
    ShownStatus.UNCOLLECTIBLE: _l("Uncollectible"),
}


@dataclass(frozen=True)
class LineInput:
    """One line as the merchant entered it: a product or a described amount (minor units)."""

    description: str
    quantity: int
    unit_amount: int
    product_id: int | None = None
    discount_percent: Decimal | None = None
    tax_rate_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class InvoiceInput:
    """Everything a draft (or an open invoice's revision) is made of."""

    customer: Customer
    currency: str
    lines: Sequence[LineInput]
    locale: str | None = None
    terms: PaymentTerms | None = None
    due_date: date | None = None
    memo: str = ""
    footer: str = ""
    payment_methods: Sequence[str] | None = None
    allow_partial: bool = False
    minimum_part: int | None = None
    discount_percent: Decimal | None = None
    discount_amount: int | None = None
    # The currency an earlier sale agreed with the customer (a subscription's period or change,
    # a quote's part or conversion): kept when the merchant no longer sells in it, which only
    # governs new sales.
    currency_agreed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Reading


def shown_status(invoice: Invoice, today: date) -> ShownStatus:
    """What the merchant and the customer are shown: the stored status, and for an open
    invoice whether a debit is clearing, it is past due, or part of it is paid."""
    if invoice.status is not InvoiceStatus.OPEN:
        return ShownStatus(invoice.status.value)
    if invoice.amount_pending > 0:
        return ShownStatus.PROCESSING
    if invoice.amount_paid == 0 and invoice.amount_refunded >= invoice.total > 0:
        return ShownStatus.REFUNDED
    if invoice.due_date is not None and today > invoice.due_date:
        return ShownStatus.OVERDUE
    if invoice.amount_paid > 0:
        return ShownStatus.PARTIALLY_PAID
    return ShownStatus.OPEN


def invoice_by_token(session: DbSession, token: str) -> Invoice | None:
    """The finalized invoice a customer's address ``/i/<token>`` leads to (drafts have none)."""
    if not token:
        return None
    return session.scalar(select(Invoice).where(Invoice.token_digest == token_digest(token)))


def buyer_token(invoice: Invoice, secret_key: str) -> str:
    """The token of the customer's address, for the emails and the merchant's copy link."""
    if invoice.token_encrypted is None:
        raise ValueError(f"invoice {invoice.id} has no address yet: it is a draft")
    return decrypt(invoice.token_encrypted, secret_key, Purpose.DOCUMENT_TOKENS)


def invoice_settings(session: DbSession, merchant: Merchant) -> InvoiceSettings:
    """The merchant's invoice defaults, made on first use."""
    found = session.scalar(
        select(InvoiceSettings).where(InvoiceSettings.merchant_id == merchant.id)
    )
    if found is not None:
        return found
    settings = InvoiceSettings(merchant_id=merchant.id)
    session.add(settings)
    session.flush()
    return settings


def has_payment(invoice: Invoice) -> bool:
    """Whether any money was paid or is clearing (then its figures can no longer change)."""
    return bool(invoice.amount_paid or invoice.amount_pending or invoice.manual_payments)


def can_edit(invoice: Invoice) -> bool:
    """A draft, or an open invoice nothing was paid on (editing it makes a new revision)."""
    if invoice.status is InvoiceStatus.DRAFT:
        return True
    return invoice.status is InvoiceStatus.OPEN and not has_payment(invoice)


def can_void(invoice: Invoice) -> bool:
    statuses = (InvoiceStatus.OPEN, InvoiceStatus.UNCOLLECTIBLE)
    return invoice.status in statuses and not has_payment(invoice)


def due_date_for(terms: PaymentTerms, issue_date: date, chosen: date | None) -> date:
    """The due date ``terms`` give an invoice issued on ``issue_date``."""
    if terms is PaymentTerms.CUSTOM:
        if chosen is None:
            raise ServiceError(_l("Choose the due date."), "due_date")
        return chosen
    return issue_date + timedelta(days=NET_DAYS[terms])


# ---------------------------------------------------------------------------------------------
# Pricing


def price_invoice(invoice: Invoice, tax_rates: Iterable[TaxRate] | Mapping[int, TaxRate]) -> None:
    """Compute each line's amount and taxes and the invoice's totals with the pricing engine.

    A line's own discount is priced first (a one-line cart with the percentage as its
    discount), the discounted line then goes in the invoice's cart, with the invoice's discount
    spread over the lines by the engine. There are no fees: an invoice's total is what the
    customer owes. ``total = subtotal - discount_total + exclusive taxes``; ``tax_total``
    counts inclusive taxes too (they are part of the amounts already).
    """
    rates = tax_rates if isinstance(tax_rates, Mapping) else {rate.id: rate for rate in tax_rates}
    currency = invoice.currency
    today = date(2000, 1, 1)  # nothing on an invoice is scheduled: every line is due "now"
    country = (invoice.customer.billing_address or {}).get("country") if invoice.customer else None
    try:
        discounted = [_discounted_amount(line, currency, today) for line in invoice.lines]
        cart = pricing.Cart(
            currency=currency,
            today=today,
            lines=tuple(
                pricing.Line(
                    price=pricing.Price(str(index), Money(amount, currency)),
                    tax_rates=tuple(_rates_of(line, rates)),
                )
                for index, (line, amount) in enumerate(zip(invoice.lines, discounted, strict=True))
            ),
            discount=_invoice_discount(invoice),
            buyer_country=country,
        )
        breakdown = pricing.price(cart)
    except pricing.PricingError as error:
        raise ServiceError(_l("These amounts cannot be priced: %(why)s", why=str(error))) from error
    subtotals = [line.unit_amount * line.quantity for line in invoice.lines]
    for line, amount, priced in zip(invoice.lines, discounted, breakdown.lines, strict=True):
        line.amount = amount
        line.taxes = [_tax_entry(tax) for tax in priced.taxes]
    invoice.subtotal = sum(subtotals)
    invoice.discount_total = sum(subtotals) - sum(discounted) + breakdown.discount.amount
    invoice.tax_total = breakdown.tax_added.amount + breakdown.tax_included.amount
    invoice.total = breakdown.total.amount
    invoice.tax_breakdown = [_tax_entry(tax) for tax in breakdown.due_now.taxes]


@dataclass(frozen=True)
class IncludedTax:
    """A tax inside an issued invoice's amounts that its lines do not carry (a quote part's
    share of the quote's taxes): its rate as shown, the base it is on and its amount."""

    name: str
    percent: str
    base: int
    amount: int


def show_included_taxes(invoice: Invoice, taxes: Sequence[IncludedTax]) -> None:
    """Show ``taxes`` in the issued invoice's totals (rate, base, amount; included in the
    total, which does not change) and count them in its ``tax_total``."""
    if invoice.status is InvoiceStatus.DRAFT:
        raise ValueError("a draft is priced again when it is issued")  # a programming error
    invoice.tax_breakdown = [
        {"name": tax.name, "percent": tax.percent, "inclusive": True, "amount": tax.amount,
         "base": tax.base}
        for tax in taxes
    ]  # fmt: skip
    invoice.tax_total = sum(tax.amount for tax in taxes)


def _discounted_amount(line: InvoiceLine, currency: str, today: date) -> int:
    subtotal = Money(line.unit_amount * line.quantity, currency)
    return pricing.discounted_by_percentage(subtotal, line.discount_percent).amount


def _rates_of(line: InvoiceLine, rates: Mapping[int, TaxRate]) -> list[pricing.TaxRate]:
    missing = [rate_id for rate_id in line.tax_rate_ids if rate_id not in rates]
    if missing:
        raise ServiceError(_l("A tax rate of this invoice no longer exists."), "lines")
    return [pricing_tax_rate(rates[rate_id]) for rate_id in line.tax_rate_ids]


def _invoice_discount(invoice: Invoice) -> pricing.Discount | None:
    if invoice.discount_percent:
        return pricing.Discount("invoice", percentage=Decimal(invoice.discount_percent))
    if invoice.discount_amount:
        return pricing.Discount("invoice", amount=Money(invoice.discount_amount, invoice.currency))
    return None


def _tax_entry(tax: pricing.TaxAmount) -> dict[str, Any]:
    return {
        "name": tax.rate.name,
        "percent": str(tax.rate.percentage),
        "inclusive": tax.rate.behavior is pricing.TaxBehavior.INCLUSIVE,
        "amount": tax.amount.amount,
    }


# ---------------------------------------------------------------------------------------------
# Drafts


def create_invoice(
    session: DbSession,
    merchant: Merchant,
    customer: Customer,
    *,
    currency: str,
    lines: Sequence[LineInput],
    **fields: Any,
) -> Invoice:
    """A draft for ``customer`` with its totals computed (no number: that comes at
    finalization). ``fields`` are ``InvoiceInput``'s: locale (default the customer's), terms
    (default the merchant's), due_date, memo, footer, payment_methods, allow_partial,
    minimum_part, discount_percent, discount_amount, currency_agreed."""
    invoice = Invoice(merchant_id=merchant.id, merchant=merchant, status=InvoiceStatus.DRAFT)
    _apply(session, merchant, invoice, InvoiceInput(customer, currency, lines, **fields))
    session.add(invoice)
    session.flush()
    return invoice


def preview_invoice(
    session: DbSession,
    merchant: Merchant,
    customer: Customer,
    *,
    currency: str,
    lines: Sequence[LineInput],
    **fields: Any,
) -> Invoice:
    """An invoice priced as ``create_invoice`` would make it, kept out of the session (the
    editor's live totals)."""
    invoice = Invoice(merchant_id=merchant.id, status=InvoiceStatus.DRAFT)
    _apply(session, merchant, invoice, InvoiceInput(customer, currency, lines, **fields))
    return invoice


def update_draft(
    session: DbSession,
    invoice: Invoice,
    *,
    customer: Customer | None = None,
    currency: str | None = None,
    lines: Sequence[LineInput],
    **fields: Any,
) -> Invoice:
    """Change a draft (everything may change; its lines are replaced)."""
    if invoice.status is not InvoiceStatus.DRAFT:
        raise ServiceError(_l("Only a draft can be changed this way."))
    given = InvoiceInput(
        customer or invoice.customer, currency or invoice.currency, lines, **fields
    )
    _apply(session, invoice.merchant, invoice, given)
    session.flush()
    return invoice


def revise_invoice(
    session: DbSession,
    invoice: Invoice,
    today: date,
    *,
    lines: Sequence[LineInput],
    user_id: int | None = None,
    **fields: Any,
) -> Invoice:
    """Change an open invoice nothing was paid on: a new revision, same number and address.

    The revision is taken by one guarded UPDATE (open, nothing paid or clearing), so a payment
    starting at the same moment either comes first (and the edit is refused) or finds the new
    total. The customer and the currency stay: they are what the number was issued for.
    """
    if invoice.status is not InvoiceStatus.OPEN or has_payment(invoice):
        raise ServiceError(_l("An invoice with a payment cannot be changed."))
    old_total = invoice.total
    taken = session.execute(
        update(Invoice)
        .where(
            Invoice.id == invoice.id,
            Invoice.status == InvoiceStatus.OPEN,
            Invoice.amount_paid == 0,
            Invoice.amount_pending == 0,
        )
        .values(revision=Invoice.revision + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise ServiceError(_l("An invoice with a payment cannot be changed."))
    session.refresh(invoice)
    if has_payment(invoice):
        raise ServiceError(_l("An invoice with a payment cannot be changed."))
    given = InvoiceInput(invoice.customer, invoice.currency, lines, **fields)
    _apply(session, invoice.merchant, invoice, given)
    if invoice.issue_date is not None:
        invoice.due_date = due_date_for(invoice.terms, invoice.issue_date, given.due_date)
    _refuse_unpayable_total(invoice)
    withdraw_prices(session, invoice.merchant_id, DOCUMENT_TYPE, str(invoice.id))
    record_event(
        session,
        invoice,
        "revised",
        {"revision": invoice.revision, "old_total": old_total, "total": invoice.total},
        user_id=user_id,
    )
    session.flush()
    return invoice


def delete_draft(session: DbSession, invoice: Invoice) -> None:
    """Delete a draft. A finalized invoice is never deleted (void it): its number stays."""
    if invoice.status is not InvoiceStatus.DRAFT or invoice.number is not None:
        raise ServiceError(_l("A finalized invoice cannot be deleted; void it instead."))
    session.delete(invoice)
    session.flush()


def _apply(session: DbSession, merchant: Merchant, invoice: Invoice, given: InvoiceInput) -> None:
    if given.extra:
        raise TypeError(f"unknown invoice fields: {sorted(given.extra)}")
    customer = given.customer
    if customer.merchant_id != merchant.id:
        raise ServiceError(_l("Choose one of your customers."), "customer")
    if customer.erased_at is not None:
        raise ServiceError(_l("This customer's data was erased: bill another."), "customer")
    if not is_currency(given.currency) or (
        not given.currency_agreed and given.currency not in account_currencies(session, merchant)
    ):
        raise ServiceError(_l("Choose one of your account's currencies."), "currency")
    locale = _checked_locale(given.locale, customer)
    terms = given.terms or invoice_settings(session, merchant).terms
    if terms is PaymentTerms.CUSTOM:
        if given.due_date is None:
            raise ServiceError(_l("Choose the due date."), "due_date")
        if given.due_date < (invoice.issue_date or utcnow().date()):
            raise ServiceError(_l("The due date is in the past."), "due_date")
    _check_text(given.memo, "memo")
    _check_text(given.footer, "footer")
    methods = _checked_methods(given.payment_methods)
    rates = _merchant_tax_rates(session, merchant, given.lines)
    lines = _checked_lines(session, merchant, given.lines, rates)
    discount_percent, discount_amount = _checked_discount(given)

    invoice.customer = customer
    invoice.customer_id = customer.id
    invoice.currency = given.currency
    invoice.locale = locale
    invoice.terms = terms
    invoice.due_date = given.due_date if terms is PaymentTerms.CUSTOM else None
    invoice.memo = given.memo.strip()
    invoice.footer = given.footer.strip()
    invoice.payment_methods = methods
    invoice.discount_percent = discount_percent
    invoice.discount_amount = discount_amount
    invoice.lines = [
        InvoiceLine(
            merchant_id=merchant.id,
            position=position,
            product_id=line.product_id,
            description=line.description.strip(),
            quantity=line.quantity,
            unit_amount=line.unit_amount,
            discount_percent=line.discount_percent or None,
            tax_rate_ids=list(line.tax_rate_ids),
        )
        for position, line in enumerate(lines)
    ]
    price_invoice(invoice, rates)
    invoice.allow_partial = given.allow_partial
    invoice.minimum_part = _checked_minimum_part(given, invoice)


def _checked_locale(chosen: str | None, customer: Customer) -> str:
    """The language chosen, else the customer's (English when theirs is no longer shipped)."""
    if chosen is not None:
        if chosen not in shipped_locales():
            raise ServiceError(_l("Choose a language."), "locale")
        return chosen
    return customer.locale if customer.locale in shipped_locales() else shipped_locales()[0]


def _check_text(text: str, name: str) -> None:
    if len(text) > MAX_TEXT:
        raise ServiceError(_l("At most %(n)d characters.", n=MAX_TEXT), name)


def _checked_methods(methods: Sequence[str] | None) -> list[str] | None:
    if methods is None:
        return None
    known = {method.value for method in PaymentMethod}
    chosen = [m for m in dict.fromkeys(methods)]
    if not chosen or any(m not in known for m in chosen):
        raise ServiceError(_l("Choose at least one payment method."), "payment_methods")
    return chosen


def _merchant_tax_rates(
    session: DbSession, merchant: Merchant, lines: Iterable[LineInput | InvoiceLine]
) -> dict[int, TaxRate]:
    """The merchant's tax rates, read only when a line names one (a subscription's invoice,
    taxes as lines, names none: a query less on each charge)."""
    if not any(line.tax_rate_ids for line in lines):
        return {}
    rows = session.scalars(select(TaxRate).where(TaxRate.merchant_id == merchant.id))
    return {rate.id: rate for rate in rows}


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
        if line.product_id is not None:
            product = session.get(Product, line.product_id)
            if product is None or product.merchant_id != merchant.id:
                raise ServiceError(_l("Choose one of your products."), "lines")
    return list(lines)


def _checked_discount(given: InvoiceInput) -> tuple[Decimal | None, int | None]:
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


def _checked_minimum_part(given: InvoiceInput, invoice: Invoice) -> int | None:
    if not given.allow_partial or given.minimum_part is None:
        return None
    if given.minimum_part < 1 or below_minimum(Money(given.minimum_part, invoice.currency)):
        raise ServiceError(
            _l("The minimum part is below what a card payment can be."), "minimum_part"
        )
    if given.minimum_part > invoice.total:
        raise ServiceError(_l("The minimum part is more than the invoice's total."), "minimum_part")
    return given.minimum_part


def _refuse_unpayable_total(invoice: Invoice) -> None:
    if invoice.total <= 0:
        raise ServiceError(_l("An invoice of nothing cannot be issued."), "lines")


# ---------------------------------------------------------------------------------------------
# Finalizing and after


def finalize_invoice(
    session: DbSession,
    invoice: Invoice,
    today: date,
    secret_key: str,
    *,
    user_id: int | None = None,
) -> str:
    """Issue a draft: priced again with the tax rates as they are now, its number (taken in
    this transaction), issue and due dates, status OPEN and the customer's address. Returns
    the address's token (only its digest and a sealed copy are kept)."""
    if invoice.status is not InvoiceStatus.DRAFT:
        raise ServiceError(_l("This invoice was finalized already."))
    if invoice.customer.erased_at is not None:
        raise ServiceError(_l("This customer's data was erased: bill another."), "customer")
    price_invoice(invoice, _merchant_tax_rates(session, invoice.merchant, invoice.lines))
    _refuse_unpayable_total(invoice)
    if invoice.terms is PaymentTerms.CUSTOM and (
        invoice.due_date is None or invoice.due_date < today
    ):
        raise ServiceError(_l("The due date is in the past."), "due_date")
    invoice.number = take_number(session, invoice.merchant_id, SeriesKind.INVOICE, today)
    invoice.issue_date = today
    invoice.due_date = due_date_for(invoice.terms, today, invoice.due_date)
    invoice.status = InvoiceStatus.OPEN
    invoice.finalized_at = utcnow()
    token = new_secret_token()
    invoice.token_digest = token_digest(token)
    invoice.token_encrypted = encrypt(token, secret_key, Purpose.DOCUMENT_TOKENS)
    record_event(
        session, invoice, "finalized", {"number": invoice.number, "total": invoice.total},
        user_id=user_id,
    )  # fmt: skip
    session.flush()
    return token


def void_invoice(
    session: DbSession,
    invoice: Invoice,
    today: date,
    *,
    reason: str = "",
    user_id: int | None = None,
) -> CreditNote | None:
    """Void an invoice nothing was paid on. One that was sent gets a credit note (its own
    series) cancelling it, as EU practice expects; an unsent one is void without.

    One guarded UPDATE makes it void only while nothing is paid or clearing, so a payment
    starting at the same moment cannot land on a void invoice."""
    if not can_void(invoice):
        raise ServiceError(_l("An invoice with a payment cannot be voided."))
    _check_text(reason, "reason")
    voided = session.execute(
        update(Invoice)
        .where(
            Invoice.id == invoice.id,
            Invoice.status.in_([InvoiceStatus.OPEN, InvoiceStatus.UNCOLLECTIBLE]),
            Invoice.amount_paid == 0,
            Invoice.amount_pending == 0,
        )
        .values(status=InvoiceStatus.VOID, voided_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.refresh(invoice)
    if voided.rowcount != 1:  # type: ignore[attr-defined]
        raise ServiceError(_l("An invoice with a payment cannot be voided."))
    credit_note = None
    if invoice.sent_at is not None:
        credit_note = CreditNote(
            merchant_id=invoice.merchant_id,
            invoice=invoice,
            number=take_number(session, invoice.merchant_id, SeriesKind.CREDIT_NOTE, today),
            issue_date=today,
            total=invoice.total,
            reason=reason.strip(),
        )
        session.add(credit_note)
    detail: dict[str, Any] = {"reason": reason.strip()}
    if credit_note is not None:
        detail["credit_note"] = credit_note.number
    record_event(session, invoice, "voided", detail, user_id=user_id)
    session.flush()
    return credit_note


def mark_uncollectible(session: DbSession, invoice: Invoice, *, user_id: int | None = None) -> None:
    """The merchant gives up on an open invoice (nothing clearing): no longer payable."""
    marked = session.execute(
        update(Invoice)
        .where(
            Invoice.id == invoice.id,
            Invoice.status == InvoiceStatus.OPEN,
            Invoice.amount_pending == 0,
        )
        .values(status=InvoiceStatus.UNCOLLECTIBLE)
        .execution_options(synchronize_session=False)
    )
    session.refresh(invoice)
    if marked.rowcount != 1:  # type: ignore[attr-defined]
        raise ServiceError(_l("Only an open invoice with no payment clearing can be written off."))
    record_event(session, invoice, "marked_uncollectible", {}, user_id=user_id)
    session.flush()


def record_manual_payment(
    session: DbSession,
    invoice: Invoice,
    today: date,
    *,
    amount: int,
    paid_on: date,
    method: ManualMethod,
    reference: str = "",
    user_id: int | None = None,
) -> ManualPayment:
    """A payment made outside Stripe: it counts as paid at once (``balance.add_paid``), never
    above what is payable now and never on an invoice that is not open."""
    if amount < 1:
        raise ServiceError(_l("Enter an amount above zero."), "amount")
    if paid_on > today:
        raise ServiceError(_l("The payment date cannot be in the future."), "paid_on")
    if invoice.issue_date is not None and paid_on < invoice.issue_date - timedelta(days=366):
        raise ServiceError(_l("The payment date is long before the invoice."), "paid_on")
    if len(reference) > 120:
        raise ServiceError(_l("At most %(n)d characters.", n=120), "reference")
    if invoice.status is not InvoiceStatus.OPEN:
        raise ServiceError(_l("Only an open invoice can be paid."))
    if not balance.add_paid(session, invoice, amount):
        raise ServiceError(_l("That is more than the balance due."), "amount")
    payment = ManualPayment(
        merchant_id=invoice.merchant_id,
        invoice=invoice,
        amount=amount,
        paid_on=paid_on,
        method=method,
        reference=reference.strip(),
        user_id=user_id,
    )
    session.add(payment)
    record_event(
        session, invoice, "manual_payment",
        {"amount": amount, "method": method.value, "balance": invoice.balance}, user_id=user_id,
    )  # fmt: skip
    session.flush()
    return payment


def record_event(
    session: DbSession,
    invoice: Invoice,
    kind: str,
    detail: dict[str, Any] | None = None,
    *,
    user_id: int | None = None,
) -> InvoiceEvent:
    """Append to the invoice's log (never updated or deleted)."""
    event = InvoiceEvent(
        merchant_id=invoice.merchant_id,
        invoice=invoice,
        kind=kind,
        detail=detail or {},
        user_id=user_id,
    )
    session.add(event)
    return event


def rotate_invoice_tokens(session: DbSession, rotation: Rotation) -> None:
    """Every invoice's sealed address token, re-encrypted with the new secret key (``flask
    kassa rotate-secret-key``); the digests, and so customers' addresses, do not change."""
    for invoice in session.scalars(select(Invoice).where(Invoice.token_encrypted.is_not(None))):
        assert invoice.token_encrypted is not None
        invoice.token_encrypted = rotation.rekey(invoice.token_encrypted, Purpose.DOCUMENT_TOKENS)


# ---------------------------------------------------------------------------------------------
# Lists and settings

PAGE_SIZE = 25


@dataclass(frozen=True)
class InvoicePage:
    invoices: list[Invoice]
    page: int
    has_next: bool


def billable_customers(session: DbSession, merchant: Merchant) -> list[Customer]:
    """The merchant's customers an invoice can be addressed to (not erased), by name."""
    return list(
        session.scalars(
            select(Customer)
            .where(Customer.merchant_id == merchant.id, Customer.erased_at.is_(None))
            .order_by(func.lower(Customer.name), Customer.id)
        )
    )


def _shown_status_filter(shown: ShownStatus, today: date) -> list[Any]:
    """The SQL twin of ``shown_status``: the rows shown with ``shown``."""
    if shown.value in {s.value for s in InvoiceStatus if s is not InvoiceStatus.OPEN}:
        return [Invoice.status == InvoiceStatus(shown.value)]
    is_open = Invoice.status == InvoiceStatus.OPEN
    if shown is ShownStatus.PROCESSING:
        return [is_open, Invoice.amount_pending > 0]
    not_clearing = Invoice.amount_pending == 0
    refunded = and_(
        Invoice.amount_paid == 0, Invoice.total > 0, Invoice.amount_refunded >= Invoice.total
    )
    if shown is ShownStatus.REFUNDED:
        return [is_open, not_clearing, refunded]
    overdue = Invoice.due_date < today
    if shown is ShownStatus.OVERDUE:
        return [is_open, not_clearing, ~refunded, overdue]
    in_time = or_(Invoice.due_date.is_(None), Invoice.due_date >= today)
    if shown is ShownStatus.PARTIALLY_PAID:
        return [is_open, not_clearing, in_time, Invoice.amount_paid > 0]
    return [is_open, not_clearing, ~refunded, in_time, Invoice.amount_paid == 0]


def list_invoices(
    session: DbSession,
    merchant: Merchant,
    today: date,
    *,
    shown: ShownStatus | None = None,
    search: str = "",
    page: int = 1,
) -> InvoicePage:
    """The merchant's invoices, newest first, ``PAGE_SIZE`` a page: those shown with
    ``shown``, and whose number or customer (name, email, company) contains ``search``."""
    query = (
        select(Invoice)
        .join(Customer, Customer.id == Invoice.customer_id)
        .where(Invoice.merchant_id == merchant.id)
    )
    if shown is not None:
        query = query.where(*_shown_status_filter(shown, today))
    words = search.strip()[:100]
    if words:
        query = query.where(
            or_(
                *(
                    column.icontains(words, autoescape=True)
                    for column in (Invoice.number, Customer.name, Customer.email, Customer.company)
                )
            )
        )
    page = max(page, 1)
    rows = list(
        session.scalars(
            query.order_by(Invoice.created_at.desc(), Invoice.id.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        )
    )
    return InvoicePage(rows[:PAGE_SIZE], page, len(rows) > PAGE_SIZE)


def default_texts(session: DbSession, merchant: Merchant, locale: str) -> tuple[str, str]:
    """The memo and footer a new invoice in ``locale`` starts with (the merchant's settings)."""
    settings = invoice_settings(session, merchant)
    return (settings.memo or {}).get(locale, ""), (settings.footer or {}).get(locale, "")


def texts_in_language(
    session: DbSession, merchant: Merchant, typed: tuple[str, str], was: str, now: str
) -> tuple[str, str]:
    """The memo and footer once an invoice's language changes from ``was`` to ``now``: a
    text that is still the merchant's default for ``was`` becomes the default for ``now``;
    anything the merchant typed stays as typed."""
    before, after = default_texts(session, merchant, was), default_texts(session, merchant, now)
    pairs = zip(typed, before, after, strict=True)
    memo, footer = (new if text.strip() == old.strip() else text for text, old, new in pairs)
    return memo, footer


@dataclass(frozen=True)
class SettingsInput:
    invoice_pattern: str
    invoice_padding: int
    credit_note_pattern: str
    credit_note_padding: int
    terms: PaymentTerms
    reminder_days: list[int]
    memo: dict[str, str]
    footer: dict[str, str]


def save_invoice_settings(
    session: DbSession, merchant: Merchant, given: SettingsInput, today: date
) -> InvoiceSettings:
    """The merchant's defaults and numbering. A changed pattern keeps counting where the old
    one was (it never restarts on the change), and a prefix that numbers of that kind already
    use is refused: numbers never repeat."""
    if given.terms is PaymentTerms.CUSTOM:
        raise ServiceError(_l("Choose terms that give a due date."), "terms")
    for kind, pattern, padding, field_name in (
        (SeriesKind.INVOICE, given.invoice_pattern, given.invoice_padding, "invoice_pattern"),
        (SeriesKind.CREDIT_NOTE, given.credit_note_pattern, given.credit_note_padding,
         "credit_note_pattern"),
    ):  # fmt: skip
        _set_series(session, merchant, kind, pattern.strip(), padding, today, field_name)
    settings = invoice_settings(session, merchant)
    settings.terms = given.terms
    settings.reminder_days = sorted(set(given.reminder_days))
    settings.memo = {code: text.strip() for code, text in given.memo.items() if text.strip()}
    settings.footer = {code: text.strip() for code, text in given.footer.items() if text.strip()}
    session.flush()
    return settings


def _set_series(
    session: DbSession,
    merchant: Merchant,
    kind: SeriesKind,
    pattern: str,
    padding: int,
    today: date,
    field_name: str,
) -> None:
    if (
        not pattern
        or ("{" in pattern.replace("{YYYY}", ""))
        or ("}" in pattern.replace("{YYYY}", ""))
    ):
        raise ServiceError(_l("Use letters, digits, dashes and {YYYY} for the year."), field_name)
    series = series_of(session, merchant.id, kind)
    series.padding = padding
    if series.pattern == pattern:
        return
    prefix = pattern.replace("{YYYY}", str(today.year))
    numbered = CreditNote.number if kind is SeriesKind.CREDIT_NOTE else Invoice.number
    owner = CreditNote.merchant_id if kind is SeriesKind.CREDIT_NOTE else Invoice.merchant_id
    taken = session.scalar(
        select(func.count()).where(
            owner == merchant.id, numbered.startswith(prefix, autoescape=True)
        )
    )
    if taken:
        raise ServiceError(
            _l("Numbers with this prefix exist already: choose another."), field_name
        )
    series.pattern = pattern
    series.period = period_of(pattern, today)


def disputed_payments(session: DbSession, invoice: Invoice) -> list[int]:
    """The ids of the invoice's Stripe payments a buyer's bank disputes: the invoice flags them."""
    return list(
        session.scalars(
            select(Payment.id).where(
                Payment.merchant_id == invoice.merchant_id,
                Payment.document_type == DOCUMENT_TYPE,
                Payment.document_id == str(invoice.id),
                Payment.status == PaymentStatus.DISPUTED,
            )
        )
    )
