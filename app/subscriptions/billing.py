"""The billing run: every subscription's due period notified, then charged once.

The periodic task (``tasks.bill_subscriptions``) visits each billable subscription whose next
charge is near (``LOOKAHEAD``), a batch of them at a time (``bill_batch``), and takes its next
period (``SubscriptionPeriod``, one row per number: unique):

1. **Notice.** Once the period's charge date is within its notice (the debit scheme's advance
   notice for SEPA, Bacs and ACH, and the merchant's reminder, 14 days ahead for yearly plans
   by default) the customer is told the amount, the date and the method, once (``notify``:
   one guarded UPDATE from scheduled to notified). With neither (a monthly card) the period
   is marked notified on its day without an email.
2. **Charge.** On its date, and never before the notice period has run since the notice went
   out, the period is *claimed*: one guarded UPDATE (notified, or failed with a retry due or
   another method saved since, to processing; its attempt counted). Two runs, or two
   consumers at once on PostgreSQL, cannot both claim it. The period becomes an invoice
   (numbered, its lines, taxes and fee) with its checkout, committed with the claim (the
   batch's together) before Stripe is called, and is paid by an off-session PaymentIntent
   on the saved method under the key ``subscription:<id>:period:<n>`` (``:attempt:<k>`` for
   a retry), through the invoice's own checkout, so the one recording path settles it and
   sends the invoice's receipt with its PDF (``invoices.off_session``); the batch's answers
   are recorded in one transaction.
3. **Outcome.** The invoice's payment moving (``invoices.paying.listen_to_payments``) moves
   the period: settled (a card at once, a bank debit when the webhook or reconciliation sees
   it clear) makes it paid and the next period current; a decline or a bounced debit follows
   the dunning plan for its method and reason (``dunning.py``).

Each batch first locks its subscriptions' rows with ``SELECT ... FOR UPDATE SKIP LOCKED`` (on
PostgreSQL; SQLite has one writer), so a second consumer passes over a subscription the first
is working on instead of waiting for it; the guarded UPDATEs keep it right without the lock.
A batch that fails is billed again one subscription at a time, so one subscription's fault
holds up no other.
A call to Stripe that got no answer leaves the period processing without an intent; a later
run repeats it under the same key, so Stripe makes it once.
"""

from __future__ import annotations

import logging
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from sqlalchemy import Result, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.core.clock import aware, utcnow
from app.core.methods import PaymentMethod
from app.core.money import minimum_charge
from app.core.notice import add_notice, chosen_notice_days, notice_from
from app.data.clock import scheduler_now
from app.data.sessions import keeping_what_was_read
from app.extensions import DbSession
from app.invoices.models import Invoice, PaymentTerms
from app.invoices.off_session import (
    ChargeAnswer,
    PreparedCharge,
    SavedMethod,
    ask_stripe,
    prepare_charge,
    record_answer,
)
from app.invoices.paying import Movement, listen_to_payments
from app.invoices.service import LineInput, create_invoice, finalize_invoice
from app.payments.models import Payment
from app.payments.service import BuyerDetails, GatewayLookup
from app.processors.access import connected_gateway
from app.processors.gateway import PaymentGateway
from app.processors.idempotency import idempotency_key
from app.subscriptions import delivery
from app.subscriptions.dunning import Plan, plan_after_failure
from app.subscriptions.labels import UNPAID
from app.subscriptions.models import (
    BILLABLE_STATUSES,
    AfterLastTry,
    PeriodStatus,
    Subscription,
    SubscriptionPeriod,
    SubscriptionSettings,
    SubscriptionStatus,
)
from app.subscriptions.service import (
    BY_KASSA,
    billing_settings,
    cover_period,
    end,
    new_period,
    record_event,
    resume,
)

log = logging.getLogger("kassa.subscriptions")

# How far ahead of a charge the run looks (the longest notice: a reminder of up to 30 days).
LOOKAHEAD = timedelta(days=31)
# A charge that got no answer is repeated (same key) once it is this old.
UNANSWERED_AFTER = timedelta(minutes=10)
METADATA_SUBSCRIPTION = "kassa_subscription"
METADATA_PERIOD = "kassa_subscription_period"
DEBIT_METHODS = frozenset(
    {
        PaymentMethod.SEPA_DEBIT.value,
        PaymentMethod.BACS_DEBIT.value,
        PaymentMethod.ACH_DEBIT.value,
    }
)


