"""A checkout with nothing due now but later charges (a subscription's trial, a later start):
the pay step saves the buyer's method with a SetupIntent instead of charging it.

The SetupIntent is made for the buyer's customer (``later.later_charges_customer``) with the
methods the checkout offers (reusable ones), under a key from the checkout and the SetupIntent
before it, so two tabs opening the pay step at once get one; the checkout keeps its id. What
the later charges are, per method, is priced with it (``priced["later"]``). When the
SetupIntent succeeded (read on the return page, or from its webhook) the checkout is done, once
(one guarded UPDATE to ``paid``: nothing was charged, everything was agreed), and the
later-charges listeners start what follows with the saved method.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update

from app.checkout.documents import Document
from app.checkout.later import (
    kept_later_charges,
    later_charges_customer,
    later_charges_of,
    later_saved,
)
from app.checkout.models import CheckoutSession, CheckoutStatus
from app.checkout.service import choices_of, summarize
from app.checkout.setup import SetupOutcome, open_setup
from app.core.errors import ServiceError
from app.extensions import DbSession
from app.merchants.models import Merchant
from app.processors.access import connected_gateway
from app.processors.gateway import MICRODEPOSITS, SetupState


def saves_only(session: DbSession, checkout: CheckoutSession, document: Document,
               today: date) -> bool:  # fmt: skip
    """Whether the pay step saves the method only: the document sells later charges and
    nothing is due now."""
    if not document.charges_later:
        return False
    breakdown = summarize(session, document, choices_of(checkout), today).breakdown
    return not breakdown.due_now.total and bool(breakdown.due_later)


def open_later_setup(
    session: DbSession, checkout: CheckoutSession, document: Document, today: date
) -> SetupState:
    """The SetupIntent the buyer confirms on the pay step (reused while it can be)."""
    summary = summarize(session, document, choices_of(checkout), today)
    if summary.refusal is not None:
        raise ServiceError(document.refusal_messages[summary.refusal])
    names = {str(line.id): str(line.title) for line, _priced in summary.lines}
    checkout.priced = {
        "currency": document.currency,
        "amounts": {},
        "discount_id": summary.discount_id,
        "later": {
            method.value: later_charges_of(breakdown, names)
            for method, breakdown in summary.per_method.items()
            if breakdown.due_later
        },
    }
    before = checkout.setup_intent_id
    setup = open_setup(
        session,
        document,
        current_id=before,
        key=("checkout", checkout.id, "setup", "after", before or "none"),
        saver=later_charges_customer(session, checkout),
    )
    if setup.id != before:
        session.execute(
            update(CheckoutSession)
            .where(CheckoutSession.id == checkout.id, CheckoutSession.setup_intent_id == before)
            .values(setup_intent_id=setup.id)
            .execution_options(synchronize_session=False)
        )
        session.refresh(checkout)
    return setup


def record_later_setup(session: DbSession, checkout: CheckoutSession, setup: SetupState) -> bool:
    """A succeeded SetupIntent of this checkout: the checkout is done and the listeners start
    what follows, once (True now or when it was recorded before). Another SetupIntent (an
    older one of the checkout) records nothing."""
    if setup.id != checkout.setup_intent_id or setup.status != "succeeded" or setup.method is None:
        return False
    done = session.execute(
        update(CheckoutSession)
        .where(
            CheckoutSession.id == checkout.id,
            CheckoutSession.setup_intent_id == setup.id,
            CheckoutSession.status == CheckoutStatus.OPEN,
        )
        .values(status=CheckoutStatus.PAID)
        .execution_options(synchronize_session=False)
    )
    session.refresh(checkout)
    if done.rowcount != 1:  # type: ignore[attr-defined]
        return checkout.status is CheckoutStatus.PAID
    details = setup.method.as_dict()
    later = kept_later_charges(checkout, str(details.get("type") or ""))
    customer = later_charges_customer(session, checkout)
    later_saved(session, checkout, customer, details, setup.customer or "", later)
    return True


def settle_later_setup(session: DbSession, checkout: CheckoutSession) -> SetupOutcome:
    """The return page: read the checkout's own SetupIntent (never one named in the address)."""
    if checkout.status is CheckoutStatus.PAID:
        return SetupOutcome.SAVED
    setup = connected_gateway(session, checkout.merchant_id).retrieve_setup_intent(
        checkout.setup_intent_id
    )
    if record_later_setup(session, checkout, setup):
        return SetupOutcome.SAVED
    if setup.status == "processing" or setup.next_action == MICRODEPOSITS:
        return SetupOutcome.VERIFYING
    return SetupOutcome.TRY_AGAIN


def first_charge_on(checkout: CheckoutSession) -> date | None:
    """When the first later charge is (what the saved page says)."""
    days = [
        date.fromisoformat(charge["first_charge_on"])
        for charges in ((checkout.priced or {}).get("later") or {}).values()
        for charge in charges
    ]
    return min(days) if days else None


def later_setup_from_webhook(session: DbSession, merchant: Merchant, setup: SetupState) -> bool:
    """``setup_intent.succeeded`` for a checkout's SetupIntent (the buyer may never come back
    to the return page); each document type that sells later charges registers it."""
    checkout = session.scalar(
        select(CheckoutSession).where(
            CheckoutSession.merchant_id == merchant.id,
            CheckoutSession.setup_intent_id == setup.id,
        )
    )
    if checkout is None or setup.status != "succeeded":
        return False
    return record_later_setup(session, checkout, setup)
