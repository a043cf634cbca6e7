"""Random sequences of the billing run's life, against the sandbox: two customers' monthly card
subscriptions while the days pass, the run runs (sometimes two consumers at once), cards start
declining (soft or hard) and recover, and the merchant pauses, resumes and cancels at the
period's end.

Each run asks Stripe only for periods due by then, of subscriptions neither paused nor ended
when it began. After every step, for every period: Stripe made at most one successful charge;
Kassa recorded exactly the successful charges Stripe made, on the period's invoice; a paid
period's invoice is paid by one payment; a skipped period has no invoice.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from flask import Flask
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import select

from app.core.errors import ServiceError
from app.data.clock import scheduler_now
from app.extensions import db
from app.invoices.models import Invoice, InvoiceStatus
from app.payments.models import Payment, PaymentStatus
from app.subscriptions import service
from app.subscriptions.billing import run_billing
from app.subscriptions.models import (
    PeriodStatus,
    Subscription,
    SubscriptionPeriod,
    SubscriptionStatus,
)
from tests.conftest import empty_tables
from tests.integration.test_invoice_core import in_threads
from tests.support.invoice_buyers import invoicing_merchant
from tests.support.schedules import advance_clock
from tests.support.sequences import run_sequences
from tests.support.stripe_sandbox import StripeSandbox
from tests.support.subscriptions import (
    add_link,
    add_product,
    charges_at_stripe,
    method_outcome,
    run_billing_task,
    subscribe,
    subscriptions_of,
)


class BillingLife(RuleBasedStateMachine):
    app: Flask
    sandbox: StripeSandbox

    def __init__(self) -> None:
        super().__init__()
        empty_tables(self.app)
        owner = self.app.test_client()
        self.account, _merchant = invoicing_merchant(owner, self.app, self.sandbox)
        for n, amount in enumerate(("20.00", "35.00")):
            slug = add_link(owner, self.app, add_product(owner, name=f"Club {n}", amount=amount))
            _buyer, _page, body = subscribe(self.app, self.sandbox, self.account, slug)
            assert "Thank you, your payment went through" in body, body
        self.subscriptions = subscriptions_of(self.app)

    def _today(self) -> date:
        with self.app.app_context():
            return scheduler_now(db.session).date()

    def _change(self, which: int, change: str) -> bool:
        """A merchant's change to a subscription through the service; False when refused."""
        with self.app.app_context():
            row = db.session.get_one(Subscription, self.subscriptions[which].id)
            today = scheduler_now(db.session).date()
            try:
                if change == "pause":
                    service.pause(db.session, row, until=None, today=today)
                elif change == "resume":
                    service.resume(db.session, row, today=today)
                else:
                    service.cancel_at_period_end(db.session, row)
            except ServiceError:
                db.session.rollback()
                return False
            db.session.commit()
            return True

    @rule(days=st.integers(1, 35))
    def days_pass(self, days: int) -> None:
        advance_clock(self.app, days)

    @rule(consumers=st.sampled_from([0, 1, 2]))
    def the_next_charge_day_comes(self, consumers: int) -> None:
        """The clock moves to the nearest next charge (a renewal, or a retry's day), and the
        billing runs then (on no consumer, one, or two at once)."""
        today = self._today()
        due = [s.next_charge_on for s in subscriptions_of(self.app) if s.next_charge_on]
        ahead = [day for day in due if day > today]
        if ahead:
            advance_clock(self.app, (min(ahead) - today).days)
        self._bill(consumers)

    @rule(consumers=st.sampled_from([1, 2]))
    def the_billing_runs(self, consumers: int) -> None:
        self._bill(consumers)

    def _bill(self, consumers: int) -> None:
        """Run the billing; Stripe is asked only for periods due by today, of subscriptions
        that were neither paused nor ended when the run began."""
        today = self._today()
        held = {
            s.id
            for s in subscriptions_of(self.app)
            if s.is_ended or s.status is SubscriptionStatus.PAUSED
        }
        before = charges_at_stripe(self.sandbox, self.account, succeeded=False)
        self._run(consumers)
        asked = charges_at_stripe(self.sandbox, self.account, succeeded=False) - before
        assert not {sub for sub, _period in asked} & held, (asked, held)
        with self.app.app_context():
            for sub, number in asked:
                period = db.session.scalars(
                    select(SubscriptionPeriod).where(
                        SubscriptionPeriod.subscription_id == sub,
                        SubscriptionPeriod.number == number,
                    )
                ).one()
                assert period.due_on <= today, (number, period.due_on, today)

    def _run(self, consumers: int) -> None:
        if consumers == 1:
            run_billing_task(self.app)
        elif consumers == 2:

            def consumer(_n: int) -> list[int]:
                with self.app.app_context():
                    try:
                        return run_billing(db.session, threads=2).charged
                    finally:
                        db.session.remove()

            for result in in_threads(2, consumer):
                assert isinstance(result, list), result

    @rule(which=st.integers(0, 1), hard=st.booleans())
    def the_card_starts_declining(self, which: int, hard: bool) -> None:
        code = {
            "code": "card_declined",
            "decline_code": "stolen_card" if hard else "insufficient_funds",
        }
        method_outcome(self.sandbox, self.subscriptions[which].payment_method_id, **code)

    @rule(which=st.integers(0, 1))
    def the_card_recovers(self, which: int) -> None:
        method_outcome(self.sandbox, self.subscriptions[which].payment_method_id, "succeed")

    @rule(which=st.integers(0, 1))
    def the_merchant_pauses(self, which: int) -> None:
        self._change(which, "pause")

    @rule(which=st.integers(0, 1))
    def the_merchant_resumes(self, which: int) -> None:
        self._change(which, "resume")

    @rule(which=st.integers(0, 1))
    def the_merchant_cancels_at_the_periods_end(self, which: int) -> None:
        self._change(which, "cancel")

    @invariant()
    def each_period_is_paid_once_and_kassa_recorded_what_stripe_charged(self) -> None:
        at_stripe = charges_at_stripe(self.sandbox, self.account, succeeded=True)
        assert all(n == 1 for n in at_stripe.values()), at_stripe
        with self.app.app_context():
            periods = db.session.scalars(select(SubscriptionPeriod)).all()
            recorded: Counter[tuple[int, int]] = Counter()
            for period in periods:
                if period.invoice_id is None:
                    continue
                payments = db.session.scalars(
                    select(Payment).where(
                        Payment.document_type == "invoice",
                        Payment.document_id == str(period.invoice_id),
                        Payment.status == PaymentStatus.SUCCEEDED,
                    )
                ).all()
                if payments:
                    recorded[(period.subscription_id, period.number)] += len(payments)
                invoice = db.session.get_one(Invoice, period.invoice_id)
                paid = period.status is PeriodStatus.PAID
                assert paid == (len(payments) == 1), (period.number, period.status, payments)
                assert paid == (invoice.status is InvoiceStatus.PAID), (period.number, invoice)
            assert dict(recorded) == dict(at_stripe)  # period 0, paid at checkout, has no invoice
            assert all(p.invoice_id is None for p in periods if p.status is PeriodStatus.SKIPPED)


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_random_billing_lives_charge_each_period_once_and_only_when_due(
    app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    run_sequences(BillingLife, examples=8, steps=20, app=app, sandbox=stripe_sandbox)