# ---------------------------------------------------------------------------------------------
# Notices


@dataclass(frozen=True)
class Notice:
    """The notice a period gets: the scheme's days (a debit's; none for a card unless the
    merchant set one) and the reminder's days (the merchant's for the interval, else none)."""

    scheme_days: int
    reminder_days: int
    method: str

    @property
    def silent(self) -> bool:
        return not self.scheme_days and not self.reminder_days

    def first_day(self, due_on: date) -> date:
        """The first day the notice may go out."""
        return min(
            notice_from(due_on, self.scheme_days, self.method),
            due_on - timedelta(days=self.reminder_days),
        )

    def charge_from(self, period: SubscriptionPeriod) -> date | None:
        """The first day the period may be charged: its date (a retry's date), and never
        before the scheme's notice has run since the notice went out."""
        if period.notified_at is None:
            return None
        due = period.retry_on or period.due_on
        return max(due, add_notice(aware(period.notified_at).date(), self.scheme_days, self.method))


def notice_of(subscription: Subscription, settings: SubscriptionSettings) -> Notice:
    method = subscription.payment_method_type
    if subscription.notice_days is not None:
        scheme = subscription.notice_days
    elif method in DEBIT_METHODS or method in (settings.notice_days or {}):
        scheme = chosen_notice_days(settings.notice_days, method)
    else:
        scheme = 0
    if subscription.reminder_days is not None:
        reminder = subscription.reminder_days
    else:
        reminder = int((settings.reminder_days or {}).get(subscription.interval, 0))
    return Notice(scheme, reminder, method)


# ---------------------------------------------------------------------------------------------
# The periodic run


@dataclass
class BillingRun:
    """What one run did, for its log line, the bench and the tests."""

    notified: list[int] = field(default_factory=list)  # period ids
    charged: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    ended: list[int] = field(default_factory=list)  # subscription ids
    changes_asked: list[int] = field(default_factory=list)  # unanswered change charges


def due_subscription_ids(session: DbSession, today: date) -> list[int]:
    """The subscriptions the run visits: billable with a charge within the lookahead, and
    paused ones whose pause ends."""
    horizon = today + LOOKAHEAD
    return list(
        session.scalars(
            select(Subscription.id)
            .where(
                or_(
                    Subscription.status.in_(BILLABLE_STATUSES)
                    & (Subscription.next_charge_on <= horizon),
                    (Subscription.status == SubscriptionStatus.PAUSED)
                    & (Subscription.paused_until <= today),
                )
            )
            .order_by(Subscription.next_charge_on, Subscription.id)
        )
    )


# How many subscriptions a step takes together: their claims and invoices in one transaction,
# their payments recorded in another. Small enough that the invoice numbers' and receipts'
# counters, held from a batch's first number to its commit, keep two consumers moving.
BATCH_SIZE = 20


def run_billing(
    session: DbSession,
    *,
    gateway_for: GatewayLookup = connected_gateway,
    threads: int | None = None,
) -> BillingRun:
    """Notify and charge what is due on every subscription, a batch at a time
    (``bill_batch``; one that fails is billed again one subscription at a time, and one that
    fails alone is logged and left for the next run). A batch asks Stripe for its charges on
    ``threads`` threads at once (``KASSA_BILLING_THREADS``): with Stripe a few hundred
    milliseconds away a charge is mostly waiting, and the threads touch no database."""
    run = BillingRun()
    today = scheduler_now(session).date()
    due = due_subscription_ids(session, today)
    threads = threads or current_app.extensions["kassa_settings"].billing_threads
    with ThreadPoolExecutor(max_workers=threads) if threads > 1 else nullcontext() as pool:
        for at in range(0, len(due), BATCH_SIZE):
            batch = due[at : at + BATCH_SIZE]
            bill_batch(session, batch, run, gateway_for=gateway_for, pool=pool)
    return run


