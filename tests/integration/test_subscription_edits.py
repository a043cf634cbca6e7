"""A merchant edits a subscription (issue 16): its lines and quantities (from the next period,
or prorated: the difference charged now once, or a credit taken once off the next invoice),
its next charge date (the run charges on the new day, once; a claimed period cannot move),
its contact; every edit within 2 days of a charge refused unless overridden; bad input refused
in words with nothing typed lost; and "Ask for a new payment method".

Against the Stripe sandbox as a real HTTP server, the database (the races on PostgreSQL too:
``KASSA_TEST_DATABASE_URL``), a real SMTP server and the billing task as the consumer runs it.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from app.core import pricing
from app.core.errors import ServiceError
from app.core.money import Money
from app.data.clock import scheduler_now
from app.extensions import db
from app.invoices.models import Invoice, InvoiceStatus
from app.processors.access import connected_gateway
from app.processors.gateway import GatewayError, GatewayFailure, OffSessionCharge, PaymentGateway
from app.subscriptions import billing, changes, service
from app.subscriptions.models import (
    ChangeChargeStatus,
    PeriodStatus,
    Subscription,
    SubscriptionChange,
)
from tests.integration.test_invoice_core import in_threads
from tests.support.accounts import post_form, sign_up
from tests.support.invoice_buyers import invoicing_merchant
from tests.support.mailbox import Mailbox
from tests.support.schedules import advance_clock
from tests.support.settings import add_currency, add_tax_rate
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox
from tests.support.subscriptions import (
    BUYER,
    add_link,
    add_product,
    events_of,
    invoice_of,
    payments_of_invoice,
    periods_of,
    run_billing_task,
    subscribe,
    subscription_charges,
    the_subscription,
)


@pytest.fixture
def merchant(client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox) -> SandboxAccount:
    account, _merchant_id = invoicing_merchant(client, app, stripe_sandbox)
    return account


@pytest.fixture
def subscription(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, merchant: SandboxAccount
) -> Subscription:
    """A monthly EUR 20 subscription a buyer started today by paying a link by card."""
    slug = add_link(client, app, add_product(client))
    _buyer, _page, body = subscribe(app, stripe_sandbox, merchant, slug)
    assert "Thank you, your payment went through" in body, body
    return the_subscription(app)


def to_day(app: Flask, day: date) -> None:
    """Move the scheduler's clock forward to ``day``."""
    with app.app_context():
        today = scheduler_now(db.session).date()
    advance_clock(app, (day - today).days)


def page(subscription: Subscription, path: str = "") -> str:
    return f"/panel/subscriptions/{subscription.id}{path}"


def change(client: FlaskClient, subscription: Subscription, action: str, **data: str):  # type: ignore[no-untyped-def]
    """Post one of the lines page's forms (its version: the counter the page showed)."""
    fields = {"timing": "next_period", "version": "0", **data}
    lines = page(subscription, "/lines")
    return post_form(client, lines, f"{lines}/{action}", fields)


def change_keys(sandbox: StripeSandbox, account: SandboxAccount) -> list[str]:
    return [key for key in subscription_charges(sandbox, account) if ":change:" in key]


def prorated(subscription: Subscription, old: int, new: int, today: date) -> pricing.Proration:
    assert subscription.current_period_start and subscription.current_period_end
    return pricing.prorate(
        Money(old, "EUR"), Money(new, "EUR"),
        subscription.current_period_start, subscription.current_period_end, today,
    )  # fmt: skip


def charge_in(app: Flask, subscription: Subscription, days: int) -> None:
    """Put the next charge ``days`` after the scheduler's today (the 2-day rule's test)."""
    with app.app_context():
        today = scheduler_now(db.session).date()
        db.session.execute(
            update(Subscription)
            .where(Subscription.id == subscription.id)
            .values(next_charge_on=today + timedelta(days=days))
        )
        db.session.commit()


# ---------------------------------------------------------------------------------------------
# Lines and quantities


