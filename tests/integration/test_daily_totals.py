"""The daily totals the revenue report reads always equal the sums of the payments they stand
for: random sequences of what Stripe says of PaymentIntents (opened on different days, declined,
processing then paid or bounced, paid with the fee now or later and settled in another
currency, refunded in parts, refunds failing, disputed, canceled, replayed), each recorded
through the one recording path as a webhook would, on the test database (SQLite, or PostgreSQL
on CI's second leg). The operators' rebuild gives the same rows, and running it twice too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import select, update

from app.core.clock import aware
from app.core.money import Money
from app.extensions import db
from app.merchants.models import Merchant
from app.payments.models import DailyAvailability, DailyTotal, Payment
from app.payments.queries import PaymentFilters, summed_totals, totals_by_currency
from app.payments.service import PAID, record_intent
from app.payments.totals import rebuild_daily_totals
from app.processors.gateway import IntentState, MethodDetails
from tests.conftest import empty_tables
from tests.support.engines import examples
from tests.support.sequences import run_sequences

FIRST_DAY = date(2026, 3, 30)
METHODS = ("card", "sepa_debit", "us_bank_account")
RATES = {("EUR", "SEK"): Decimal("11.4130"), ("USD", "SEK"): Decimal("10.2500")}


@dataclass
class StripeIntent:
    """What Stripe holds of one PaymentIntent and its latest charge, as the test moves it."""

    id: str
    currency: str
    amount: int
    method: str
    status: str = "requires_payment_method"
    declined: bool = False
    refunded: int = 0
    disputed: bool = False
    fee: int | None = None
    net: int | None = None
    settled_in: str | None = None
    available_on: date | None = None

    def as_stripe_sends_it(self) -> IntentState:
        paid = self.status == "succeeded"
        fee_currency = self.settled_in or self.currency
        return IntentState(
            id=self.id,
            client_secret=f"{self.id}_secret",
            status=self.status,
            amount=Money(self.amount, self.currency),
            amount_received=Money(self.amount if paid else 0, self.currency),
            created=datetime.now(UTC),
            method=MethodDetails(type=self.method, last4="4242") if self.attempted else None,
            latest_charge_id=f"ch_{self.id[3:]}" if self.attempted else None,
            amount_refunded=Money(self.refunded, self.currency) if paid else None,
            disputed=self.disputed,
            fee=None if self.fee is None else Money(self.fee, fee_currency),
            net=None if self.net is None else Money(self.net, fee_currency),
            available_on=self.available_on,
            settlement_currency=self.settled_in,
            exchange_rate=RATES.get((self.currency, self.settled_in or "")),
            error_code="card_declined" if self.declined else None,
        )

    @property
    def attempted(self) -> bool:
        return self.status != "requires_payment_method" or self.declined


def waiting(intent: StripeIntent) -> bool:
    return intent.status == "requires_payment_method"


def debit_waiting(intent: StripeIntent) -> bool:
    return waiting(intent) and intent.method != "card"


def unpaid(intent: StripeIntent) -> bool:
    return intent.status in ("requires_payment_method", "processing")


def processing(intent: StripeIntent) -> bool:
    return intent.status == "processing"


def paid_without_fee(intent: StripeIntent) -> bool:
    return intent.status == "succeeded" and intent.fee is None


def refundable(intent: StripeIntent) -> bool:
    return intent.status == "succeeded" and not intent.disputed and intent.refunded < intent.amount


def refunded_some(intent: StripeIntent) -> bool:
    return intent.status == "succeeded" and not intent.disputed and intent.refunded > 0


def disputable(intent: StripeIntent) -> bool:
    return intent.status == "succeeded" and not intent.disputed and intent.refunded < intent.amount


def _sums_from_payments(payments: list[Payment]) -> tuple[Counter[Any], Counter[Any]]:
    """The totals worked out here from the payments themselves."""
    totals: Counter[Any] = Counter()
    availability: Counter[Any] = Counter()
    for p in payments:
        if p.status not in PAID:
            continue
        day = aware(p.created_at).astimezone(UTC).date()
        settled = p.settlement_currency or p.currency
        key = (p.merchant_id, day, p.currency, p.method_type, p.document_type, settled)
        disputed = p.amount - p.amount_refunded if p.status == "disputed" else 0
        for name, value in zip(
            ("payments", "gross", "fee", "refunded", "disputed", "net"),
            (1, p.amount, p.fee or 0, p.amount_refunded, disputed, p.net or 0),
            strict=True,
        ):
            totals[(*key, name)] += value
        if p.available_on is not None and p.net is not None:
            availability[(p.merchant_id, day, p.available_on, settled, "payments")] += 1
            availability[(p.merchant_id, day, p.available_on, settled, "net")] += p.net
    return +totals, +availability


def _sums_in_tables() -> tuple[Counter[Any], Counter[Any]]:
    totals: Counter[Any] = Counter()
    for row in db.session.scalars(select(DailyTotal)):
        key = (row.merchant_id, row.day, row.currency, row.method_type, row.document_type,
               row.settled_in)  # fmt: skip
        sums = (row.payments, row.gross, row.fee, row.refunded, row.disputed, row.net)
        assert row.payments or not any(sums), f"an emptied row keeps sums: {key} {sums}"
        for name, value in zip(
            ("payments", "gross", "fee", "refunded", "disputed", "net"), sums, strict=True
        ):
            totals[(*key, name)] += value
    availability: Counter[Any] = Counter()
    for row in db.session.scalars(select(DailyAvailability)):
        assert row.payments or not row.net
        key = (row.merchant_id, row.day, row.available_on, row.settled_in)
        availability[(*key, "payments")] += row.payments
        availability[(*key, "net")] += row.net
    return +totals, +availability


class StripeMovingPayments(RuleBasedStateMachine):
    app: Flask

    def __init__(self) -> None:
        super().__init__()
        empty_tables(self.app)
        with self.app.app_context():
            merchants = [
                Merchant(public_id=f"mer_totals_{n}", name=f"Shop {n}", country="SE",
                         default_currency="SEK")
                for n in (1, 2)
            ]  # fmt: skip
            db.session.add_all(merchants)
            db.session.commit()
            self.merchant_ids = [merchant.id for merchant in merchants]
        self.intents: list[tuple[int, StripeIntent]] = []

    def _record(self, index: int, moved: StripeIntent) -> None:
        merchant_id, _intent = self.intents[index]
        self.intents[index] = (merchant_id, moved)
        with self.app.app_context():
            merchant = db.session.get_one(Merchant, merchant_id)
            record_intent(db.session, merchant, moved.as_stripe_sends_it())
            db.session.commit()

    def has(self, fits: Callable[[StripeIntent], bool]) -> bool:
        return any(fits(intent) for _merchant, intent in self.intents)

    def _pick(
        self, data: st.DataObject, fits: Callable[[StripeIntent], bool] = lambda _intent: True
    ) -> tuple[int, StripeIntent]:
        """One of the intents in a state the step applies to (its precondition says there is
        one)."""
        fitting = [index for index, (_m, intent) in enumerate(self.intents) if fits(intent)]
        index = data.draw(st.sampled_from(fitting))
        return index, self.intents[index][1]

    @rule(
        merchant=st.integers(0, 1),
        currency=st.sampled_from(("SEK", "EUR", "USD")),
        amount=st.integers(100, 100_000),
        method=st.sampled_from(METHODS),
        document=st.sampled_from(("payment_link", "cart", "invoice")),
        days_later=st.integers(0, 3),
    )
    def open_checkout(
        self, merchant: int, currency: str, amount: int, method: str, document: str,
        days_later: int,
    ) -> None:  # fmt: skip
        """A buyer opens a checkout on some day: a pending intent (its day set while it counts
        for nothing yet, as if the checkout had been opened then)."""
        intent = StripeIntent(f"pi_totals_{len(self.intents)}", currency, amount, method)
        merchant_id = self.merchant_ids[merchant]
        self.intents.append((merchant_id, intent))
        opened = datetime.combine(FIRST_DAY + timedelta(days=days_later), datetime.min.time(), UTC)
        with self.app.app_context():
            merchant_row = db.session.get_one(Merchant, merchant_id)
            state = replace(intent.as_stripe_sends_it(), metadata={"kassa_document_type": document})
            payment = record_intent(db.session, merchant_row, state)
            db.session.execute(
                update(Payment)
                .where(Payment.id == payment.id)
                .values(created_at=opened + timedelta(hours=23, minutes=59))
            )
            db.session.commit()

    @precondition(lambda self: self.has(waiting))
    @rule(data=st.data())
    def card_declined(self, data: st.DataObject) -> None:
        index, intent = self._pick(data, waiting)
        self._record(index, replace(intent, declined=True))

    @precondition(lambda self: self.has(unpaid))
    @rule(data=st.data(), fee_now=st.booleans(), settled_in=st.sampled_from((None, "SEK")))
    def paid(self, data: st.DataObject, fee_now: bool, settled_in: str | None) -> None:
        """Stripe took the money (a card at once, a debit once it cleared), with its balance
        transaction now or later."""
        index, intent = self._pick(data, unpaid)
        moved = replace(intent, status="succeeded", declined=False)
        self._record(index, self._with_balance(moved, settled_in) if fee_now else moved)

    @precondition(lambda self: self.has(debit_waiting))
    @rule(data=st.data())
    def debit_started(self, data: st.DataObject) -> None:
        index, intent = self._pick(data, debit_waiting)
        self._record(index, replace(intent, status="processing", declined=False))

    @precondition(lambda self: self.has(processing))
    @rule(data=st.data())
    def debit_bounced(self, data: st.DataObject) -> None:
        index, intent = self._pick(data, processing)
        self._record(index, replace(intent, status="requires_payment_method", declined=True))

    @precondition(lambda self: self.has(paid_without_fee))
    @rule(data=st.data(), settled_in=st.sampled_from((None, "SEK")))
    def balance_arrives(self, data: st.DataObject, settled_in: str | None) -> None:
        """The fee and net come later, from the balance transaction (in another currency when
        Stripe converted the charge)."""
        index, intent = self._pick(data, paid_without_fee)
        self._record(index, self._with_balance(intent, settled_in))

    @staticmethod
    def _with_balance(intent: StripeIntent, settled_in: str | None) -> StripeIntent:
        converted = settled_in if settled_in != intent.currency else None
        rate = RATES.get((intent.currency, converted or ""), Decimal(1))
        gross = int(intent.amount * rate)
        fee = gross * 14 // 1000 + 180
        return replace(intent, fee=fee, net=gross - fee, settled_in=converted,
                       available_on=FIRST_DAY + timedelta(days=7))  # fmt: skip

    @precondition(lambda self: self.has(refundable))
    @rule(data=st.data(), part=st.integers(1, 100))
    def refunded(self, data: st.DataObject, part: int) -> None:
        """A refund of ``part`` percent of what is left (100: the rest)."""
        index, intent = self._pick(data, refundable)
        more = max(1, (intent.amount - intent.refunded) * part // 100)
        self._record(index, replace(intent, refunded=intent.refunded + more))

    @precondition(lambda self: self.has(refunded_some))
    @rule(data=st.data(), part=st.integers(1, 100))
    def refund_failed(self, data: st.DataObject, part: int) -> None:
        """A bank refund failed days later: Stripe lowers the charge's refunded amount."""
        index, intent = self._pick(data, refunded_some)
        back = max(1, intent.refunded * part // 100)
        self._record(index, replace(intent, refunded=intent.refunded - back))

    @precondition(lambda self: self.has(disputable))
    @rule(data=st.data())
    def disputed(self, data: st.DataObject) -> None:
        """Opened, then won or lost: the charge stays disputed either way."""
        index, intent = self._pick(data, disputable)
        self._record(index, replace(intent, disputed=True))

    @precondition(lambda self: self.has(waiting))
    @rule(data=st.data())
    def canceled(self, data: st.DataObject) -> None:
        index, intent = self._pick(data, waiting)
        self._record(index, replace(intent, status="canceled", declined=False))

    @precondition(lambda self: self.intents)
    @rule(data=st.data())
    def delivered_again(self, data: st.DataObject) -> None:
        """A webhook delivered twice, or the return page and reconciliation reading the same."""
        index, intent = self._pick(data)
        self._record(index, intent)

    @rule()
    def operator_rebuilds(self) -> None:
        with self.app.app_context():
            for merchant_id in self.merchant_ids:
                rebuild_daily_totals(db.session, merchant_id)
            db.session.commit()

    @invariant()
    def totals_equal_the_sums_of_the_payments(self) -> None:
        with self.app.app_context():
            payments = list(db.session.scalars(select(Payment)))
            assert _sums_in_tables() == _sums_from_payments(payments)
            db.session.remove()

    @invariant()
    def index_totals_read_from_the_days_equal_the_payments_sums(self) -> None:
        """The payments index's totals with no filter, or only dates, are the daily totals':
        the same figures as summing the payments, per currency, on each side of a day's
        bounds (the payments are made at 23:59 UTC)."""
        ranges = [(None, None), (FIRST_DAY + timedelta(days=1), None),
                  (None, FIRST_DAY + timedelta(days=1)),
                  (FIRST_DAY + timedelta(days=1), FIRST_DAY + timedelta(days=2))]  # fmt: skip
        with self.app.app_context():
            for merchant_id in self.merchant_ids:
                for start, end in ranges:
                    filters = PaymentFilters(start=start, end=end)
                    assert totals_by_currency(db.session, merchant_id, filters) == summed_totals(
                        db.session, merchant_id, filters
                    ), (merchant_id, start, end)
            db.session.remove()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_daily_totals_follow_every_change_stripe_reports(app: Flask) -> None:
    run_sequences(StripeMovingPayments, examples=examples(30), steps=20, app=app)


def test_the_rebuild_command_recomputes_a_merchants_totals_and_is_idempotent(app: Flask) -> None:
    with app.app_context():
        merchant = Merchant(public_id="mer_rebuild", name="Shop", country="SE",
                            default_currency="SEK")  # fmt: skip
        db.session.add(merchant)
        db.session.commit()
        paid = StripeIntent("pi_rebuild_1", "SEK", 12_500, "card", status="succeeded",
                            fee=355, net=12_145, available_on=FIRST_DAY)  # fmt: skip
        record_intent(db.session, merchant, paid.as_stripe_sends_it())
        db.session.commit()
        kept = _sums_in_tables()
        db.session.execute(update(DailyTotal).values(gross=DailyTotal.gross + 1))
        db.session.commit()
        assert _sums_in_tables() != kept  # an operator's totals gone wrong
    runner = app.test_cli_runner()
    results: list[Result] = [
        runner.invoke(args=["kassa", "rebuild-daily-totals", "mer_rebuild"]) for _ in range(2)
    ]
    assert [result.output for result in results] == [
        "mer_rebuild: daily totals rebuilt from 1 payments\n"
    ] * 2
    with app.app_context():
        assert _sums_in_tables() == kept
        assert db.session.scalar(select(DailyTotal.gross)) == 12_500
    unknown = runner.invoke(args=["kassa", "rebuild-daily-totals", "mer_nobody"])
    assert unknown.exit_code != 0 and "mer_nobody" in unknown.output
