"""The customer's side of a quote (``/q/<token>``): the choices they post read and checked, the
page's figures priced on the server with them, and what the page says about the quote's
state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import Engine, Select, String, bindparam, cast, func, select

from app.checkout.models import CheckoutSession
from app.checkout.service import document_closed, resume_or_open
from app.core import pricing
from app.core.errors import ServiceError
from app.core.money import Money
from app.core.numbers import whole_number
from app.customers.models import Customer
from app.data.token_rows import row_by_token
from app.extensions import DbSession
from app.merchants.business import seller_details
from app.merchants.models import Merchant
from app.quotes import paying
from app.quotes.document import CLOSED, QuoteDocument, closed_reason
from app.quotes.labels import INTERVAL_LABELS, PART_STATUS_LABELS, STATUS_LABELS
from app.quotes.models import PaymentMode, Quote, QuotePaymentPart, QuoteStatus
from app.quotes.pricing import PaymentPlan, QuotePrice, QuotePricingError, payment_parts
from app.quotes.saved_method import method_action
from app.quotes.service import (
    acceptance_refusal,
    buyer_quantities,
    current_quantities,
    due_at_acceptance_of,
    next_charge,
    plan_of,
    price_with,
    shown_status,
    shown_text,
)
from app.settings.labels import METHOD_LABELS
from app.settings.service import checkout_settings

MAX_TYPED = 9_999_999  # the largest quantity a buyer may type


@dataclass(frozen=True)
class QuoteStamp:
    """What decides whether the customer's page may come from the page cache, and under which
    key: everything the page shows that can change, read in one small query. Its merchant's
    ``public_version`` covers the seller, branding and tax rates; its customer's ``updated_at``
    their name; the quote's own columns (status, amounts, the saved method, ``updated_at``,
    which every UPDATE of the row renews) what moves on it; a revision takes the address over,
    so the token finds another quote. The schedule's parts move by guarded UPDATEs of their
    own rows, so their statuses and amounts are read with it."""

    quote_id: int
    merchant_id: int
    status: QuoteStatus
    locale: str
    first_viewed: bool
    shown: tuple[Any, ...]  # the rest of the page's state, for the cache key

    def key(self, today: date) -> tuple[Any, ...]:
        """The page's cache key on ``today`` (expiry and what is due now are dates)."""
        return ("quote", self.quote_id, self.status, self.first_viewed, *self.shown, today)


@cache
def _stamp_query() -> Select[
    int,
    int,
    QuoteStatus,
    str,
    datetime | None,
    int,
    int,
    date | None,
    str,
    str,
    datetime,
    datetime,
    str,
    str | None,
]:
    # Built once: constructing the statement costs more than running it on this hot path.
    part = QuotePaymentPart
    parts = (
        select(func.aggregate_strings(
            cast(part.position, String) + ":" + cast(part.status, String) + ":"
            + cast(part.amount, String),
            ",",
        ))
        .where(part.quote_id == Quote.id)
        .correlate(Quote)
        .scalar_subquery()
    )  # fmt: skip
    return (
        select(
            Quote.id, Quote.merchant_id, Quote.status, Quote.locale, Quote.first_viewed_at,
            Quote.amount_paid, Quote.amount_pending, Quote.expires_on, Quote.saved_method_id,
            Quote.saved_method_type, Quote.updated_at, Customer.updated_at,
            Merchant.public_version, parts,
        )
        .join(Merchant, Merchant.id == Quote.merchant_id)
        .join(Customer, Customer.id == Quote.customer_id)
        .where(Quote.token_digest == bindparam("digest"))
    )  # fmt: skip


def quote_stamp(engine: Engine, token: str) -> QuoteStamp | None:
    """The stamp of the quote at ``/q/<token>``, on a connection of its own (no objects)."""
    row = row_by_token(engine, _stamp_query(), token)
    if row is None:
        return None
    quote_id, merchant_id, status, locale, first_viewed_at, *shown, parts = row
    first_viewed = first_viewed_at is not None
    # The parts in one order, whatever order the database aggregated them in.
    in_order = tuple(sorted((parts or "").split(",")))
    return QuoteStamp(quote_id, merchant_id, status, locale, first_viewed, (*shown, in_order))


