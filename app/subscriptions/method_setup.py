"""A new payment method for a subscription, saved in the checkout's setup mode (the customer's
portal: "Update payment method"), and a past-due period charged to it at once.

The subscription keeps its one current SetupIntent (``setup_intent_id``): the page reuses it
while it can be confirmed, else makes the next one with a key from the subscription and the
SetupIntent before it, so two tabs opening the page at once get one SetupIntent from Stripe and
the guarded UPDATE keeps one id. Only that SetupIntent saves a method: one named in the return
page's address is never read, and one of another subscription (or made outside Kassa) is
ignored by the webhook. A saved method goes through ``service.replace_payment_method`` (once);
the return page then runs ``billing.bill_subscription``, whose claim charges a failed period
once, whoever asks (a second tab, the webhook's save before it, the hourly run). A webhook (or
reconciliation) that saves it for a subscription still past due queues the same step as a task
once its transaction commits, so the customer who never came back is charged at once too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from app.checkout.documents import Document, KnownBuyer, PageLink
from app.checkout.setup import SetupOutcome, open_kept_setup
from app.core import pricing
from app.core.errors import ServiceError
from app.customers.models import Customer
from app.data.after_commit import after_commit
from app.extensions import DbSession
from app.merchants.models import Merchant
from app.payments.service import METADATA_DOCUMENT_ID, register_setup_handler
from app.processors.access import connected_gateway
from app.processors.gateway import MICRODEPOSITS, SetupState, shown_method_details
from app.subscriptions.billing import bill_subscription
from app.subscriptions.models import ENDED_STATUSES, Subscription, SubscriptionStatus
from app.subscriptions.service import MethodSpec, record_event, replace_payment_method
from app.subscriptions.tasks import charge_past_due

DOCUMENT_TYPE = "subscription"  # the kassa_document_type of a subscription's SetupIntents
ENDED = _l("This subscription has ended: there is no payment method to update.")
PAST_DUE_CHARGED = _l(
    "The amount past due is charged to the new method as soon as it is saved. Later charges "
    "use it on their dates."
)
LATER_CHARGES = _l("Nothing is charged now. Later charges use the new method on their dates.")


class SubscriptionMethodDocument(Document):
    """A subscription as the checkout's setup mode sees it: whose method is saved, the methods
    offered (reusable ones in its currency) and the SetupIntent's description."""

    type = DOCUMENT_TYPE

    def __init__(self, subscription: Subscription, back_link: PageLink | None = None) -> None:
        self.subscription = subscription
        self.refusal_messages: dict[pricing.Refusal, Any] = {}
        self.lines: Sequence[Any] = ()
        self.id = str(subscription.id)
        self.merchant = subscription.merchant
        self.currency = subscription.currency
        self.reader_locale = subscription.locale
        self.title = ", ".join(line.description for line in subscription.lines)
        self.back_link = back_link
        customer = subscription.customer
        if customer.email and customer.erased_at is None:
            self.known_buyer = KnownBuyer(customer.email, customer.name)

    def cart(self, quantities: dict[int, int], today: date, **extras: Any) -> pricing.Cart:
        raise NotImplementedError("a subscription's method setup prices nothing")

    def saves_method_for(self, session: DbSession) -> Customer | None:
        return self.subscription.customer


def still_due(subscription: Subscription) -> bool:
    """Whether a charge failed and waits on a (new) method."""
    return subscription.needs_new_method or subscription.status is SubscriptionStatus.PAST_DUE


def charge_note(subscription: Subscription) -> LazyString:
    """What the method page says is charged when the method is saved."""
    return PAST_DUE_CHARGED if still_due(subscription) else LATER_CHARGES


def open_method_setup(
    session: DbSession, subscription: Subscription, back_link: PageLink | None = None
) -> SetupState:
    """The SetupIntent the customer confirms on the subscription's method page."""
    if subscription.is_ended or subscription.customer.erased_at is not None:
        raise ServiceError(ENDED)
    return open_kept_setup(
        session, SubscriptionMethodDocument(subscription, back_link), subscription, "subscription"
    )


