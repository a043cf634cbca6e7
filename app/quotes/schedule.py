"""The schedule engine: a quote's later parts charge themselves.

For an accepted quote paid on a schedule whose method was saved at acceptance (the quote's
``saved_method_id``, ``saved_method_type`` and ``processor_customer_id``), the hourly task
(``tasks.charge_schedules``) takes each quote's next unpaid part, in order:

1. **Notice.** Once the part's date is within the method's notice period (the merchant's
   ``QuoteSettings.notice_days``, else the schemes' rules: SEPA 14 calendar days, Bacs 10
   working days, cards and ACH 3 days) the customer is told the amount, the date and the
   method (``NOTICE``, once per part) and the part becomes ``notified``.
2. **Charge.** On its date, and never before the notice period has run since the notice went
   out, the part is *claimed* by one guarded UPDATE (``notified`` to ``processing``, its
   attempt counted): two runs, or two consumers at once, cannot both claim it. The claim is
   committed before Stripe is called. The part becomes an invoice (numbered, one line "Part 2
   of 3 of quote Q-..."), paid by an off-session PaymentIntent on the saved method under the
   key ``quote:<id>:part:<position>`` (``:attempt:<n>`` after a failure), through a checkout
   of that invoice, so the one recording path (``payments.service``) claims and settles the
   invoice as it does any invoice payment, and the invoice's receipt with its PDF is the
   part's receipt.
3. **Outcome.** The invoice's payment moving (``invoices.paying.listen_to_payments``) moves
   the part: settled (a card at once, a bank debit when the webhook or reconciliation sees it
   clear) makes it paid and counts it on the quote (``paying.settle``: the quote is paid with
   its last part); a decline, a bounced debit or a card that needs its holder marks it
   failed, remembers the method that failed, emails the customer a link to their quote to
   update the method and tells the owners. A failed part is charged again once the quote's
   saved method is another one.

A call to Stripe that got no answer leaves the part ``processing`` without an intent; a later
run repeats it under the same key, so Stripe makes it once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from app.core.clock import aware
from app.core.money import Money
from app.data.clock import scheduler_now
from app.extensions import DbSession
from app.invoices.models import Invoice, PaymentTerms
from app.invoices.off_session import SavedMethod, charge_invoice
from app.invoices.paying import Movement, listen_to_payments
from app.invoices.service import (
    IncludedTax,
    LineInput,
    create_invoice,
    finalize_invoice,
    show_included_taxes,
)
from app.mail import email_owners
from app.payments.models import Payment
from app.payments.reasons import failure_reason
from app.payments.service import (
    BuyerDetails,
    GatewayLookup,
)
from app.processors.access import connected_gateway
from app.processors.gateway import (
    PaymentGateway,
)
from app.processors.idempotency import idempotency_key
from app.quotes import paying
from app.quotes.delivery import send_notice, send_part_failed
from app.quotes.models import (
    PartStatus,
    PaymentMode,
    Quote,
    QuotePaymentPart,
    QuoteSettings,
)
from app.quotes.notice import charge_from, notice_days, notice_from
from app.quotes.pricing import part_taxes
from app.quotes.service import record_event

log = logging.getLogger("kassa.quotes")

# A charge that got no answer is repeated (same key) once it is this old.
UNANSWERED_AFTER = timedelta(minutes=10)
METADATA_QUOTE = "kassa_quote"
METADATA_PART = "kassa_quote_part"
WAITING = (PartStatus.SCHEDULED, PartStatus.NOTIFIED, PartStatus.FAILED, PartStatus.PROCESSING)


# ---------------------------------------------------------------------------------------------
# Reading


def next_part(quote: Quote) -> QuotePaymentPart | None:
    """The first part not paid yet, when it is a later one (None while the part due at
    acceptance is unpaid: the checkout takes that one)."""
    for part in quote.parts:
        if part.status in (PartStatus.PAID, PartStatus.CANCELED):
            continue
        return part if part.due_on is not None and part.status in WAITING else None
    return None


def scheduled_quotes(session: DbSession) -> list[Quote]:
    """Accepted quotes paid on a schedule whose method was saved, not paid in full yet."""
    return list(
        session.scalars(
            select(Quote)
            .where(
                Quote.status.in_(paying.PAYABLE_STATUSES),
                Quote.payment_mode == PaymentMode.SCHEDULE,
                Quote.saved_method_id != "",
                Quote.processor_customer_id != "",
            )
            .order_by(Quote.id)
        )
    )


def part_label(quote: Quote, part: QuotePaymentPart) -> str:
    """ "Part 2 of 3 of quote Q-2026-0007", in the current locale."""
    return _(
        "Part %(n)d of %(count)d of quote %(number)s",
        n=part.position + 1,
        count=len(quote.parts),
        number=quote.shown_number,
    )


def planned_charge_on(session: DbSession, quote: Quote, part: QuotePaymentPart) -> date | None:
    """The day the part is (or was to be) charged: its date, or later when the notice went
    out late (None for the part due at acceptance)."""
    if part.due_on is None:
        return None
    settings = session.scalar(
        select(QuoteSettings).where(QuoteSettings.merchant_id == quote.merchant_id)
    )
    method = quote.saved_method_type
    return charge_from(part, notice_days(settings, method), method) or part.due_on


@dataclass(frozen=True)
class ScheduleRow:
    """A part as the merchant's quote page lists it."""

    part: QuotePaymentPart
    amount: Money
    charge_on: date | None
    invoice_id: int | None
    invoice_number: str


