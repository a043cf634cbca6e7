"""An accepted quote as the checkout sells it, registered with the checkout as ``quote``.

One line priced at what is due at acceptance and not paid or clearing yet: the whole quote
("Quote Q-2026-0007"), its deposit, or the schedule's parts due now. The quote's taxes and
discounts are inside its total, so the line carries none, and it takes neither discount codes
nor the merchant's fees. When later parts are charged without the customer, the payment saves
its method for them (``saves_method_for``; ``paid`` keeps it on the quote). The confirmation
claims the amount from what is due now (one guarded UPDATE, so two tabs cannot both pay it),
settles it when the money is in and gives it back when a debit bounces; the receipt links back
to the quote, which shows it paid.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from app.checkout.documents import (
    Closed,
    Document,
    DocumentLine,
    KnownBuyer,
    PageLink,
    register_document_type,
)
from app.checkout.models import CheckoutSession
from app.core import pricing
from app.core.clock import utcnow
from app.core.methods import PaymentMethod
from app.core.money import Money
from app.customers.models import Customer
from app.extensions import DbSession
from app.payments.models import Payment, PaymentStatus
from app.payments.service import Rejection
from app.processors.customers import known_processor_customer_id
from app.quotes import paying
from app.quotes.models import PaymentMode, Quote, QuoteStatus
from app.quotes.saved_method import needs_saved_method, remember_method
from app.quotes.service import DOCUMENT_TYPE, buyer_token, record_event
from app.settings.labels import BUYER_SETTING_REFUSALS
from app.settings.service import accepted_methods

log = logging.getLogger("kassa.quotes")

CLOSED = {
    "not_accepted": Closed(
        "not_accepted", _l("Accept the quote before paying it. Nothing was charged.")
    ),
    "nothing_due": Closed("nothing_due", _l("Nothing is due on this quote now.")),
    "paid": Closed("paid", _l("This quote is paid. Nothing more is due.")),
    # The customer's personal data was erased: nothing more is paid or saved for them (a
    # Stripe customer would be made under the erased placeholder).
    "erased": Closed(
        "erased", _l("This quote can no longer be paid here. Please contact the seller.")
    ),
}

BUYER_REFUSALS: dict[pricing.Refusal, LazyString] = {
    pricing.Refusal.EMPTY_CART: _l("Nothing is due on this quote now."),
    pricing.Refusal.NOTHING_TO_PAY: _l("Nothing is due on this quote now."),
    pricing.Refusal.LATER_CHARGES_UNSUPPORTED: _l(
        "This quote cannot be paid here. Please contact the seller."
    ),
    pricing.Refusal.BELOW_MINIMUM: _l(
        "The amount is below the smallest payment we can take in this currency, so it cannot "
        "be paid here. Please contact the seller."
    ),
    pricing.Refusal.ABOVE_MAXIMUM: _l(
        "The amount is above the largest payment we can take at once. Please contact the seller."
    ),
    pricing.Refusal.FEE_ABOVE_MAXIMUM: _l(
        "The amount is above the largest payment we can take at once. Please contact the seller."
    ),
    **BUYER_SETTING_REFUSALS,
}

LINE_ID = 1


def closed_reason(quote: Quote, today: date) -> Closed | None:
    """Why the customer cannot pay ``quote`` now: not accepted (or countersigned) yet, paid,
    or what is due now is paid or clearing; or its customer's data was erased."""
    if quote.customer.erased_at is not None:
        return CLOSED["erased"]
    if quote.status is QuoteStatus.PAID:
        return CLOSED["paid"]
    if quote.status not in paying.PAYABLE_STATUSES:
        return CLOSED["not_accepted"]
    if paying.payable_now(quote, today) <= 0:
        return CLOSED["nothing_due"]
    return None