def test_a_prorated_raise_is_charged_once_and_the_next_invoice_has_the_new_quantity(
    client: FlaskClient,
    app: Flask,
    subscription: Subscription,
    merchant: SandboxAccount,
    stripe_sandbox: StripeSandbox,
) -> None:
    today = advance_clock(app, 10)
    expected = prorated(subscription, 2000, 6000, today)
    assert expected.difference.amount > 0

    first = change(client, subscription, "quantity", line="0", quantity="3", timing="prorate")
    assert first.status_code == 302, first.get_data(as_text=True)
    shown = client.get(page(subscription)).get_data(as_text=True)
    assert "The lines are changed and the difference was charged" in shown
    assert "Coffee club, quantity 1 to Coffee club, quantity 3, prorated" in shown
    # The second tab posts the same change from the same page: refused, nothing charged again.
    second = change(client, subscription, "quantity", line="0", quantity="3", timing="prorate")
    assert second.status_code == 422
    body = second.get_data(as_text=True)
    assert "This subscription was changed meanwhile" in body and 'value="3"' in body

    assert [key.rsplit(":", 2)[1:] for key in change_keys(stripe_sandbox, merchant)] == [
        ["change", "1"]
    ]
    changed = the_subscription(app)
    assert changed.change_count == 1 and changed.period_amount == 6000
    assert [(line.description, line.quantity) for line in changed.lines] == [("Coffee club", 3)]
    [lines_event] = [e for e in events_of(app, subscription.id) if e.kind == "lines_changed"]
    assert lines_event.user_id is not None
    assert lines_event.detail["before"][0]["quantity"] == 1
    assert lines_event.detail["after"][0]["quantity"] == 3
    [charged] = [e for e in events_of(app, subscription.id) if e.kind == "change_charged"]
    with app.app_context():
        invoice_id = db.session.scalars(
            select(Invoice.id).where(Invoice.number == charged.detail["invoice"])
        ).one()
    invoice = invoice_of(app, invoice_id)
    assert invoice.status is InvoiceStatus.PAID and invoice.total == expected.difference.amount
    [payment] = payments_of_invoice(app, invoice_id)
    assert payment.amount == expected.difference.amount

    to_day(app, subscription.period_start(1))
    run = run_billing_task(app)
    renewal = periods_of(app, subscription.id)[1]
    assert run.charged == [renewal.id]
    next_invoice = invoice_of(app, renewal.invoice_id)
    assert next_invoice.total == 6000
    assert [(line.description, line.quantity) for line in next_invoice.lines] == [
        ("Coffee club", 3)
    ]
    assert len(change_keys(stripe_sandbox, merchant)) == 1


def test_without_proration_nothing_is_charged_now_and_the_next_period_has_the_new_lines(
    client: FlaskClient,
    app: Flask,
    subscription: Subscription,
    merchant: SandboxAccount,
    stripe_sandbox: StripeSandbox,
) -> None:
    tea = add_product(client, name="Tea club", amount="5.00")
    added = change(client, subscription, "add", product=str(tea), quantity="2")
    assert added.status_code == 302, added.get_data(as_text=True)
    assert change_keys(stripe_sandbox, merchant) == []
    assert the_subscription(app).period_amount == 3000

    to_day(app, subscription.period_start(1))
    run_billing_task(app)
    renewal = periods_of(app, subscription.id)[1]
    assert renewal.status is PeriodStatus.PAID
    invoice = invoice_of(app, renewal.invoice_id)
    assert invoice.total == 3000
    assert [(line.description, line.quantity) for line in invoice.lines] == [
        ("Coffee club", 1),
        ("Tea club", 2),
    ]
    removed = change(client, subscription, "remove", line="1", version="1")
    assert removed.status_code == 302, removed.get_data(as_text=True)
    last = change(client, subscription, "remove", line="0", version="2")
    assert last.status_code == 422
    assert "A subscription keeps at least one line" in last.get_data(as_text=True)


def test_a_prorated_decrease_leaves_a_credit_taken_once_off_the_next_invoice(
    client: FlaskClient,
    app: Flask,
    subscription: Subscription,
    merchant: SandboxAccount,
    stripe_sandbox: StripeSandbox,
) -> None:
    assert change(client, subscription, "quantity", line="0", quantity="3").status_code == 302
    today = advance_clock(app, 10)
    credit = prorated(subscription, 6000, 4000, today).difference.amount
    assert credit < 0
    lowered = change(
        client, subscription, "quantity", line="0", quantity="2", timing="prorate", version="1"
    )
    assert lowered.status_code == 302, lowered.get_data(as_text=True)
    assert change_keys(stripe_sandbox, merchant) == []
    assert the_subscription(app).carried_amount == credit
    assert "is credited on the next invoice" in client.get(page(subscription)).get_data(
        as_text=True
    )

    to_day(app, subscription.period_start(1))
    run_billing_task(app)
    run_billing_task(app)  # a rerun takes nothing twice
    renewal = periods_of(app, subscription.id)[1]
    assert invoice_of(app, renewal.invoice_id).total == 4000 + credit
    assert the_subscription(app).carried_amount == 0

    to_day(app, subscription.period_start(2))
    run_billing_task(app)
    following = periods_of(app, subscription.id)[2]
    assert following.status is PeriodStatus.PAID
    assert invoice_of(app, following.invoice_id).total == 4000