def schedule_rows(session: DbSession, quote: Quote) -> list[ScheduleRow]:
    """An accepted schedule's parts with their charge dates and invoices (none before the
    quote is accepted: the amounts are fixed then)."""
    if quote.payment_mode is not PaymentMode.SCHEDULE or not paying.is_accepted(quote):
        return []
    ids = [part.invoice_id for part in quote.parts if part.invoice_id is not None]
    rows = session.execute(
        select(Invoice.id, Invoice.number).where(
            Invoice.merchant_id == quote.merchant_id, Invoice.id.in_(ids)
        )
    )
    numbers = {invoice_id: number for invoice_id, number in rows}
    return [
        ScheduleRow(
            part=part,
            amount=quote.money(part.amount),
            charge_on=planned_charge_on(session, quote, part),
            invoice_id=part.invoice_id,
            invoice_number=numbers.get(part.invoice_id or 0) or "",
        )
        for part in quote.parts
    ]


def charge_key(session: DbSession, quote: Quote, part: QuotePaymentPart) -> str:
    """The part's idempotency key: one per attempt (a new one only after a failure)."""
    key = idempotency_key(session, "quote", quote.id, "part", part.position)
    return key if part.attempts <= 1 else f"{key}:attempt:{part.attempts}"


# ---------------------------------------------------------------------------------------------
# The periodic run


@dataclass
class ScheduleRun:
    """What one run did, for its log line and the tests."""

    notified: list[int] = field(default_factory=list)  # part ids
    charged: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def run_schedules(
    session: DbSession, *, gateway_for: GatewayLookup = connected_gateway
) -> ScheduleRun:
    """Notify and charge what is due on every scheduled quote, each quote in a transaction of
    its own (one that fails is logged and left for the next run)."""
    run = ScheduleRun()
    for quote_id in [quote.id for quote in scheduled_quotes(session)]:
        try:
            _advance(session, quote_id, run, gateway_for)
            session.commit()
        except Exception:
            session.rollback()
            log.exception("quote schedule step failed", extra={"fields": {"quote_id": quote_id}})
    return run


def _advance(
    session: DbSession, quote_id: int, run: ScheduleRun, gateway_for: GatewayLookup
) -> None:
    quote = session.get_one(Quote, quote_id)
    part = next_part(quote)
    if part is None:
        return
    now = scheduler_now(session)
    method = quote.saved_method_type
    settings = session.scalar(
        select(QuoteSettings).where(QuoteSettings.merchant_id == quote.merchant_id)
    )
    days = notice_days(settings, method)
    assert part.due_on is not None
    if part.status is PartStatus.SCHEDULED:
        if now.date() >= notice_from(part.due_on, days, method) and notify(
            session, quote, part, now
        ):
            run.notified.append(part.id)
        return
    allowed = charge_from(part, days, method)
    if allowed is None or now.date() < allowed:
        return
    if part.status is PartStatus.PROCESSING:
        if part.intent_id or part.charged_at is None:
            return  # a charge on its way: the webhook or reconciliation settles it
        if aware(part.charged_at) > now - UNANSWERED_AFTER:
            return
        if not _reclaim_unanswered(session, part, now):
            return
    elif not claim(session, quote, part, now):
        return
    session.commit()  # the claim (and its attempt number) is durable before Stripe is called
    outcome = charge(session, quote, part, now.date(), gateway_for(session, quote.merchant_id))
    (run.charged if outcome is not PartStatus.FAILED else run.failed).append(part.id)


