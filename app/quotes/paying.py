"""The money on an accepted quote: what is settled (``amount_paid``) and what is clearing
(``amount_pending``), moved only by UPDATEs whose WHERE is the rule (as an invoice's balance
is), so two tabs paying what is due at acceptance cannot both be taken.

What may be paid through the checkout is what is due at acceptance: the full total, the
deposit, or the schedule's parts due by then. Once settled the quote is PARTLY PAID (a deposit,
the first part of a schedule) or PAID, and a paid quote records its recurring lines as
subscriptions-to-be (the subscriptions feature bills them).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from app.core import pricing
from app.core.clock import utcnow
from app.extensions import DbSession
from app.quotes.models import (
    ACCEPTED_STATUSES,
    PartStatus,
    Quote,
    QuoteStatus,
    SubscriptionToBe,
)
from app.quotes.service import current_quantities, record_event

PAYABLE_STATUSES = (QuoteStatus.ACCEPTED, QuoteStatus.PARTLY_PAID)


def due_at_acceptance(quote: Quote, today: date) -> int:
    """The parts fixed at acceptance that are due by ``today`` (all of a full payment, the
    deposit, the schedule's first parts): what the checkout may take in all."""
    return sum(part.amount for part in quote.parts if part.due_on is None or part.due_on <= today)


def payable_now(quote: Quote, today: date) -> int:
    return max(due_at_acceptance(quote, today) - quote.amount_paid - quote.amount_pending, 0)


def _guarded(session: DbSession, quote_id: int, *where: Any, **values: Any) -> bool:
    result = session.execute(
        update(Quote)
        .where(Quote.id == quote_id, *where)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def _refresh(session: DbSession, quote: Quote) -> None:
    session.refresh(quote)


def claim(session: DbSession, quote: Quote, amount: int, today: date) -> bool:
    """Reserve ``amount`` of what is due at acceptance for a payment being made: refused when
    the quote is not accepted (or countersigned) or less than ``amount`` is still due now."""
    limit = due_at_acceptance(quote, today)
    if amount < 1:
        return False
    claimed = _guarded(
        session,
        quote.id,
        Quote.merchant_id == quote.merchant_id,
        Quote.status.in_(PAYABLE_STATUSES),
        Quote.amount_paid + Quote.amount_pending + amount <= limit,
        amount_pending=Quote.amount_pending + amount,
    )
    _refresh(session, quote)
    return claimed


def settle(session: DbSession, quote: Quote, amount: int) -> bool:
    """A claimed payment arrived: clearing becomes paid; the quote is PAID when its total is
    paid, else PARTLY PAID; the parts it covers are paid."""
    settled = _guarded(
        session,
        quote.id,
        Quote.amount_pending >= amount,
        amount_pending=Quote.amount_pending - amount,
        amount_paid=Quote.amount_paid + amount,
    )
    if not settled:
        return False
    now = utcnow()
    _guarded(
        session, quote.id, Quote.status.in_(PAYABLE_STATUSES), Quote.amount_paid >= Quote.total,
        status=QuoteStatus.PAID, paid_at=now,
    )  # fmt: skip
    _guarded(
        session, quote.id, Quote.status == QuoteStatus.ACCEPTED, Quote.amount_paid > 0,
        status=QuoteStatus.PARTLY_PAID,
    )  # fmt: skip
    _refresh(session, quote)
    covered = 0
    for part in quote.parts:
        covered += part.amount
        if covered <= quote.amount_paid and part.status is not PartStatus.PAID:
            part.status = PartStatus.PAID
            part.paid_at = now
    if quote.status is QuoteStatus.PAID:
        record_subscriptions(session, quote, now.date())
    return True


def release(session: DbSession, quote: Quote, amount: int) -> bool:
    """A claimed payment failed (a bounced debit): its amount is due again."""
    released = _guarded(
        session,
        quote.id,
        Quote.amount_pending >= amount,
        amount_pending=Quote.amount_pending - amount,
    )
    _refresh(session, quote)
    return released


def refund(session: DbSession, quote: Quote, amount: int) -> bool:
    """Part of what was paid went back to the customer (a refund from the panel or Stripe's
    dashboard): it is paid no more, and a paid quote is partly paid again."""
    refunded = _guarded(
        session,
        quote.id,
        Quote.amount_paid >= amount,
        amount_paid=Quote.amount_paid - amount,
    )
    _guarded(
        session, quote.id, Quote.status == QuoteStatus.PAID, Quote.amount_paid < Quote.total,
        status=QuoteStatus.PARTLY_PAID, paid_at=None,
    )  # fmt: skip
    _refresh(session, quote)
    return refunded


def paid_again(session: DbSession, quote: Quote, amount: int) -> bool:
    """What a refund took back is paid again: the refund failed (a bank refund can, days
    later), or the customer paid a refunded part's invoice again. The quote is paid once all
    of it is."""
    restored = _guarded(
        session,
        quote.id,
        Quote.amount_paid + amount <= Quote.total,
        amount_paid=Quote.amount_paid + amount,
    )
    _guarded(
        session, quote.id, Quote.status == QuoteStatus.PARTLY_PAID,
        Quote.amount_paid >= Quote.total, status=QuoteStatus.PAID, paid_at=utcnow(),
    )  # fmt: skip
    _refresh(session, quote)
    return restored


def record_subscriptions(session: DbSession, quote: Quote, paid_on: date) -> int:
    """The paid quote's recurring lines as subscriptions-to-be, each once (unique per line:
    a second settlement, or two at once, adds nothing). Each starts with the renewal after the
    period the quote paid for."""
    quantities = current_quantities(quote)
    made = 0
    for line in quote.lines:
        quantity = quantities.get(str(line.position), 0)
        if not line.interval or quantity <= 0:
            continue
        recurrence = pricing.Recurrence(pricing.Interval(line.interval), line.interval_count)
        try:
            with session.begin_nested():
                session.add(
                    SubscriptionToBe(
                        merchant_id=quote.merchant_id,
                        quote_id=quote.id,
                        quote_line_id=line.id,
                        customer_id=quote.customer_id,
                        description=line.description,
                        currency=quote.currency,
                        unit_amount=line.unit_amount,
                        quantity=quantity,
                        tax_rate_ids=list(line.tax_rate_ids),
                        interval=line.interval,
                        interval_count=line.interval_count,
                        starts_on=recurrence.charge_date(paid_on, 1),
                    )
                )
        except IntegrityError:
            continue
        made += 1
    if made:
        record_event(session, quote, "subscriptions_recorded", {"count": made})
    return made


def is_accepted(quote: Quote) -> bool:
    return quote.status in ACCEPTED_STATUSES