def test_a_prorated_charge_without_a_saved_method_is_refused_before_anything_changes(
    client: FlaskClient, app: Flask, subscription: Subscription
) -> None:
    with app.app_context():
        db.session.execute(
            update(Subscription)
            .where(Subscription.id == subscription.id)
            .values(payment_method_id="")
        )
        db.session.commit()
    advance_clock(app, 10)
    refused = change(client, subscription, "quantity", line="0", quantity="3", timing="prorate")
    assert refused.status_code == 422
    assert "no saved payment method to charge the difference" in refused.get_data(as_text=True)
    unchanged = the_subscription(app)
    assert (unchanged.change_count, unchanged.lines[0].quantity) == (0, 1)


def test_two_consumers_making_one_change_at_once_charge_it_once(
    client: FlaskClient,
    app: Flask,
    subscription: Subscription,
    merchant: SandboxAccount,
    stripe_sandbox: StripeSandbox,
) -> None:
    today = advance_clock(app, 5)

    def make_change(_n: int) -> object:
        with app.app_context():
            row = db.session.get_one(Subscription, subscription.id)
            lines = changes.with_quantity(row, 0, 4)
            return changes.change_lines(
                db.session, row, lines, seen_change=0, prorate=True, today=today
            )

    results = in_threads(2, make_change)
    made = [r for r in results if isinstance(r, changes.ChangeOutcome)]
    assert len(made) == 1, results
    assert len(change_keys(stripe_sandbox, merchant)) == 1
    assert the_subscription(app).change_count == 1


def test_an_added_taxed_product_is_billed_with_its_tax_as_the_run_bills_it(
    client: FlaskClient, app: Flask, subscription: Subscription
) -> None:
    assert add_tax_rate(client, "Moms", "25").status_code == 302
    tea = add_product(client, name="Tea club", amount="5.00", tax_rate="1")
    added = change(client, subscription, "add", product=str(tea), quantity="1")
    assert added.status_code == 302, added.get_data(as_text=True)
    changed = the_subscription(app)
    assert (changed.period_amount, changed.tax_amount) == (2625, 125)
    assert changed.lines[1].tax_rate_ids == [1]

    to_day(app, subscription.period_start(1))
    run_billing_task(app)
    renewal = periods_of(app, subscription.id)[1]
    assert renewal.status is PeriodStatus.PAID
    invoice = invoice_of(app, renewal.invoice_id)
    assert invoice.total == 2625
    assert [(line.description, line.unit_amount) for line in invoice.lines] == [
        ("Coffee club", 2000),
        ("Tea club", 500),
        ("Moms (25 %)", 125),
    ]


def test_another_merchants_product_is_refused(
    client: FlaskClient, app: Flask, subscription: Subscription
) -> None:
    other = app.test_client()
    sign_up(other, email="b@example.com", business_name="Merchant B")
    add_currency(other, "EUR")
    theirs = add_product(other, name="Their club")
    refused = change(client, subscription, "add", product=str(theirs), quantity="1")
    assert refused.status_code == 422
    assert "Choose one of the options." in refused.get_data(as_text=True)
    with app.app_context():
        row = db.session.get_one(Subscription, subscription.id)
        with pytest.raises(ServiceError):
            changes.with_product(db.session, row, theirs, 1)
    assert len(the_subscription(app).lines) == 1


class AnswerLost:
    """The connected gateway, but the answer to an off-session charge is lost on its way back
    (Stripe charged; Kassa heard nothing)."""

    def __init__(self, real: PaymentGateway) -> None:
        self.real = real

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)

    def charge_off_session(self, request: OffSessionCharge, key: str) -> object:
        self.real.charge_off_session(request, key)
        raise GatewayError(GatewayFailure.UNAVAILABLE, "the answer was lost")