def notify(session: DbSession, quote: Quote, part: QuotePaymentPart, now: datetime) -> bool:
    """Send the part's notice, once: the guarded UPDATE moves it from scheduled to notified
    (a second run, or another consumer, finds it moved and sends nothing)."""
    moved = session.execute(
        update(QuotePaymentPart)
        .where(QuotePaymentPart.id == part.id, QuotePaymentPart.status == PartStatus.SCHEDULED)
        .values(status=PartStatus.NOTIFIED, notified_at=now)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.refresh(part)
    send_notice(session, quote, part)
    record_event(session, quote, "part_notified", {"part": part.position + 1})
    return True


def claim(session: DbSession, quote: Quote, part: QuotePaymentPart, now: datetime) -> bool:
    """Take the part for one charge: notified (or failed, with another method saved since)
    to processing, its attempt counted, and its amount clearing on the quote. One UPDATE whose
    WHERE is the rule, so it holds with two runs or two consumers at once."""
    claimable = (QuotePaymentPart.status == PartStatus.NOTIFIED) | (
        (QuotePaymentPart.status == PartStatus.FAILED)
        & (QuotePaymentPart.failed_method_id != quote.saved_method_id)
    )
    moved = session.execute(
        update(QuotePaymentPart)
        .where(QuotePaymentPart.id == part.id, claimable)
        .values(
            status=PartStatus.PROCESSING,
            attempts=QuotePaymentPart.attempts + 1,
            charged_at=now,
            intent_id="",
            last_error="",
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        return False
    if not _clearing_on_quote(session, quote, part.amount):
        session.rollback()
        return False
    session.refresh(part)
    return True


def _clearing_on_quote(session: DbSession, quote: Quote, amount: int) -> bool:
    moved = session.execute(
        update(Quote)
        .where(
            Quote.id == quote.id,
            Quote.status.in_(paying.PAYABLE_STATUSES),
            Quote.amount_paid + Quote.amount_pending + amount <= Quote.total,
        )
        .values(amount_pending=Quote.amount_pending + amount)
        .execution_options(synchronize_session=False)
    )
    session.refresh(quote)
    return bool(moved.rowcount == 1)  # type: ignore[attr-defined]


def _reclaim_unanswered(session: DbSession, part: QuotePaymentPart, now: datetime) -> bool:
    """Take a charge that got no answer again (same attempt, so the same key)."""
    moved = session.execute(
        update(QuotePaymentPart)
        .where(
            QuotePaymentPart.id == part.id,
            QuotePaymentPart.status == PartStatus.PROCESSING,
            QuotePaymentPart.intent_id == "",
            QuotePaymentPart.charged_at == part.charged_at,
        )
        .values(charged_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(part)
    return bool(moved.rowcount == 1)  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------
# Charging a claimed part


def charge(
    session: DbSession,
    quote: Quote,
    part: QuotePaymentPart,
    today: date,
    gateway: PaymentGateway,
) -> PartStatus:
    """Charge a claimed part off-session: its invoice first (committed with its checkout, so
    a repeat of the call finds them), then the PaymentIntent, recorded through the one
    recording path as the invoice's payment by the quote's customer (``off_session``). No
    buyer email: the customer hears from the quote's and the invoice's own emails (the
    notice, the invoice's receipt, the failure with the link to update the method). The
    part's status afterwards."""
    invoice = part_invoice(session, quote, part, today)
    result = charge_invoice(
        session,
        invoice,
        SavedMethod(
            quote.processor_customer_id,
            quote.saved_method_id,
            quote.saved_method_type,
            mandate=quote.saved_mandate_id or None,
        ),
        key=charge_key(session, quote, part),
        gateway=gateway,
        payer=BuyerDetails(
            email="", name=quote.customer.name, locale=quote.locale, customer_id=quote.customer_id
        ),
        metadata={METADATA_QUOTE: quote.shown_number, METADATA_PART: str(part.position + 1)},
    )
    if not result.answered:
        return PartStatus.PROCESSING  # repeated later under the same key
    part.intent_id = result.intent_id
    session.flush()  # kept before the refresh below reads the part's status back
    if result.failed:
        fail_part(session, quote, part, result.failure_code)
        return PartStatus.FAILED
    session.refresh(part)
    return part.status


def part_invoice(session: DbSession, quote: Quote, part: QuotePaymentPart, today: date) -> Invoice:
    """The part's invoice, issued (numbered) on its first charge: the quote's customer, one
    line for the part's amount, in the quote's language. The quote's taxes are inside that
    amount, as they are in the quote's total: the invoice shows the part's share of each
    (``pricing.part_taxes``: the parts' shares add up to the quote's taxes)."""
    if part.invoice_id is not None:
        return session.get_one(Invoice, part.invoice_id)
    with force_locale(quote.locale):
        description = part_label(quote, part)
    invoice = create_invoice(
        session,
        quote.merchant,
        quote.customer,
        currency=quote.currency,
        lines=[LineInput(description=description[:200], quantity=1, unit_amount=part.amount)],
        locale=quote.locale,
        terms=PaymentTerms.NET_14,
        payment_methods=[quote.saved_method_type],
        currency_agreed=True,
    )
    finalize_invoice(session, invoice, today, current_app.extensions["kassa_settings"].secret_key)
    shares = part_taxes(
        quote.tax_breakdown, [each.amount for each in quote.parts], quote.parts.index(part)
    )
    show_included_taxes(
        invoice, [IncludedTax(tax.name, tax.percent, tax.base, tax.amount) for tax in shares]
    )
    part.invoice_id = invoice.id
    record_event(
        session, quote, "part_invoiced", {"part": part.position + 1, "invoice": invoice.number}
    )
    session.flush()
    return invoice


# ---------------------------------------------------------------------------------------------
# Outcomes


def fail_part(session: DbSession, quote: Quote, part: QuotePaymentPart, code: str | None) -> bool:
    """A charge of the part failed (declined, needs its holder, or a debit that bounced): the
    part is failed with the method that failed, its amount is due again, the customer is
    emailed the link to update the method and the owners are told. Once per attempt."""
    moved = session.execute(
        update(QuotePaymentPart)
        .where(QuotePaymentPart.id == part.id, QuotePaymentPart.status == PartStatus.PROCESSING)
        .values(
            status=PartStatus.FAILED,
            failed_method_id=quote.saved_method_id,
            last_error=code or "failed",
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.refresh(part)
    paying.release(session, quote, part.amount)
    record_event(session, quote, "part_failed", {"part": part.position + 1, "code": code})
    send_part_failed(session, quote, part)
    email_owners(
        quote.merchant, "merchant_quote_part_failed", quote=quote, part=part,
        amount=quote.money(part.amount), reason=failure_reason(code),
    )  # fmt: skip
    return True


def part_paid(session: DbSession, quote: Quote, part: QuotePaymentPart) -> None:
    """The part's invoice was paid (by its charge, or by the customer on the invoice's page):
    its amount counts as paid on the quote, which is paid with its last part."""
    if part.status is PartStatus.PAID:
        return
    if part.status is not PartStatus.PROCESSING and not _clearing_on_quote(
        session, quote, part.amount
    ):
        log.error(
            "a part's invoice was paid beyond the quote", extra={"fields": {"part_id": part.id}}
        )
        return
    part.status = PartStatus.PROCESSING
    if paying.settle(session, quote, part.amount):
        part.status = PartStatus.PAID
        record_event(session, quote, "part_paid", {"part": part.position + 1})


def _invoice_payment_moved(
    session: DbSession, invoice: Invoice, payment: Payment, movement: Movement, amount: int
) -> None:
    part = session.scalar(
        select(QuotePaymentPart).where(
            QuotePaymentPart.invoice_id == invoice.id,
            QuotePaymentPart.merchant_id == invoice.merchant_id,
        )
    )
    if part is None:
        return
    quote = part.quote
    if movement is Movement.SETTLED and part.status is PartStatus.PAID:
        # A refunded part's invoice paid again by the customer.
        if paying.paid_again(session, quote, amount):
            record_event(session, quote, "part_paid", {"part": part.position + 1})
    elif movement is Movement.SETTLED:
        part_paid(session, quote, part)
    elif movement is Movement.REFUNDED:
        part_refunded(session, quote, part, amount)
    else:
        fail_part(session, quote, part, payment.failure_code)


def part_refunded(session: DbSession, quote: Quote, part: QuotePaymentPart, change: int) -> None:
    """A refund of the part's payment (``change`` > 0; below 0 a failed refund coming back)
    moves the quote's amount paid as it moves the invoice's balance: a paid quote is partly
    paid again."""
    moved = (
        paying.refund(session, quote, change)
        if change > 0
        else paying.paid_again(session, quote, -change)
    )
    if moved:
        kind = "part_refunded" if change > 0 else "part_refund_failed"
        record_event(session, quote, kind, {"part": part.position + 1, "amount": abs(change)})


listen_to_payments(_invoice_payment_moved)