def bill_subscription(
    session: DbSession,
    subscription_id: int,
    run: BillingRun | None = None,
    *,
    gateway_for: GatewayLookup = connected_gateway,
) -> BillingRun:
    """One subscription's step now (at once after the customer set a new method: what is
    past due is charged then), committed."""
    return bill_batch(session, [subscription_id], run, gateway_for=gateway_for)


def bill_batch(
    session: DbSession,
    subscription_ids: list[int],
    run: BillingRun | None = None,
    *,
    gateway_for: GatewayLookup = connected_gateway,
    pool: Executor | None = None,
) -> BillingRun:
    """The steps of several subscriptions together, committed: their notices and claims with
    the claimed periods' invoices and checkouts in one transaction (committed before Stripe
    is called), Stripe asked for each charge (on ``pool``'s threads when given), the answers
    recorded in a second transaction.
    A batch that fails is billed again one subscription at a time, so no subscription holds
    up another."""
    run = run if run is not None else BillingRun()
    try:
        # The step carries on after its first commit with the rows it holds (the
        # subscriptions locked, the periods claimed by its own guarded UPDATEs): reading
        # them again after the commit was a third of a charge's queries.
        with keeping_what_was_read(session):
            _bill_together(session, subscription_ids, run, gateway_for, pool)
    except Exception:
        session.rollback()
        if len(subscription_ids) > 1:
            for subscription_id in subscription_ids:
                bill_batch(session, [subscription_id], run, gateway_for=gateway_for, pool=pool)
            return run
        log.exception(
            "subscription billing step failed",
            extra={"fields": {"subscription_id": subscription_ids[0]}},
        )
    return run


@dataclass
class _Charge:
    """A claimed period on its way: its charge prepared, then Stripe's answer."""

    subscription: Subscription
    period: SubscriptionPeriod
    prepared: PreparedCharge
    gateway: PaymentGateway
    answer: ChargeAnswer = field(default_factory=ChargeAnswer)


def _bill_together(
    session: DbSession,
    subscription_ids: list[int],
    run: BillingRun,
    gateway_for: GatewayLookup,
    pool: Executor | None,
) -> None:
    now = scheduler_now(session)
    done = BillingRun()
    claimed = _claim_steps(session, _locked(session, subscription_ids), now, done)
    gateways: dict[int, PaymentGateway] = {}
    charges = []
    for subscription, period in claimed:
        merchant_id = subscription.merchant_id
        if merchant_id not in gateways:
            gateways[merchant_id] = gateway_for(session, merchant_id)
        prepared = _prepare_charge(session, subscription, period, now.date())
        charges.append(_Charge(subscription, period, prepared, gateways[merchant_id]))
    session.commit()  # the claims (their attempt numbers) and checkouts, before Stripe is asked
    run.notified.extend(done.notified)
    run.ended.extend(done.ended)
    asking = pool.map if pool is not None else map
    for charge, answer in zip(charges, asking(_ask, charges), strict=True):
        charge.answer = answer
    _record_answers(session, charges, now.date(), run)


def _ask(charge: _Charge) -> ChargeAnswer:
    return ask_stripe(charge.gateway, charge.prepared)


def _locked(session: DbSession, subscription_ids: list[int]) -> list[Subscription]:
    """The subscriptions no other consumer is on, locked (``SKIP LOCKED``, on PostgreSQL:
    the other consumer's claims decide those), with their lines, in the order asked."""
    found = session.scalars(
        select(Subscription)
        .where(Subscription.id.in_(subscription_ids))
        .with_for_update(skip_locked=True, of=Subscription)
        .options(selectinload(Subscription.lines), selectinload(Subscription.customer))
        .execution_options(populate_existing=True)
    ).all()
    by_id = {subscription.id: subscription for subscription in found}
    return [by_id[i] for i in subscription_ids if i in by_id]