def test_a_change_charge_stripe_did_not_answer_is_asked_again_under_its_key_once(
    client: FlaskClient,
    app: Flask,
    subscription: Subscription,
    merchant: SandboxAccount,
    stripe_sandbox: StripeSandbox,
) -> None:
    today = advance_clock(app, 10)
    with app.app_context():
        row = db.session.get_one(Subscription, subscription.id)
        outcome = changes.change_lines(
            db.session, row, changes.with_quantity(row, 0, 2), seen_change=0, prorate=True,
            today=today, gateway_for=lambda s, m: AnswerLost(connected_gateway(s, m)),
        )  # fmt: skip
    assert outcome.charge_status is ChangeChargeStatus.CHARGING
    assert len(change_keys(stripe_sandbox, merchant)) == 1
    assert run_billing_task(app).changes_asked == []  # too soon: it may still be on its way
    advance_clock(app, 1)
    assert len(run_billing_task(app).changes_asked) == 1
    assert run_billing_task(app).changes_asked == []
    keys = change_keys(stripe_sandbox, merchant)
    assert len(keys) == 2 and len(set(keys)) == 1  # asked twice under one key: one charge
    with app.app_context():
        [charge] = db.session.scalars(select(SubscriptionChange)).all()
        assert charge.status is ChangeChargeStatus.CHARGED and charge.intent_id
        invoice_id = charge.invoice_id
    assert invoice_of(app, invoice_id).status is InvoiceStatus.PAID
    [payment] = payments_of_invoice(app, invoice_id)
    assert payment.amount == outcome.proration.difference.amount  # type: ignore[union-attr]


# ---------------------------------------------------------------------------------------------
# The next charge date


def test_a_moved_next_charge_is_charged_on_the_new_day_once(
    client: FlaskClient,
    app: Flask,
    subscription: Subscription,
    merchant: SandboxAccount,
    stripe_sandbox: StripeSandbox,
) -> None:
    old_day = subscription.period_start(1)
    new_day = old_day + timedelta(days=10)
    form = page(subscription, "/next-charge")
    moved = post_form(client, form, form, {"on": new_day.isoformat()})
    assert moved.status_code == 302, moved.get_data(as_text=True)
    changed = the_subscription(app)
    assert changed.next_charge_on == new_day
    assert changed.current_period_end == new_day - timedelta(days=1)
    assert changed.period_start(2) == pricing.add_months(new_day, 1)

    to_day(app, old_day)
    assert run_billing_task(app).charged == []
    to_day(app, new_day)
    assert len(run_billing_task(app).charged) == 1
    assert run_billing_task(app).charged == []
    renewal = periods_of(app, subscription.id)[1]
    assert renewal.starts_on == new_day and renewal.status is PeriodStatus.PAID
    assert the_subscription(app).next_charge_on == pricing.add_months(new_day, 1)
    assert len(subscription_charges(stripe_sandbox, merchant)) == 1
    [event] = [e for e in events_of(app, subscription.id) if e.kind == "next_charge_moved"]
    assert event.detail["before"] == old_day.isoformat()
    assert event.detail["after"] == new_day.isoformat()


def test_a_period_the_run_claimed_cannot_be_moved(
    client: FlaskClient, app: Flask, subscription: Subscription
) -> None:
    to_day(app, subscription.period_start(1) - timedelta(days=3))
    with app.app_context():
        row = db.session.get_one(Subscription, subscription.id)
        period = billing.period_row(db.session, row, 1)
        now = scheduler_now(db.session)
        notice = billing.notice_of(row, service.billing_settings(db.session, row.merchant_id))
        billing.notify(db.session, row, period, now, notice)
        assert billing.claim(db.session, period, now)
        db.session.commit()
    form = page(subscription, "/next-charge")
    later = (subscription.period_start(1) + timedelta(days=5)).isoformat()
    refused = post_form(client, form, form, {"on": later})
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "The next charge is being made now" in body and f'value="{later}"' in body
    assert the_subscription(app).next_charge_on == subscription.period_start(1)


def test_a_sepa_debit_cannot_be_moved_inside_its_notice(
    client: FlaskClient, app: Flask, subscription: Subscription
) -> None:
    with app.app_context():
        db.session.execute(
            update(Subscription)
            .where(Subscription.id == subscription.id)
            .values(payment_method_type="sepa_debit")
        )
        db.session.commit()
    form = page(subscription, "/next-charge")
    too_soon = (date.today() + timedelta(days=5)).isoformat()
    refused = post_form(client, form, form, {"on": too_soon})
    assert refused.status_code == 422
    assert "must be told 14 days before this debit" in refused.get_data(as_text=True)
    enough = (date.today() + timedelta(days=14)).isoformat()
    assert post_form(client, form, form, {"on": enough}).status_code == 302


# ---------------------------------------------------------------------------------------------
# The 2-day rule, bad input, the contact, a new method


