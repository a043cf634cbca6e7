"""Dry runs and imports of a merchant's Stripe Billing subscriptions.

A run reads every subscription of the connected account (pages of 100), then visits each in a
transaction of its own, committing its result and the run's progress after each, so the page
polling the run sees it move and one subscription failing stops none of the others.

A dry run only reads from Stripe. An import moves each eligible subscription once:

1. **Claim and create**, in one transaction: the customer (the merchant's customer with the
   email, else a new one), each price as a Kassa product (once per price), the Kassa
   subscription with the saved method (and its mandate) and the Stripe customer it belongs to,
   and the ``BillingImportMove`` row (unique per account and Stripe subscription: a rerun or a
   second import at once loses on it and moves nothing). Kassa's first charge is on the day
   Stripe's current period ends, which Stripe has billed. The subscription waits *paused*
   until Stripe confirmed step 2, so no period can be charged by both.
2. **End it in Stripe** at its period's end (``cancel_at_period_end``, the idempotency key
   from the Stripe subscription), after the claim is committed. If Stripe renewed it in the
   meantime, Kassa's first charge moves to the new period's end. Then it is active in Kassa.
   A failure here leaves the move waiting; the next import finishes it under the same key.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.billing_import.eligibility import Refusal, canceled_in_stripe, refusals
from app.billing_import.models import (
    BillingImportMove,
    BillingImportPrice,
    BillingImportResult,
    BillingImportRun,
    Outcome,
    RunKind,
    RunStatus,
)
from app.catalog.models import BillingInterval, Product
from app.catalog.service import ProductDetails, create_product
from app.core.clock import utcnow
from app.core.errors import ServiceError
from app.customers.service import CustomerDetails, customer_for_buyer
from app.extensions import DbSession, db
from app.merchants.models import Merchant
from app.payments.service import payment_for_intent, record_imported_charge
from app.processors.access import connected_gateway
from app.processors.billing_import import (
    BillingCustomer,
    BillingSubscription,
    all_subscriptions,
)
from app.processors.connection import current_connection
from app.processors.gateway import (
    GatewayError,
    IntentState,
    MethodDetails,
    PaymentGateway,
    shown_method_details,
)
from app.processors.idempotency import idempotency_key
from app.processors.models import ProcessorCustomer
from app.settings.service import account_currencies
from app.subscriptions.models import Subscription, SubscriptionSource, SubscriptionStatus
from app.subscriptions.service import (
    LineSpec,
    MethodSpec,
    NewSubscription,
    record_event,
    start_subscription,
)

log = logging.getLogger("kassa.billing_import")

RECENT_RUNS = 10
# A run still queued or running this long after it was made lost its worker (a restart): it
# no longer keeps another from starting, which is safe since each move is made once.
ABANDONED_AFTER = timedelta(hours=2)


def recent_runs(session: DbSession, merchant_id: int) -> list[BillingImportRun]:
    return list(
        session.scalars(
            select(BillingImportRun)
            .where(BillingImportRun.merchant_id == merchant_id)
            .order_by(BillingImportRun.id.desc())
            .limit(RECENT_RUNS)
        )
    )


def start_run(
    session: DbSession,
    merchant: Merchant,
    kind: RunKind,
    user_id: int | None,
    *,
    import_charges: bool = False,
) -> BillingImportRun:
    """A queued run for the task (``tasks.run_billing_import``, once the caller committed).
    Refused without a Stripe connection, and while another run of the merchant is going
    (unless that one was abandoned). ``import_charges``: an import also keeps each moved
    subscription's past charges (a dry run never does)."""
    connection = current_connection(session, merchant.id)
    if connection is None:
        raise ServiceError(_l("Connect your Stripe account first."))
    going = session.scalar(
        select(BillingImportRun.id).where(
            BillingImportRun.merchant_id == merchant.id,
            BillingImportRun.status.in_((RunStatus.QUEUED, RunStatus.RUNNING)),
            BillingImportRun.created_at > utcnow() - ABANDONED_AFTER,
        )
    )
    if going is not None:
        raise ServiceError(_l("An import is already running. Wait for it to finish."))
    run = BillingImportRun(
        merchant_id=merchant.id,
        kind=kind,
        account_id=connection.account_id,
        user_id=user_id,
        import_charges=import_charges and kind is RunKind.IMPORT,
    )
    session.add(run)
    session.flush()
    return run


@dataclass(frozen=True)
class Visit:
    """One Stripe subscription as a run visits it."""

    run: BillingImportRun
    merchant: Merchant
    gateway: PaymentGateway
    subscription: BillingSubscription
    currencies: frozenset[str]


