"""The billing run takes its subscriptions in batches (``billing.bill_batch``): their claims,
invoices and checkouts in one transaction, Stripe asked for each, the answers recorded in a
second. Against the Stripe sandbox as a real HTTP server and the database, with the faults
injected below Kassa (a trigger that makes the database refuse one row):

- a batch that fails before Stripe is asked is billed again one subscription at a time: the
  others are charged in the same run, nothing of the failing one's step is kept (not its
  claim: it is not stuck processing; not its invoice number) and the next run bills it;
- answers that fail to be recorded together are recorded one by one: the one that fails alone
  stays processing, and a later run asks Stripe again under its key (one charge);
- two consumers at once, each asking Stripe on three threads, over several batches charge
  every period once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.payments.models import PaymentStatus
from app.subscriptions import billing
from app.subscriptions.billing import run_billing
from app.subscriptions.models import PeriodStatus, Subscription
from tests.integration.test_invoice_core import in_threads
from tests.integration.test_subscription_billing import to_day
from tests.support.invoice_buyers import invoicing_merchant
from tests.support.mailbox import Mailbox
from tests.support.schedules import advance_clock
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox
from tests.support.subscriptions import (
    BUYER,
    add_link,
    add_product,
    invoice_of,
    payments_of_invoice,
    periods_of,
    run_billing_task,
    subscribe,
    subscription_charges,
    subscriptions_of,
)

pytestmark = pytest.mark.usefixtures("merchant")


@pytest.fixture
def merchant(client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox) -> SandboxAccount:
    account, _merchant_id = invoicing_merchant(client, app, stripe_sandbox)
    return account


def subscribers(
    client: FlaskClient, app: Flask, sandbox: StripeSandbox, account: SandboxAccount,
    amounts: list[str],
) -> list[Subscription]:  # fmt: skip
    """One buyer per amount pays a monthly link of it by card; the clock moves to the day
    their next period is due."""
    for n, amount in enumerate(amounts):
        slug = add_link(client, app, add_product(client, name=f"Club {n}", amount=amount))
        _buyer, _page, body = subscribe(app, sandbox, account, slug)
        assert "Thank you, your payment went through" in body, body
    subscribed = subscriptions_of(app)
    assert [s.period_amount for s in subscribed] == [int(a.replace(".", "")) for a in amounts]
    to_day(app, subscribed[0].period_start(1))
    return subscribed


@contextmanager
def refusing(app: Flask, table: str, column: str, value: int) -> Iterator[None]:
    """The database refuses to insert a row of ``table`` whose ``column`` is ``value`` (a
    trigger: a fault below Kassa, as a full disk or a lost connection would be)."""
    name = f"test_refuses_{table}"
    with app.app_context(), db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(
                f"CREATE FUNCTION {name}() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.{column} = {value} THEN RAISE EXCEPTION 'refused by the test'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            connection.exec_driver_sql(
                f"CREATE TRIGGER {name} BEFORE INSERT ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {name}()"
            )
        else:
            connection.exec_driver_sql(
                f"CREATE TRIGGER {name} BEFORE INSERT ON {table} WHEN NEW.{column} = {value} "
                "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
            )
    try:
        yield
    finally:
        with app.app_context(), db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"DROP TRIGGER {name} ON {table}")
                connection.exec_driver_sql(f"DROP FUNCTION {name}()")
            else:
                connection.exec_driver_sql(f"DROP TRIGGER {name}")


def test_a_batch_that_fails_before_stripe_is_billed_one_subscription_at_a_time(
    client: FlaskClient,
    app: Flask,
    merchant: SandboxAccount,
    stripe_sandbox: StripeSandbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(billing, "BATCH_SIZE", 3)  # the three in one batch
    coffee, tea, cake = subscribers(
        client, app, stripe_sandbox, merchant, ["20.00", "30.00", "40.00"]
    )
    with refusing(app, "invoice_lines", "unit_amount", 3000):  # tea's invoice cannot be made
        run = run_billing_task(app)
    charged = [periods_of(app, s.id)[1].id for s in (coffee, cake)]
    assert sorted(run.charged) == sorted(charged)
    assert len(periods_of(app, tea.id)) == 1  # its period, claim and invoice were rolled back
    assert len(subscription_charges(stripe_sandbox, merchant)) == 2

    run = run_billing_task(app)  # the next run bills it
    due = {s.id: periods_of(app, s.id)[1] for s in (coffee, tea, cake)}
    assert run.charged == [due[tea.id].id]
    assert all(p.status is PeriodStatus.PAID and p.attempts == 1 for p in due.values())
    keys = subscription_charges(stripe_sandbox, merchant)
    assert len(keys) == len(set(keys)) == 3
    numbers = sorted(
        int(re.sub(r"\D", "", invoice_of(app, p.invoice_id).number or "")[-4:])
        for p in due.values()
    )
    assert numbers == list(range(numbers[0], numbers[0] + 3))  # no number lost to the failure


def test_answers_that_fail_to_be_recorded_together_are_recorded_one_by_one(
    client: FlaskClient,
    app: Flask,
    merchant: SandboxAccount,
    stripe_sandbox: StripeSandbox,
    monkeypatch: pytest.MonkeyPatch,
    mailbox: Mailbox,
) -> None:
    monkeypatch.setattr(billing, "BATCH_SIZE", 3)
    coffee, tea, cake = subscribers(
        client, app, stripe_sandbox, merchant, ["20.00", "30.00", "40.00"]
    )
    with refusing(app, "payments", "amount", 3000):  # tea's payment cannot be recorded
        run = run_billing_task(app)
    due = {s.id: periods_of(app, s.id)[1] for s in (coffee, tea, cake)}
    assert sorted(run.charged) == sorted([due[coffee.id].id, due[cake.id].id])
    assert due[coffee.id].status is due[cake.id].status is PeriodStatus.PAID
    assert due[tea.id].status is PeriodStatus.PROCESSING and due[tea.id].intent_id == ""
    assert payments_of_invoice(app, due[tea.id].invoice_id) == []
    assert len(subscription_charges(stripe_sandbox, merchant)) == 3  # Stripe charged tea
    for recorded in (due[coffee.id], due[cake.id]):  # one receipt each, none from the rollback
        number = invoice_of(app, recorded.invoice_id).number or ""
        mailbox.wait_for(BUYER, subject=number)
        assert len([m for m in mailbox.messages(BUYER) if number in m.subject]) == 1

    assert run_billing_task(app).charged == []  # too soon: it may still be on its way
    advance_clock(app, 1)
    assert run_billing_task(app).charged == [due[tea.id].id]
    period = periods_of(app, tea.id)[1]
    assert period.status is PeriodStatus.PAID and period.attempts == 1
    keys = subscription_charges(stripe_sandbox, merchant)
    assert len(keys) == 4 and len(set(keys)) == 3  # tea's asked twice under one key
    [payment] = payments_of_invoice(app, period.invoice_id)
    assert payment.status is PaymentStatus.SUCCEEDED and payment.intent_id == period.intent_id


def test_two_consumers_on_three_threads_over_several_batches_charge_every_period_once(
    client: FlaskClient,
    app: Flask,
    merchant: SandboxAccount,
    stripe_sandbox: StripeSandbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two consumers at once, each asking Stripe on three threads (``KASSA_BILLING_THREADS``),
    over three batches: each period is charged once, by one of them, under its own key, with
    its own invoice number."""
    monkeypatch.setattr(billing, "BATCH_SIZE", 2)  # five subscriptions: three batches each
    subscribed = subscribers(
        client, app, stripe_sandbox, merchant, ["20.00", "21.00", "22.00", "23.00", "24.00"]
    )

    def consumer(_n: int) -> list[int]:
        with app.app_context():
            try:
                return run_billing(db.session, threads=3).charged
            finally:
                db.session.remove()

    first, second = in_threads(2, consumer)
    assert isinstance(first, list) and isinstance(second, list), (first, second)
    due = [periods_of(app, s.id)[1] for s in subscribed]
    assert sorted(first + second) == sorted(period.id for period in due)
    assert all(p.status is PeriodStatus.PAID and p.attempts == 1 for p in due)
    keys = subscription_charges(stripe_sandbox, merchant)
    assert len(keys) == len(set(keys)) == 5
    assert len({invoice_of(app, p.invoice_id).number for p in due}) == 5
    assert all(len(payments_of_invoice(app, p.invoice_id)) == 1 for p in due)
    assert run_billing_task(app).charged == []