class QuoteDocument(Document):
    """An accepted quote's payment due now."""

    type = DOCUMENT_TYPE
    refusal_messages = BUYER_REFUSALS
    takes_discount_codes = False
    takes_fees = False
    claim_refusal = Rejection.BALANCE_PAID

    def __init__(self, quote: Quote, today: date | None = None) -> None:
        self.quote = quote
        self.today = today or utcnow().date()
        self.id = str(quote.id)
        self.merchant = quote.merchant
        self.currency = quote.currency
        self.reader_locale = quote.locale
        self.amount = paying.payable_now(quote, self.today)
        number = quote.shown_number
        if quote.payment_mode is PaymentMode.DEPOSIT:
            self.title = _("Deposit for quote %(number)s", number=number)
        elif quote.payment_mode is PaymentMode.SCHEDULE:
            self.title = _("First payment for quote %(number)s", number=number)
        else:
            self.title = _("Quote %(number)s", number=number)
        self.lines = [DocumentLine(LINE_ID, self.title, 1)]
        customer = quote.customer
        if customer.email and customer.erased_at is None:
            self.known_buyer = KnownBuyer(customer.email, customer.name)

    @property
    def address(self) -> str:
        token = buyer_token(self.quote, current_app.extensions["kassa_settings"].secret_key)
        return url_for("quote_buyers.quote_page", token=token)

    @property
    def back_link(self) -> PageLink:  # type: ignore[override]
        return PageLink(self.address, _l("Back to the quote"))

    def cart(self, quantities: dict[int, int], today: date, **extras: Any) -> pricing.Cart:
        price = pricing.Price(str(LINE_ID), Money(self.amount, self.currency))
        return pricing.Cart(
            currency=self.currency, today=today, lines=(pricing.Line(price, 1),), **extras
        )

    def accepted(self, session: DbSession) -> list[PaymentMethod]:
        chosen = self.quote.payment_methods
        return [
            method
            for method in accepted_methods(session, self.merchant)
            if chosen is None or method.value in chosen
        ]

    def closed(self, session: DbSession) -> Closed | None:
        return closed_reason(self.quote, self.today)

    def saves_method_for(self, session: DbSession) -> Customer | None:
        """The customer, when later parts (or a subscription) are charged to the method."""
        return self.quote.customer if needs_saved_method(self.quote) else None

    def claim(self, session: DbSession, payment: Payment) -> bool:
        payment.customer_id = self.quote.customer_id
        return paying.claim(session, self.quote, payment.amount, self.today)

    def release(self, session: DbSession, payment: Payment) -> None:
        paying.release(session, self.quote, payment.amount)
        record_event(session, self.quote, "payment_failed", {"payment": payment.id})

    def paid(self, session: DbSession, payment: Payment) -> None:
        """The method that paid (or whose debit started) is the one the later parts are
        charged to: the intent saved it (``saves_method_for``)."""
        if needs_saved_method(self.quote):
            details = payment.method_details or {}
            remember_method(
                session, self.quote, str(details.get("id") or ""), details, {"payment": payment.id},
                processor_customer=known_processor_customer_id(session, self.quote.customer),
            )  # fmt: skip
        if payment.status is PaymentStatus.PROCESSING:
            record_event(session, self.quote, "payment_processing", {"payment": payment.id})

    def settled(self, session: DbSession, payment: Payment) -> bool:
        """The payment's amount counts as paid; the payer gets the payment's own receipt."""
        if not paying.settle(session, self.quote, payment.amount):
            log.error(
                "settled payment had no claim on the quote",
                extra={"fields": {"quote_id": self.quote.id, "payment_id": payment.id}},
            )
            return False
        in_full = self.quote.status is QuoteStatus.PAID
        record_event(
            session, self.quote, "paid" if in_full else "paid_in_part",
            {"payment": payment.id, "amount": payment.amount},
        )  # fmt: skip
        return False

    def refunded(self, session: DbSession, payment: Payment, change: int) -> None:
        if change > 0:
            paying.refund(session, self.quote, change)
            record_event(session, self.quote, "payment_refunded", {"amount": change})
        elif paying.paid_again(session, self.quote, -change):
            record_event(session, self.quote, "refund_failed", {"amount": -change})


def load_quote_document(session: DbSession, checkout: CheckoutSession) -> QuoteDocument | None:
    """The quote a checkout pays, within the checkout's merchant."""
    quote = session.scalar(
        select(Quote).where(
            Quote.id == int(checkout.document_id), Quote.merchant_id == checkout.merchant_id
        )
    )
    return QuoteDocument(quote) if quote is not None else None


register_document_type(DOCUMENT_TYPE, load_quote_document)
