"""Saving a quote's method without a payment, in the checkout's setup mode: when nothing is due
at acceptance (the schedule's first part is on a later date), and to replace the method after a
later part failed ("Update your payment method").

The quote keeps its one current SetupIntent (``setup_intent_id``): the page reuses it while it
can be confirmed, else makes the next one with a key from the quote and the SetupIntent before
it, so two tabs opening the page at once get one SetupIntent from Stripe, and the guarded UPDATE
keeps one id. A SetupIntent that succeeded, read on the return page or from a webhook, saves its
method on the quote (``saved_method.remember_method``: once).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.checkout.setup import SetupOutcome, confirmable, open_kept_setup
from app.core.errors import ServiceError
from app.extensions import DbSession
from app.merchants.models import Merchant
from app.payments.service import METADATA_DOCUMENT_ID, register_setup_handler
from app.processors.access import connected_gateway
from app.processors.gateway import MICRODEPOSITS, SetupState
from app.quotes import paying
from app.quotes.document import CLOSED, QuoteDocument
from app.quotes.models import Quote
from app.quotes.saved_method import method_action, remember_method
from app.quotes.service import DOCUMENT_TYPE, record_event

NOTHING_TO_SAVE = _l("There is no payment method to save on this quote now.")


def open_method_setup(session: DbSession, quote: Quote, today: date) -> SetupState:
    """The SetupIntent the customer confirms on the quote's method page."""
    if quote.customer.erased_at is not None:
        raise ServiceError(CLOSED["erased"].message)
    if method_action(quote, today) is None:
        raise ServiceError(NOTHING_TO_SAVE)
    return open_kept_setup(session, QuoteDocument(quote, today), quote, "quote")


def record_setup(session: DbSession, quote: Quote, setup: SetupState) -> bool:
    """A succeeded SetupIntent of this quote saves its method (True when it was saved now or
    before: the return page then says so). An older SetupIntent of the quote saves nothing."""
    if setup.id != quote.setup_intent_id or setup.status != "succeeded" or setup.method is None:
        return False
    remember_method(
        session,
        quote,
        setup.method.id or "",
        setup.method.as_dict(),
        {"setup_intent": setup.id},
        processor_customer=setup.customer,
    )
    return quote.saved_method_id == setup.method.id


def settle_setup(session: DbSession, quote: Quote) -> SetupOutcome:
    """The return page: read the quote's own SetupIntent (never one named in the address) and
    save its method when it succeeded."""
    setup = connected_gateway(session, quote.merchant_id).retrieve_setup_intent(
        quote.setup_intent_id
    )
    if record_setup(session, quote, setup):
        return SetupOutcome.SAVED
    if setup.status == "processing" or setup.next_action == MICRODEPOSITS:
        return SetupOutcome.VERIFYING
    if confirmable(setup):
        return SetupOutcome.TRY_AGAIN
    return SetupOutcome.SAVED if quote.saved_method_id else SetupOutcome.TRY_AGAIN


def _from_webhook(session: DbSession, merchant: Merchant, setup: SetupState) -> bool:
    """``setup_intent.succeeded`` saves the method (the buyer may never reach the return page);
    ``setup_intent.setup_failed`` is logged on the quote."""
    quote_id = setup.metadata.get(METADATA_DOCUMENT_ID, "")
    quote = (
        session.scalar(
            select(Quote).where(Quote.id == int(quote_id), Quote.merchant_id == merchant.id)
        )
        if quote_id.isdigit()
        else None
    )
    if quote is None or setup.id != quote.setup_intent_id:
        return False
    if setup.status == "succeeded":
        return record_setup(session, quote, setup)
    if setup.error_code:
        record_event(
            session, quote, "method_setup_failed",
            {"setup_intent": setup.id, "code": setup.decline_code or setup.error_code},
        )  # fmt: skip
        return True
    return False


def awaited_setups(
    session: DbSession, now: datetime, older_than: timedelta
) -> list[tuple[Merchant, str]]:
    """For reconciliation: each quote's current SetupIntent while the quote still waits on a
    method (``method_action``: none saved yet, or one to replace after a failed part) and
    nothing moved the quote for ``older_than`` (its return page and webhook come first)."""
    quotes = session.scalars(
        select(Quote)
        .where(
            Quote.setup_intent_id != "",
            Quote.status.in_(paying.PAYABLE_STATUSES),
            Quote.updated_at <= now - older_than,
        )
        .order_by(Quote.id)
    )
    return [
        (quote.merchant, quote.setup_intent_id)
        for quote in quotes
        if method_action(quote, now.date()) is not None
    ]


register_setup_handler(DOCUMENT_TYPE, _from_webhook, awaited_setups)