def test_every_edit_within_2_days_is_refused_unless_overridden(
    client: FlaskClient, app: Flask, subscription: Subscription
) -> None:
    charge_in(app, subscription, 1)
    next_day = (date.today() + timedelta(days=5)).isoformat()
    contact = page(subscription, "/contact")
    next_charge = page(subscription, "/next-charge")
    attempts = [
        lambda override: change(
            client, subscription, "quantity", line="0", quantity="2", **override
        ),
        lambda override: post_form(client, next_charge, next_charge, {"on": next_day, **override}),
        lambda override: post_form(
            client, contact, contact, {"name": "Grace B. Hopper", "email": BUYER, **override}
        ),
    ]
    for attempt in attempts:
        refused = attempt({})
        assert refused.status_code == 422
        assert "The next charge is less than 2 days away." in refused.get_data(as_text=True)
    assert the_subscription(app).lines[0].quantity == 1
    for attempt in attempts:
        assert attempt({"override": "y"}).status_code == 302
    changed = the_subscription(app)
    assert changed.lines[0].quantity == 2 and changed.next_charge_on.isoformat() == next_day
    kinds = {e.kind: e.detail for e in events_of(app, subscription.id)}
    assert kinds["lines_changed"]["override"] is True
    assert kinds["contact_updated"] == {"override": True, "fields": ["name"]}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"quantity": "0"}, "Enter a whole number from 1 to 10000."),
        ({"quantity": "-2"}, "Enter a number of 0 or more."),
        ({"quantity": "10001"}, "Enter a whole number from 1 to 10000."),
        ({"quantity": "1000000000000"}, "Enter a whole number from 1 to 10000."),
        ({"line": "7"}, "Choose one of the options."),
        ({"quantity": "1"}, "That is what the subscription has already"),
        ({"version": "abc"}, "This subscription was changed meanwhile"),
    ],
)
def test_bad_quantities_are_refused_in_words(
    client: FlaskClient,
    app: Flask,
    subscription: Subscription,
    data: dict[str, str],
    message: str,
) -> None:
    posted = {"line": "0", "quantity": "2", **data}
    refused = change(client, subscription, "quantity", **posted)
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert message in body, body
    assert f'value="{posted["quantity"]}"' in body
    assert the_subscription(app).lines[0].quantity == 1
    if "version" not in data:  # the page's other forms still carry the change counter shown
        assert '<input id="add-version" name="version" type="hidden" value="0">' in body


def test_a_product_of_another_currency_schedule_or_merchant_is_refused(
    client: FlaskClient, app: Flask, subscription: Subscription
) -> None:
    yearly = add_product(client, name="Yearly box", interval="year")
    one_time = add_product(client, name="Mug", interval="")
    for product in (yearly, one_time, 999):
        refused = change(client, subscription, "add", product=str(product), quantity="1")
        assert refused.status_code == 422
        assert "Choose one of the options." in refused.get_data(as_text=True)
    with app.app_context():
        row = db.session.get_one(Subscription, subscription.id)
        with pytest.raises(ServiceError):
            changes.with_product(db.session, row, yearly, 1)
    assert len(the_subscription(app).lines) == 1


def test_a_next_charge_in_the_past_or_far_ahead_is_refused(
    client: FlaskClient, app: Flask, subscription: Subscription
) -> None:
    form = page(subscription, "/next-charge")
    for day, message in [
        (date.today() - timedelta(days=1), "Choose a day after today."),
        (date.today(), "Choose a day after today."),
        (date.today() + timedelta(days=400), "Choose a day within a year from today."),
        (subscription.period_start(1), "The next charge is on that day already."),
    ]:
        refused = post_form(client, form, form, {"on": day.isoformat()})
        assert refused.status_code == 422
        body = refused.get_data(as_text=True)
        assert message in body and f'value="{day.isoformat()}"' in body
    assert the_subscription(app).next_charge_on == subscription.period_start(1)


def test_the_contact_is_edited_and_asking_for_a_method_emails_the_portal_link(
    client: FlaskClient, app: Flask, subscription: Subscription, mailbox: Mailbox
) -> None:
    contact = page(subscription, "/contact")
    taken = post_form(client, contact, contact, {"name": "Grace", "email": "not-an-email"})
    assert taken.status_code == 422
    assert "Enter an email address like name@example.com." in taken.get_data(as_text=True)
    saved = post_form(client, contact, contact, {"name": "Amazing Grace", "email": "g@example.com"})
    assert saved.status_code == 302
    shown = client.get(page(subscription)).get_data(as_text=True)
    assert "Amazing Grace" in shown and "g@example.com" in shown

    assert "Ask for a new payment method" in shown
    asked = post_form(client, page(subscription), page(subscription, "/ask-for-method"), {})
    assert asked.status_code == 302
    email = mailbox.wait_for("g@example.com")
    assert "/portal/open/" in email.text
    kinds = [e.kind for e in events_of(app, subscription.id)]
    assert "contact_updated" in kinds and "method_requested" in kinds