def _claim_steps(
    session: DbSession, subscriptions: list[Subscription], now: datetime, done: BillingRun
) -> list[tuple[Subscription, SubscriptionPeriod]]:
    """Each subscription's step up to its charge: a pause that ends, an end, the next
    period's notice; the periods claimed for a charge now."""
    today = now.date()
    billable = []
    for subscription in subscriptions:
        if subscription.status is SubscriptionStatus.PAUSED:
            if subscription.paused_until is not None and subscription.paused_until <= today:
                resume(session, subscription, today=today, by=BY_KASSA)
        elif subscription.status in BILLABLE_STATUSES:
            if _ends_now(session, subscription, today):
                done.ended.append(subscription.id)
            else:
                billable.append(subscription)
    periods = period_rows(session, [(s, s.next_period) for s in billable])
    settings: dict[int, SubscriptionSettings] = {}
    claimed = []
    for subscription, period in zip(billable, periods, strict=True):
        if subscription.merchant_id not in settings:
            settings[subscription.merchant_id] = billing_settings(session, subscription.merchant_id)
        notice = notice_of(subscription, settings[subscription.merchant_id])
        if period.status is PeriodStatus.SCHEDULED:
            if today < notice.first_day(period.due_on):
                continue
            if notify(session, subscription, period, now, notice):
                done.notified.append(period.id)
        if _claim_due(session, subscription, period, notice, now):
            claimed.append((subscription, period))
    return claimed


def _ends_now(session: DbSession, subscription: Subscription, today: date) -> bool:
    """Canceled at the period's end, or its last period ran out: ended once the next period
    would start (nothing more is charged)."""
    next_start = subscription.period_start(subscription.next_period)
    if today < next_start:
        return False
    if subscription.cancel_at_period_end:
        by = subscription.canceled_by or BY_KASSA
        return end(
            session, subscription, SubscriptionStatus.CANCELED, by=by,
            reason=subscription.cancel_reason, user_id=subscription.canceled_by_id,
        )  # fmt: skip
    limit = subscription.max_periods
    if limit is not None and subscription.next_period >= limit:
        return end(session, subscription, SubscriptionStatus.EXPIRED, by=BY_KASSA)
    return False


def period_row(session: DbSession, subscription: Subscription, number: int) -> SubscriptionPeriod:
    """The period's row, made once (``period_rows`` of one)."""
    [period] = period_rows(session, [(subscription, number)])
    return period


def period_rows(
    session: DbSession, wanted: list[tuple[Subscription, int]]
) -> list[SubscriptionPeriod]:
    """The periods' rows (each a subscription and a number), in the order asked, each made
    once: read, and those missing inserted unless they exist (two runs at once: the loser's
    insert does nothing and it reads the winner's). Read first: an insert that meets the row
    while another transaction updates it (its charge being recorded) waits for that
    transaction, and with the subscription's lock held that deadlocks (seen with two
    consumers on PostgreSQL)."""
    if not wanted:
        return []
    keys = {(subscription.id, number) for subscription, number in wanted}
    query = select(SubscriptionPeriod).where(
        SubscriptionPeriod.subscription_id.in_({key[0] for key in keys}),
        SubscriptionPeriod.number.in_({key[1] for key in keys}),
    )

    def read() -> dict[tuple[int, int], SubscriptionPeriod]:
        return {
            (row.subscription_id, row.number): row
            for row in session.scalars(query)
            if (row.subscription_id, row.number) in keys
        }

    found = read()
    missing = [(s, number) for s, number in wanted if (s.id, number) not in found]
    if missing:
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        rows = [
            {column.key: getattr(made, column.key) for column in _PERIOD_VALUES}
            for made in (new_period(s, number) for s, number in missing)
        ]
        inserted = session.scalars(
            dialect.insert(SubscriptionPeriod)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["subscription_id", "number"])
            .returning(SubscriptionPeriod)
        ).all()
        found.update({(row.subscription_id, row.number): row for row in inserted})
        if len(found) < len(keys):
            found = read()
    return [found[(subscription.id, number)] for subscription, number in wanted]


# What ``new_period`` sets: the columns a period is inserted with (the rest take defaults).
_PERIOD_VALUES = (
    SubscriptionPeriod.merchant_id,
    SubscriptionPeriod.subscription_id,
    SubscriptionPeriod.number,
    SubscriptionPeriod.starts_on,
    SubscriptionPeriod.ends_on,
    SubscriptionPeriod.due_on,
    SubscriptionPeriod.amount,
)