def run_billing_import(run_id: int) -> RunStatus:
    """Do a queued run (a dry run or an import), committing after each subscription."""
    with Session(db.engine) as session:
        run = session.get(BillingImportRun, run_id)
        if run is None or run.status is not RunStatus.QUEUED:
            return RunStatus.FAILED if run is None else run.status
        run.status = RunStatus.RUNNING
        session.commit()
        merchant = session.get_one(Merchant, run.merchant_id)
        try:
            gateway = connected_gateway(session, merchant.id)
            subscriptions = [
                found
                for page in all_subscriptions(gateway.list_billing_subscriptions)
                for found in page.subscriptions
            ]
        except GatewayError as error:
            log.warning("billing import %s could not list subscriptions: %s", run_id, error)
            return _finish(session, run, RunStatus.FAILED, error.failure.value)
        run.total = len(subscriptions)
        session.commit()
        currencies = frozenset(account_currencies(session, merchant))
        for subscription in subscriptions:
            _visit(session, Visit(run, merchant, gateway, subscription, currencies))
        return _finish(session, run, RunStatus.DONE, "")


def _finish(session: Session, run: BillingImportRun, status: RunStatus, error: str) -> RunStatus:
    run.status, run.error, run.finished_at = status, error, utcnow()
    session.commit()
    return status


def _visit(session: Session, visit: Visit) -> None:
    """One subscription's result and the run's progress, committed together; an error in it
    is its own row's, never the run's."""
    subscription = visit.subscription
    result = BillingImportResult(
        merchant_id=visit.merchant.id,
        run_id=visit.run.id,
        stripe_subscription_id=subscription.id,
        currency=subscription.currency,
        period_amount=_period_amount(subscription),
        interval=subscription.items[0].interval if subscription.items else "",
        interval_count=subscription.items[0].interval_count if subscription.items else 1,
    )
    try:
        _decide(session, visit, result)
    except (GatewayError, ServiceError) as error:
        session.rollback()
        result.outcome, result.error = Outcome.FAILED, _error_text(error)
    except Exception as error:  # one subscription's bug must not stop the others
        log.exception("billing import of %s failed", subscription.id)
        session.rollback()
        result.outcome, result.error = Outcome.FAILED, type(error).__name__
    session.add(result)
    session.execute(
        update(BillingImportRun)
        .where(BillingImportRun.id == visit.run.id)
        .values(done=BillingImportRun.done + 1)
    )
    session.commit()


def _error_text(error: GatewayError | ServiceError) -> str:
    if isinstance(error, ServiceError):
        return str(error.message)
    return f"{error.failure.value}: {error.detail}"[:500]


def _period_amount(subscription: BillingSubscription) -> int | None:
    amounts = [item.unit_amount for item in subscription.items]
    if not amounts or any(amount is None for amount in amounts):
        return None
    return sum(
        item.unit_amount.amount * item.quantity for item in subscription.items if item.unit_amount
    )


def _decide(session: Session, visit: Visit, result: BillingImportResult) -> None:
    move = _move_of(session, visit.run.account_id, visit.subscription.id)
    if move is not None:
        result.subscription_id = move.subscription_id
        if visit.run.kind is RunKind.IMPORT and move.stripe_ended_at is None:
            _end_in_stripe(session, visit, move)
        result.outcome = Outcome.ALREADY_MOVED
        _import_past_charges(session, visit, move, result)
        return
    if canceled_in_stripe(visit.subscription):  # listed, never moved: its customer is not read
        result.outcome, result.reasons = Outcome.REFUSED, [Refusal.CANCELED.value]
        return
    customer = visit.gateway.retrieve_billing_customer(visit.subscription.customer_id)
    result.customer_email = customer.email
    method_id = visit.subscription.default_payment_method or customer.default_payment_method
    method = visit.gateway.retrieve_saved_method(method_id) if method_id else None
    reasons = refusals(
        visit.subscription,
        customer_email=customer.email,
        method_type=method.type if method else None,
        account_currencies=visit.currencies,
        now=utcnow(),
    )
    if reasons:
        result.outcome, result.reasons = Outcome.REFUSED, [reason.value for reason in reasons]
        return
    if visit.run.kind is RunKind.DRY_RUN:
        result.outcome = Outcome.ELIGIBLE
        return
    assert method is not None  # no refusal: it has one
    move = _claim(session, visit, customer, method)
    if move is None:  # another import moved it at the same moment
        result.outcome = Outcome.ALREADY_MOVED
        return
    result.subscription_id = move.subscription_id
    _end_in_stripe(session, visit, move)
    result.outcome = Outcome.MOVED
    _import_past_charges(session, visit, move, result)


