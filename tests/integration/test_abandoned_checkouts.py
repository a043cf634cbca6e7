"""Abandoned checkouts are cleaned up: an open checkout nobody changed for the configured days
is deleted; one whose PaymentIntent never left ``requires_payment_method`` has it cancelled at
Stripe (the sandbox) and its payment recorded as canceled first. A paid checkout, or one whose
intent is anywhere else, is never touched."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from app.checkout.cleanup import clean_abandoned
from app.checkout.models import CheckoutSession, CheckoutStatus
from app.checkout.tasks import clean_abandoned_checkouts
from app.config import Settings
from app.core.clock import utcnow
from app.extensions import db
from app.payments.models import Payment, PaymentStatus
from tests.integration.test_checkout import open_as_buyer
from tests.integration.test_checkout_confirmation import (
    at_pay_step,
    confirm_in_browser,
    german_shop,
    intent_of,
    stripe_intent,
    swedish_shop,
)
from tests.support.accounts import post_form
from tests.support.payments import sepa
from tests.support.stripe_sandbox import StripeSandbox

CLEARING_IBAN = "AT611904300234573201"  # a debit that clears, processing until then


def age(app: Flask, page: str, days: int) -> None:
    """Nothing changed the buyer's checkout for ``days`` days."""
    token = page.rsplit("/", 1)[-1]
    with app.app_context():
        checkout = next(
            row for row in db.session.scalars(select(CheckoutSession)) if row.token == token
        )
        db.session.execute(
            update(CheckoutSession)
            .where(CheckoutSession.id == checkout.id)
            .values(updated_at=utcnow() - timedelta(days=days))
        )
        db.session.commit()


def remaining(app: Flask) -> list[str]:
    with app.app_context():
        return sorted(row.token for row in db.session.scalars(select(CheckoutSession)))


def clean(app: Flask) -> int:
    with app.app_context():
        return clean_abandoned_checkouts.call_local()


def test_old_open_checkouts_without_an_intent_go_and_recent_ones_stay(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    swedish_shop(client, app, stripe_sandbox)
    old, recent = open_as_buyer(app, app.test_client()), open_as_buyer(app, app.test_client())
    age(app, old, 31)
    age(app, recent, 29)
    assert clean(app) == 1
    assert remaining(app) == [recent.rsplit("/", 1)[-1]]
    assert clean(app) == 0  # nothing left to do


def test_the_age_is_a_setting(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    assert Settings.load({}).abandoned_checkout_days == 30
    assert Settings.load({"KASSA_ABANDONED_CHECKOUT_DAYS": "7"}).abandoned_checkout_days == 7
    swedish_shop(client, app, stripe_sandbox)
    page = open_as_buyer(app, app.test_client())
    age(app, page, 8)
    with app.app_context():
        assert clean_abandoned(db.session, utcnow(), timedelta(days=7)).deleted == 1
        db.session.commit()
    assert remaining(app) == []


def test_an_intent_never_paid_is_cancelled_at_stripe_then_the_checkout_goes(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account = swedish_shop(client, app, stripe_sandbox)
    page = at_pay_step(app, app.test_client())
    intent_id = intent_of(app, page)
    age(app, page, 40)
    assert clean(app) == 1
    assert remaining(app) == []
    assert stripe_intent(stripe_sandbox, account, intent_id)["status"] == "canceled"
    with app.app_context():
        payment = db.session.scalars(select(Payment)).one()
        assert (payment.intent_id, payment.status) == (intent_id, PaymentStatus.CANCELED)


def test_a_declined_attempt_leaves_the_intent_never_paid_so_it_is_cancelled_too(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account = swedish_shop(client, app, stripe_sandbox)
    page = at_pay_step(app, app.test_client())
    confirm_in_browser(stripe_sandbox, account, app, page, payment_method="pm_card_chargeDeclined")
    intent_id = intent_of(app, page)
    assert stripe_intent(stripe_sandbox, account, intent_id)["status"] == NEVER_PAID
    age(app, page, 40)
    assert clean(app) == 1
    assert stripe_intent(stripe_sandbox, account, intent_id)["status"] == "canceled"


NEVER_PAID = "requires_payment_method"


def test_a_paid_checkout_and_an_intent_in_any_other_state_are_never_touched(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account = german_shop(client, app, stripe_sandbox)
    paid = at_pay_step(app, app.test_client(), "paid@example.com")
    confirm_in_browser(stripe_sandbox, account, app, paid, payment_method="pm_card_visa")
    app.test_client().get(paid + "/return")
    clearing_buyer = app.test_client()
    clearing = at_pay_step(app, clearing_buyer, "clearing@example.com")
    chosen = {"method": "sepa_debit"}  # the debit's amount, without the card fee
    post_form(clearing_buyer, clearing + "/pay", clearing + "/pay/method", chosen)
    confirm_in_browser(stripe_sandbox, account, app, clearing, **sepa(CLEARING_IBAN))
    app.test_client().get(clearing + "/return")
    three_ds = at_pay_step(app, app.test_client(), "challenged@example.com")
    confirm_in_browser(
        stripe_sandbox, account, app, three_ds, payment_method="pm_card_threeDSecure2Required"
    )
    intents = {page: intent_of(app, page) for page in (paid, clearing, three_ds)}
    before = {
        page: stripe_intent(stripe_sandbox, account, intent)["status"]
        for page, intent in intents.items()
    }
    assert before == {paid: "succeeded", clearing: "processing", three_ds: "requires_action"}
    for page in intents:
        age(app, page, 400)
    with app.app_context():
        rows = db.session.execute(select(CheckoutSession.payment_intent_id, CheckoutSession.status))
        statuses = {intent_id: status for intent_id, status in rows}
    assert statuses[intents[paid]] is CheckoutStatus.PAID
    assert statuses[intents[clearing]] is CheckoutStatus.PROCESSING
    assert statuses[intents[three_ds]] is CheckoutStatus.OPEN

    assert clean(app) == 0
    assert len(remaining(app)) == 3
    after = {
        page: stripe_intent(stripe_sandbox, account, intent)["status"]
        for page, intent in intents.items()
    }
    assert after == before