def notify(
    session: DbSession,
    subscription: Subscription,
    period: SubscriptionPeriod,
    now: datetime,
    notice: Notice,
) -> bool:
    """Send the period's notice (or reminder), once: the guarded UPDATE moves it from
    scheduled to notified (a second run, or another consumer, finds it moved)."""
    values = {"status": PeriodStatus.NOTIFIED, "notified_at": now}
    moved = session.execute(
        update(SubscriptionPeriod)
        .where(
            SubscriptionPeriod.id == period.id,
            SubscriptionPeriod.status == PeriodStatus.SCHEDULED,
        )
        .values(values)
        .execution_options(synchronize_session=False)
    )
    if not _moved(session, period, moved, values):
        return False
    if notice.silent:
        return False
    charge_on = notice.charge_from(period) or period.due_on
    delivery.send_notice(session, subscription, period, charge_on, debit=bool(notice.scheme_days))
    record_event(
        session, subscription, "notified",
        {"period": period.number, "charge_on": charge_on.isoformat()},
    )  # fmt: skip
    return True


def _claim_due(
    session: DbSession,
    subscription: Subscription,
    period: SubscriptionPeriod,
    notice: Notice,
    now: datetime,
) -> bool:
    today = now.date()
    if period.status is PeriodStatus.PROCESSING:
        return _reclaim_unanswered(session, period, now)
    if period.status is PeriodStatus.NOTIFIED:
        allowed = notice.charge_from(period)
        return allowed is not None and today >= allowed and claim(session, period, now)
    if period.status is PeriodStatus.FAILED and subscription.payment_method_id:
        another_method = period.failed_method_id != subscription.payment_method_id
        retry_due = period.retry_on is not None and today >= (notice.charge_from(period) or today)
        if another_method or retry_due:
            return claim(session, period, now, method_id=subscription.payment_method_id)
    return False


def claim(
    session: DbSession, period: SubscriptionPeriod, now: datetime, *, method_id: str = ""
) -> bool:
    """Take the period for one charge: notified, or failed (its retry due, or another method
    saved since), to processing, its attempt counted. One UPDATE whose WHERE is the rule (the
    status and attempt read), so it holds with two runs or two consumers at once."""
    claimable = SubscriptionPeriod.status == PeriodStatus.NOTIFIED
    if period.status is PeriodStatus.FAILED:
        claimable = SubscriptionPeriod.status == PeriodStatus.FAILED
    values = {
        "status": PeriodStatus.PROCESSING,
        "attempts": period.attempts + 1,  # the WHERE read the attempts: the UPDATE counts one
        "charged_at": now,
        "intent_id": "",
        "last_error": "",
    }
    moved = session.execute(
        update(SubscriptionPeriod)
        .where(
            SubscriptionPeriod.id == period.id,
            SubscriptionPeriod.attempts == period.attempts,
            claimable,
        )
        .values(values)
        .execution_options(synchronize_session=False)
    )
    return _moved(session, period, moved, values)


def _reclaim_unanswered(session: DbSession, period: SubscriptionPeriod, now: datetime) -> bool:
    """Take a charge that got no answer again (same attempt, so the same key)."""
    if period.intent_id or period.charged_at is None:
        return False  # on its way: the webhook or reconciliation settles it
    if aware(period.charged_at) > now - UNANSWERED_AFTER:
        return False
    moved = session.execute(
        update(SubscriptionPeriod)
        .where(
            SubscriptionPeriod.id == period.id,
            SubscriptionPeriod.status == PeriodStatus.PROCESSING,
            SubscriptionPeriod.intent_id == "",
            SubscriptionPeriod.charged_at == period.charged_at,
        )
        .values(charged_at=now)
        .execution_options(synchronize_session=False)
    )
    return _moved(session, period, moved, {"charged_at": now})


def _moved(
    session: DbSession, period: SubscriptionPeriod, moved: Result[Any], values: dict[str, Any]
) -> bool:
    """Whether a guarded UPDATE of ``period`` moved it. If it did, the row holds ``values``
    now, so they are set on the object without reading it back; if not (another run moved
    it), the row is read back."""
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(period)
        return False
    for name, value in values.items():
        set_committed_value(period, name, value)
    return True