def record_setup(session: DbSession, subscription: Subscription, setup: SetupState) -> bool:
    """A succeeded SetupIntent of this subscription saves its method (True when its method is
    the saved one now, saved now or before). Another SetupIntent saves nothing."""
    if (
        setup.id != subscription.setup_intent_id
        or setup.status != "succeeded"
        or setup.method is None
        or not setup.method.id
    ):
        return False
    details = setup.method.as_dict()
    replace_payment_method(
        session,
        subscription,
        MethodSpec(
            setup.method.id,
            str(details.get("type") or ""),
            shown_method_details(details),
            setup.customer or "",
            str(details.get("mandate_id") or ""),
        ),
    )
    return subscription.payment_method_id == setup.method.id


def settle_setup(session: DbSession, subscription: Subscription) -> SetupOutcome:
    """The return page: read the subscription's own SetupIntent and save its method when it
    succeeded (not committed)."""
    setup = connected_gateway(session, subscription.merchant_id).retrieve_setup_intent(
        subscription.setup_intent_id
    )
    if record_setup(session, subscription, setup):
        return SetupOutcome.SAVED
    if setup.status == "processing" or setup.next_action == MICRODEPOSITS:
        return SetupOutcome.VERIFYING
    return SetupOutcome.TRY_AGAIN


def finish_method_setup(session: DbSession, subscription: Subscription) -> SetupOutcome:
    """The return page's work, committed: the method saved, then what is past due charged to
    it at once (``bill_subscription``'s claim: once, however many pages or webhooks ask)."""
    if not subscription.setup_intent_id:
        return SetupOutcome.TRY_AGAIN
    outcome = settle_setup(session, subscription)
    session.commit()
    if outcome is SetupOutcome.SAVED:
        bill_subscription(session, subscription.id)
        session.refresh(subscription)
    return outcome


def _from_webhook(session: DbSession, merchant: Merchant, setup: SetupState) -> bool:
    """``setup_intent.succeeded`` saves the method (the customer may never reach the return
    page) and, when a charge waits on it, queues ``charge_past_due`` for after the commit;
    ``setup_intent.setup_failed`` is logged on the subscription."""
    subscription_id = setup.metadata.get(METADATA_DOCUMENT_ID, "")
    subscription = (
        session.scalar(
            select(Subscription).where(
                Subscription.id == int(subscription_id),
                Subscription.merchant_id == merchant.id,
            )
        )
        if subscription_id.isdigit()
        else None
    )
    if subscription is None or setup.id != subscription.setup_intent_id:
        return False
    if setup.status == "succeeded":
        waiting = still_due(subscription)
        saved = record_setup(session, subscription, setup)
        if saved and waiting:
            subscription_id_now = subscription.id
            after_commit(session, lambda: charge_past_due(subscription_id_now))  # type: ignore[arg-type]
        return saved
    if setup.error_code:
        record_event(
            session, subscription, "method_setup_failed",
            {"setup_intent": setup.id, "code": setup.decline_code or setup.error_code},
        )  # fmt: skip
        return True
    return False


def awaited_setups(
    session: DbSession, now: datetime, older_than: timedelta
) -> list[tuple[Merchant, str]]:
    """For reconciliation: the current SetupIntent of each running subscription that waits on
    a new method (past due, or asked for one after a hard decline; a saved method ends that)
    and that nothing moved for ``older_than``."""
    rows = session.scalars(
        select(Subscription)
        .where(
            Subscription.setup_intent_id != "",
            Subscription.status.not_in(ENDED_STATUSES),
            Subscription.needs_new_method.is_(True)
            | (Subscription.status == SubscriptionStatus.PAST_DUE),
            Subscription.updated_at <= now - older_than,
        )
        .order_by(Subscription.id)
    )
    return [(row.merchant, row.setup_intent_id) for row in rows]


register_setup_handler(DOCUMENT_TYPE, _from_webhook, awaited_setups)