def posted_quantities(quote: Quote, form: Mapping[str, str]) -> dict[str, int]:
    """The quantities the buyer posted: ``quantity-<line>`` for a line whose quantity they may
    change, ``add-<line>`` ticked for an optional line they add. Lines they may not change are
    not read. Mistyped numbers are refused with the buyer's words."""
    posted: dict[str, int] = {}
    for line in quote.lines:
        reference = str(line.position)
        quantity = line.quantity
        if line.adjustable:
            typed = whole_number(
                (form.get(f"quantity-{reference}") or "").strip(), largest=MAX_TYPED
            )
            if typed is None:
                raise ServiceError(_l("Enter each quantity as a whole number."), "lines")
            quantity = typed
        if line.optional and not form.get(f"add-{reference}"):
            quantity = 0
        if line.adjustable or line.optional:
            posted[reference] = quantity
    return buyer_quantities(quote, posted)


@dataclass(frozen=True)
class QuotePage:
    """What the customer's page shows: the quote priced with the choices, the plan, its state
    in words, and the branding."""

    quote: Quote
    quantities: dict[str, int]
    priced: QuotePrice
    instalments: list[tuple[Money, date | None]]
    parts: list[QuotePaymentPart]  # an accepted schedule's parts, each with its status
    status: QuoteStatus
    closed: str | LazyString | None  # why it can no longer be accepted, when it is open no more
    due_now: Money
    method_action: str | None  # save the method without paying, or replace a failed one
    unpayable: str | LazyString | None  # why an accepted quote can be paid no more (erased)

    def context(self, session: DbSession) -> dict[str, Any]:
        merchant = self.quote.merchant
        return {
            "view": self,
            "quote": self.quote,
            "merchant": merchant,
            "branding": checkout_settings(session, merchant),
            "seller": seller_details(merchant),
            "status_label": STATUS_LABELS[self.status],
            "interval_labels": INTERVAL_LABELS,
            "part_status_labels": PART_STATUS_LABELS,
            "priced_lines": {line.reference: line for line in self.priced.lines},
            "next_charge": next_charge(self.quote),
            "method_action": self.method_action,
            "method_labels": METHOD_LABELS,
            "terms": shown_text(self.quote.terms, str(get_locale()), self.quote.locale),
            "notes": shown_text(self.quote.notes, str(get_locale()), self.quote.locale),
        }


def quote_page(
    session: DbSession, quote: Quote, today: date, quantities: dict[str, int] | None = None
) -> QuotePage:
    """The page for ``quantities`` (checked already), else the quote's current ones."""
    chosen = quantities if quantities is not None else current_quantities(quote)
    priced = price_with(session, quote, chosen, today)
    return QuotePage(
        quote=quote,
        quantities=chosen,
        priced=priced,
        instalments=_instalments(priced, plan_of(quote)),
        parts=_accepted_parts(quote),
        status=shown_status(quote, today),
        closed=acceptance_refusal(quote, today, quote.id),
        due_now=(
            quote.money(paying.payable_now(quote, today))
            if quote.status in paying.PAYABLE_STATUSES
            else due_at_acceptance_of(quote, today)
        ),
        method_action=method_action(quote, today),
        unpayable=(
            CLOSED["erased"].message
            if quote.customer.erased_at is not None and quote.status in paying.PAYABLE_STATUSES
            else None
        ),
    )


def _accepted_parts(quote: Quote) -> list[QuotePaymentPart]:
    """The parts of an accepted schedule (their amounts are fixed then, their statuses move as
    each is charged); none before acceptance or for another plan."""
    if quote.payment_mode is not PaymentMode.SCHEDULE or not paying.is_accepted(quote):
        return []
    return list(quote.parts)


def _instalments(priced: QuotePrice, plan: PaymentPlan) -> list[tuple[Money, date | None]]:
    try:
        parts = payment_parts(priced.total, plan)
    except QuotePricingError:
        return []
    return [(part.amount, part.due_on) for part in parts]


def open_quote_checkout(
    session: DbSession, quote: Quote, *, locale: str, browser_key: str, today: date
) -> CheckoutSession:
    """This browser's checkout of what is due now on the accepted quote (one open checkout per
    browser and document), or the buyer's words for why it cannot be paid now."""
    closed = closed_reason(quote, today)
    if closed is not None:
        raise ServiceError(closed.message)
    document = QuoteDocument(quote, today)
    reason = document_closed(session, document, today)
    if isinstance(reason, pricing.Refusal):
        raise ServiceError(document.refusal_messages[reason])
    if reason is not None:
        raise ServiceError(reason.message)
    return resume_or_open(session, document, locale, browser_key)