# ---------------------------------------------------------------------------------------------
# Charging a claimed period


def saved_method(subscription: Subscription) -> SavedMethod:
    """What the subscription's off-session charges are made with: its saved method, its
    Stripe customer and a bank debit's mandate."""
    return SavedMethod(
        subscription.processor_customer_id,
        subscription.payment_method_id,
        subscription.payment_method_type,
        subscription.payment_mandate_id or None,
    )


def payer(subscription: Subscription) -> BuyerDetails:
    """Who pays a subscription's off-session charges: its customer (no buyer email: the
    customer hears from the invoice's receipt, see ``charge_invoice``)."""
    return BuyerDetails(
        email="",
        name=subscription.customer.name,
        locale=subscription.locale,
        customer_id=subscription.customer_id,
    )


def charge_key(session: DbSession, subscription: Subscription, period: SubscriptionPeriod) -> str:
    """The period's idempotency key: one per attempt (a new one only after a failure)."""
    key = idempotency_key(session, "subscription", subscription.id, "period", period.number)
    return key if period.attempts <= 1 else f"{key}:attempt:{period.attempts}"


def _prepare_charge(
    session: DbSession, subscription: Subscription, period: SubscriptionPeriod, today: date
) -> PreparedCharge:
    """A claimed period's charge, ready for Stripe: its invoice (issued on the first
    attempt) and the invoice's checkout, under the period's key."""
    return prepare_charge(
        session,
        period_invoice(session, subscription, period, today),
        saved_method(subscription),
        key=charge_key(session, subscription, period),
        payer=payer(subscription),
        metadata={
            METADATA_SUBSCRIPTION: str(subscription.id),
            METADATA_PERIOD: str(period.number),
        },
    )


def _record_answers(
    session: DbSession, charges: list[_Charge], today: date, run: BillingRun
) -> None:
    """Record Stripe's answers in one transaction; if that fails, each in its own (one that
    fails alone is logged: its period stays processing, and Stripe's answer is asked for
    again under the same key later)."""
    failed: list[bool | None]
    try:
        failed = [_record(session, charge, today) for charge in charges]
        session.commit()
    except Exception:
        session.rollback()
        failed = []
        for charge in charges:
            try:
                failed.append(_record(session, charge, today))
                session.commit()
            except Exception:
                session.rollback()
                failed.append(None)
                log.exception(
                    "subscription charge unrecorded",
                    extra={"fields": {"subscription_id": charge.subscription.id}},
                )
    for charge, outcome in zip(charges, failed, strict=True):
        if outcome is not None:
            (run.failed if outcome else run.charged).append(charge.period.id)


def _record(session: DbSession, charge: _Charge, today: date) -> bool:
    """Record one answer through the invoice's one recording path (a settled payment pays
    the period, see ``_invoice_payment_moved``); a decline follows the dunning plan. Whether
    the charge failed."""
    result = record_answer(session, charge.prepared, charge.answer)
    if not result.answered:
        return False  # repeated later under the same key
    charge.period.intent_id = result.intent_id
    session.flush()
    if result.failed:
        fail_period(session, charge.subscription, charge.period, result.failure_code, today)
    return result.failed


def period_label(subscription: Subscription, period: SubscriptionPeriod) -> str:
    """ "Subscription 12, 1 Jan 2027 to 31 Jan 2027", in the current locale."""
    return _(
        "Subscription %(number)d, %(start)s to %(end)s",
        number=subscription.id,
        start=format_date(period.starts_on),
        end=format_date(period.ends_on),
    )