def _move_of(session: Session, account_id: str, stripe_id: str) -> BillingImportMove | None:
    return session.scalar(
        select(BillingImportMove).where(
            BillingImportMove.account_id == account_id,
            BillingImportMove.stripe_subscription_id == stripe_id,
        )
    )


# -- step 1: the claim, with the customer, products and subscription -------------------------
def _claim(
    session: Session, visit: Visit, stripe_customer: BillingCustomer, method: MethodDetails
) -> BillingImportMove | None:
    """Everything Kassa keeps of the subscription, committed with its move row; None when
    that row exists already (another import won). Another import making the product of the
    same price at the same moment fails this one's insert too: then it is made once more,
    with that product."""
    for _attempt in range(2):
        try:
            return _save_move(session, visit, stripe_customer, method)
        except (IntegrityError, _TakenError):
            session.rollback()
            if _move_of(session, visit.run.account_id, visit.subscription.id) is not None:
                return None
    raise ServiceError(_l("It could not be saved. Run the import again."))


class _TakenError(Exception):
    """Another import made the Kassa subscription of this Stripe subscription first."""


def _save_move(
    session: Session, visit: Visit, stripe_customer: BillingCustomer, method: MethodDetails
) -> BillingImportMove:
    merchant, subscription = visit.merchant, visit.subscription
    details = CustomerDetails(name=stripe_customer.name, email=stripe_customer.email)
    customer = customer_for_buyer(session, merchant.id, details)
    assert customer is not None  # eligible: it has an email
    _keep_processor_customer(session, customer.id, merchant.id, visit.run.account_id,
                             stripe_customer.id)  # fmt: skip
    lines = []
    for item in subscription.items:
        product = _product_for(session, visit, item.price_id, item.product_id)
        amount = item.unit_amount.amount if item.unit_amount else 0
        lines.append(LineSpec(product.name, item.quantity, amount, product_id=product.id))
    first = subscription.items[0]
    spec = NewSubscription(
        customer=customer,
        source=SubscriptionSource.IMPORT,
        source_reference=subscription.id,
        currency=subscription.currency,
        interval=first.interval,
        interval_count=first.interval_count,
        anchor_on=subscription.current_period_end.date(),
        lines=tuple(lines),
        period_amount=_period_amount(subscription) or 0,
        method=MethodSpec(
            method.id or "",
            method.type,
            shown_method_details(method.as_dict()),
            subscription.customer_id,
            method.mandate_id or "",
        ),
        locale=customer.locale,
    )
    kassa = start_subscription(session, merchant, spec)
    if kassa is None:
        raise _TakenError
    _wait_for_stripe(kassa, subscription)
    move = BillingImportMove(
        merchant_id=merchant.id,
        account_id=visit.run.account_id,
        stripe_subscription_id=subscription.id,
        subscription_id=kassa.id,
    )
    session.add(move)
    record_event(session, kassa, "imported", {"stripe_subscription": subscription.id})
    session.commit()
    return move


def _keep_processor_customer(
    session: Session, customer_id: int, merchant_id: int, account_id: str, stripe_id: str
) -> None:
    """The Stripe customer the saved method belongs to, as the Kassa customer's in this
    account, unless it has one already (its subscription keeps its own)."""
    known = session.scalar(
        select(ProcessorCustomer.id).where(
            ProcessorCustomer.customer_id == customer_id,
            ProcessorCustomer.account_id == account_id,
        )
    )
    if known is not None:
        return
    try:
        with session.begin_nested():
            session.add(
                ProcessorCustomer(
                    merchant_id=merchant_id,
                    customer_id=customer_id,
                    account_id=account_id,
                    processor_customer_id=stripe_id,
                )
            )
    except IntegrityError:
        pass  # kept at the same moment by another import


def _product_for(session: Session, visit: Visit, price_id: str, product_id: str) -> Product:
    """The Kassa product of a Stripe price, made from it the first time."""
    account_id = visit.run.account_id
    found = session.scalar(
        select(Product)
        .join(BillingImportPrice, BillingImportPrice.product_id == Product.id)
        .where(
            BillingImportPrice.account_id == account_id,
            BillingImportPrice.stripe_price_id == price_id,
            Product.merchant_id == visit.merchant.id,
        )
    )
    if found is not None:
        return found
    item = next(item for item in visit.subscription.items if item.price_id == price_id)
    assert item.unit_amount is not None  # eligible: flat-rate
    stripe_product = visit.gateway.retrieve_billing_product(product_id)
    details = ProductDetails(
        name=(stripe_product.name or price_id)[:120],
        description=stripe_product.description,
        interval=BillingInterval(item.interval),
        interval_count=item.interval_count,
    )
    product = create_product(session, visit.merchant, details, item.unit_amount)
    session.add(BillingImportPrice(merchant_id=visit.merchant.id, account_id=account_id,
                                   stripe_price_id=price_id, product_id=product.id))  # fmt: skip
    return product