def period_invoice(
    session: DbSession, subscription: Subscription, period: SubscriptionPeriod, today: date
) -> Invoice:
    """The period's invoice, issued (numbered) on its first charge, in the subscription's
    language: its lines, one line per exclusive tax and the method's fee, so its total is
    the period's amount exactly; less a credit a change of lines left, or with a prorated
    charge too small to have been charged alone (``take_carried``, once)."""
    if period.invoice_id is not None:
        return session.get_one(Invoice, period.invoice_id)
    with force_locale(subscription.locale):
        lines = [
            LineInput(
                description=line.description[:200],
                quantity=line.quantity,
                unit_amount=line.unit_amount,
                product_id=line.product_id,
            )
            for line in subscription.lines
        ]
        lines += [
            LineInput(
                description=f"{tax['name']} ({tax['percentage']} %)"[:200],
                quantity=1,
                unit_amount=int(tax["amount"]),
            )
            for tax in subscription.taxes
            if tax.get("behavior") == "exclusive" and int(tax.get("amount") or 0) > 0
        ]
        if subscription.fee_amount:
            fee_name = subscription.fee_name or _("Payment method fee")
            lines.append(LineInput(fee_name[:200], 1, subscription.fee_amount))
        carried = take_carried(session, subscription, subscription.period_amount)
        if carried > 0:
            lines.append(LineInput(_("Change of the lines during the last period"), 1, carried))
        memo = period_label(subscription, period)
    invoice = create_invoice(
        session,
        subscription.merchant,
        subscription.customer,
        currency=subscription.currency,
        lines=lines,
        locale=subscription.locale,
        terms=PaymentTerms.DUE_ON_RECEIPT,
        memo=memo,
        payment_methods=[subscription.payment_method_type],
        discount_amount=-carried if carried < 0 else None,
        currency_agreed=True,
    )
    finalize_invoice(session, invoice, today, current_app.extensions["kassa_settings"].secret_key)
    period.invoice_id = invoice.id
    record_event(
        session, subscription, "invoiced", {"period": period.number, "invoice": invoice.number}
    )
    session.flush()
    return invoice


def take_carried(session: DbSession, subscription: Subscription, period_total: int) -> int:
    """Take what is carried to the period's invoice, once: a credit at most down to the
    currency's minimum charge (the rest stays for the next period), or a small charge. A
    guarded UPDATE from the amount read, so two invoices cannot both take it."""
    carried = subscription.carried_amount
    if not carried:
        return 0
    lowest = minimum_charge(subscription.currency)
    minimum = lowest.amount if lowest is not None else 0
    taken = carried if carried > 0 else -min(-carried, max(period_total - minimum, 0))
    if not taken:
        return 0
    moved = session.execute(
        update(Subscription)
        .where(Subscription.id == subscription.id, Subscription.carried_amount == carried)
        .values(carried_amount=carried - taken)
        .execution_options(synchronize_session=False)
    )
    session.refresh(subscription)
    return taken if moved.rowcount == 1 else 0  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------
# Outcomes


def period_paid(
    session: DbSession, subscription: Subscription, period: SubscriptionPeriod, payment: Payment
) -> bool:
    """The period's invoice was paid: the period is paid and current, the subscription active
    (a trial's first charge starts it; a past-due one recovers). Once."""
    values = {
        "status": PeriodStatus.PAID,
        "paid_at": utcnow(),
        "payment_id": payment.id,
        "intent_id": payment.intent_id,
        "retry_on": None,
    }
    moved = session.execute(
        update(SubscriptionPeriod)
        .where(
            SubscriptionPeriod.id == period.id,
            SubscriptionPeriod.status.not_in((PeriodStatus.PAID, PeriodStatus.SKIPPED)),
        )
        .values(values)
        .execution_options(synchronize_session=False)
    )
    if not _moved(session, period, moved, values):
        return False
    if period.number >= subscription.next_period:
        cover_period(subscription, period)
    if subscription.status in (SubscriptionStatus.SCHEDULED, SubscriptionStatus.PAST_DUE):
        subscription.status = SubscriptionStatus.ACTIVE
    subscription.started_at = subscription.started_at or utcnow()
    subscription.past_due_since = None
    subscription.needs_new_method = False
    record_event(
        session, subscription, "paid",
        {"period": period.number, "payment": payment.id, "attempt": period.attempts},
    )  # fmt: skip
    session.flush()
    return True