def _wait_for_stripe(subscription: Subscription, found: BillingSubscription) -> None:
    """Paused (not billed) until Stripe confirms it stops at its period's end; the period it
    covers now is Stripe's."""
    _anchor(subscription, found)
    subscription.status = SubscriptionStatus.PAUSED
    subscription.paused_at, subscription.paused_until = utcnow(), None


def _anchor(subscription: Subscription, found: BillingSubscription) -> None:
    """Stripe's current period is the one covered now; Kassa charges from its end."""
    subscription.anchor_on = found.current_period_end.date()
    subscription.next_charge_on = subscription.anchor_on
    subscription.current_period_start = found.current_period_start.date()
    subscription.current_period_end = (found.current_period_end - timedelta(days=1)).date()


# -- step 2: Stripe stops at the period's end, Kassa starts -----------------------------------
def _end_in_stripe(session: Session, visit: Visit, move: BillingImportMove) -> None:
    """Tell Stripe (same key on every try), then make the Kassa subscription active, with its
    first charge on the end of the period Stripe says it bills last."""
    key = idempotency_key(session, "billing-import", move.account_id,
                          move.stripe_subscription_id, "end")  # fmt: skip
    ended = visit.gateway.end_billing_subscription_at_period_end(move.stripe_subscription_id, key)
    if not ended.cancel_at_period_end:
        raise ServiceError(_l("Stripe did not set it to end at its period's end."))
    kassa = session.get_one(Subscription, move.subscription_id)
    if kassa.status is SubscriptionStatus.PAUSED and kassa.paused_until is None:
        _anchor(kassa, ended)
        kassa.status, kassa.paused_at = SubscriptionStatus.ACTIVE, None
        kassa.started_at = kassa.started_at or utcnow()
        first_charge = kassa.next_charge_on.isoformat() if kassa.next_charge_on else None
        record_event(session, kassa, "import_completed", {"first_charge_on": first_charge})
    move.stripe_ended_at = utcnow()
    session.commit()


# -- optionally: the past charges, as payments for reports -----------------------------------
PAST_CHARGES_FAILED = _l("Its past charges could not all be read:")


def _import_past_charges(
    session: Session, visit: Visit, move: BillingImportMove, result: BillingImportResult
) -> None:
    """When the run asks for it, each paid invoice's PaymentIntent of a moved subscription
    becomes the Kassa customer's payment (``payments.service.record_imported_charge``: the
    one recording path, gross, fee, net and refunds as Stripe booked them), once: one Kassa
    has (a rerun's, another import's at the same moment) is left alone. Stripe failing here
    leaves the move done; the row says so and the next import with the box ticked goes on."""
    if not visit.run.import_charges or move.stripe_ended_at is None:
        return
    customer_id = session.get_one(Subscription, move.subscription_id).customer_id
    result.charges_imported = 0
    try:
        for invoice in visit.gateway.list_paid_invoices(move.stripe_subscription_id):
            for intent_id in invoice.intent_ids:
                if payment_for_intent(session, visit.merchant.id, intent_id) is not None:
                    continue
                intent = visit.gateway.retrieve_payment_intent(intent_id)
                if intent.status == "succeeded" and _keep_charge(
                    session, visit.merchant, intent, customer_id, invoice.id
                ):
                    result.charges_imported += 1
    except GatewayError as error:
        result.error = f"{PAST_CHARGES_FAILED} {_error_text(error)}"
    session.commit()


def _keep_charge(
    session: Session, merchant: Merchant, intent: IntentState, customer_id: int, reference: str
) -> bool:
    try:
        with session.begin_nested():
            kept = record_imported_charge(
                session, merchant, intent, customer_id=customer_id, reference=reference
            )
    except IntegrityError:
        return False  # another import kept it at the same moment
    return kept is not None


def summary(run: BillingImportRun) -> dict[Outcome, int]:
    counts = dict.fromkeys(Outcome, 0)
    for result in run.results:
        counts[result.outcome] += 1
    return counts