def fail_period(
    session: DbSession,
    subscription: Subscription,
    period: SubscriptionPeriod,
    code: str | None,
    today: date,
) -> Plan | None:
    """A charge of the period failed (declined, or a debit that bounced): the dunning plan for
    the method and reason decides a retry or a new method; the customer is told; after the
    last try the subscription is canceled or left past due (the merchant's setting). Once per
    attempt."""
    settings = billing_settings(session, subscription.merchant_id)
    method = subscription.payment_method_type
    plan = plan_after_failure(
        method_type=method,
        code=code,
        attempts=period.attempts,
        due_on=period.due_on,
        today=today,
        card_retry_days=settings.card_retry_days,
        retry_bank_debits=settings.retry_bank_debits,
        notice_days=notice_of(subscription, settings).scheme_days,
    )
    values = {
        "status": PeriodStatus.UNCOLLECTIBLE if plan.last_try else PeriodStatus.FAILED,
        "failed_method_id": subscription.payment_method_id,
        "decline_code": (code or "")[:64],
        "last_error": code or "failed",
        "retry_on": plan.retry_on,
    }
    moved = session.execute(
        update(SubscriptionPeriod)
        .where(
            SubscriptionPeriod.id == period.id,
            SubscriptionPeriod.status == PeriodStatus.PROCESSING,
        )
        .values(values)
        .execution_options(synchronize_session=False)
    )
    if not _moved(session, period, moved, values):
        return None
    record_event(
        session, subscription, "payment_failed",
        {
            "period": period.number, "attempt": period.attempts, "code": code,
            "reason": plan.reason.value, "method": method,
            "retry_on": plan.retry_on.isoformat() if plan.retry_on else None,
            "new_method_needed": plan.needs_new_method, "last_try": plan.last_try,
        },
    )  # fmt: skip
    _past_due(session, subscription)
    if plan.retry_on is not None:
        subscription.next_charge_on = plan.retry_on
    if plan.needs_new_method:
        subscription.needs_new_method = True
        delivery.send_new_method(session, subscription, period)
    elif plan.retry_on is not None:
        delivery.send_payment_failed(session, subscription, period)
    if plan.last_try:
        _after_last_try(session, subscription, settings)
    session.flush()
    return plan


def _past_due(session: DbSession, subscription: Subscription) -> None:
    session.execute(
        update(Subscription)
        .where(
            Subscription.id == subscription.id,
            Subscription.status.in_((SubscriptionStatus.ACTIVE, SubscriptionStatus.SCHEDULED)),
        )
        .values(status=SubscriptionStatus.PAST_DUE, past_due_since=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.refresh(subscription)
    if subscription.status is SubscriptionStatus.PAST_DUE:
        record_event(session, subscription, "past_due", {})


def _after_last_try(
    session: DbSession, subscription: Subscription, settings: SubscriptionSettings
) -> None:
    if AfterLastTry(settings.after_last_try) is AfterLastTry.CANCEL:
        if end(session, subscription, SubscriptionStatus.CANCELED, by=BY_KASSA, reason=UNPAID):
            delivery.send_canceled(session, subscription)
        return
    # Left past due: the period stays unpaid, and the next one is billed on its day.
    subscription.next_period += 1
    subscription.next_charge_on = subscription.period_start(subscription.next_period)
    record_event(session, subscription, "left_past_due", {})


def _invoice_payment_moved(
    session: DbSession, invoice: Invoice, payment: Payment, movement: Movement, _amount: int
) -> bool:
    """A period's invoice payment settled (the period is paid) or an accepted debit bounced
    (the dunning plan). A refund is the merchant's decision about money already collected: the
    period stays paid and nothing is charged again. True for a period's invoice paid: the
    owners are not emailed of each renewal (a merchant billing 10,000 subscriptions on the
    1st would get 10,000 emails); the panel lists them, with what failed."""
    if movement is Movement.REFUNDED:
        return False
    period = session.scalar(
        select(SubscriptionPeriod).where(
            SubscriptionPeriod.invoice_id == invoice.id,
            SubscriptionPeriod.merchant_id == invoice.merchant_id,
        )
    )
    if period is None:
        return False
    subscription = period.subscription
    if movement is Movement.SETTLED:
        period_paid(session, subscription, period, payment)
        return True
    fail_period(session, subscription, period, payment.failure_code, scheduler_now(session).date())
    return False


listen_to_payments(_invoice_payment_moved)
