"""The return page and the pay step when the PaymentIntent waits on the buyer: a US bank account
typed in waits for micro-deposits (the return page says so and links Stripe's verification page),
a 3-D Secure challenge left unanswered lets the buyer pay again. Neither sends the browser from
one page to the other and back."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from app.checkout.models import CheckoutSession
from app.extensions import db
from app.links.models import PaymentLink
from app.processors.access import connected_gateway
from app.processors.gateway import IntentState
from tests.integration.test_checkout import open_as_buyer
from tests.integration.test_payments import connected
from tests.support.accounts import post_form
from tests.support.payments import BILLING, MANDATE_DATA, pay_as_buyer
from tests.support.settings import add_payment_link
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox

TYPED_US_ACCOUNT = {
    "payment_method_data": {
        "type": "us_bank_account",
        "us_bank_account": {
            "routing_number": "110000000",
            "account_number": "000123456789",
            "account_holder_type": "individual",
        },
        "billing_details": BILLING,
    },
    "mandate_data": MANDATE_DATA,
}


def us_shop(
    client: FlaskClient, app: Flask, sandbox: StripeSandbox, **account_options: str
) -> SandboxAccount:
    """A US merchant accepting cards and ACH, with one link of $40."""
    account, _merchant = connected(client, app, sandbox, "US", "usd", **account_options)
    page = "/panel/settings/checkout"
    post_form(client, page, page, {"payment_methods": ["card", "us_bank_account"],
              "billing_address": "off", "shipping_address": "off", "phone": "off"})  # fmt: skip
    assert add_payment_link(client, currency="USD", amount="40").status_code == 302
    return account


def at_pay_step(app: Flask, buyer: FlaskClient) -> tuple[str, IntentState]:
    """The buyer's checkout page and the intent its pay step made."""
    page = open_as_buyer(app, buyer)
    post_form(buyer, page, page + "/details", {"email": "ada@example.com", "name": "Ada"})
    assert buyer.get(page + "/pay").status_code == 200
    with app.app_context():
        checkout = db.session.scalars(select(CheckoutSession)).one()
        assert checkout.payment_intent_id
        gateway = connected_gateway(db.session, checkout.merchant_id)
        return page, gateway.retrieve_payment_intent(checkout.payment_intent_id)


def test_an_ach_account_typed_in_waits_for_micro_deposits_on_the_return_page(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account = us_shop(client, app, stripe_sandbox)
    buyer = app.test_client()
    page, intent = at_pay_step(app, buyer)
    confirmed = pay_as_buyer(stripe_sandbox, account, intent, **TYPED_US_ACCOUNT)
    assert confirmed["next_action"]["type"] == "verify_with_microdeposits"
    hosted = confirmed["next_action"]["verify_with_microdeposits"]["hosted_verification_url"]

    returned = buyer.get(page + "/return")
    body = returned.get_data(as_text=True)
    assert returned.status_code == 200
    assert "Verify your bank account to finish paying" in body and hosted in body
    assert "Nothing has been debited yet" in body and "$40.00" in body
    assert "a 6-character code starting with SM" in body  # Stripe's default verification
    assert "Two small deposits" not in body
    pay = buyer.get(page + "/pay")  # the pay step sends the buyer to the same explanation
    assert pay.status_code == 302 and pay.headers["Location"] == page + "/return"
    with app.app_context():
        assert db.session.scalars(select(CheckoutSession)).one().status == "open"


def test_an_account_sent_two_amounts_is_asked_for_them(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account = us_shop(client, app, stripe_sandbox, microdeposit_type="amounts")
    buyer = app.test_client()
    page, intent = at_pay_step(app, buyer)
    pay_as_buyer(stripe_sandbox, account, intent, **TYPED_US_ACCOUNT)

    body = buyer.get(page + "/return").get_data(as_text=True)
    assert "Two small deposits will reach your account" in body
    assert "with a link to enter their amounts" in body and "starting with SM" not in body


def test_a_three_d_secure_challenge_left_unanswered_lets_the_buyer_pay_again(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account = us_shop(client, app, stripe_sandbox)
    buyer = app.test_client()
    page, intent = at_pay_step(app, buyer)
    confirmed = pay_as_buyer(
        stripe_sandbox, account, intent, payment_method="pm_card_threeDSecure2Required"
    )
    assert confirmed["next_action"]["type"] == "redirect_to_url"

    pay = buyer.get(page + "/pay")  # a reload while the challenge is open
    assert pay.status_code == 200 and 'id="payment-element"' in pay.get_data(as_text=True)
    returned = buyer.get(page + "/return")  # the return address, without an answer
    assert returned.status_code == 302 and returned.headers["Location"] == page + "/pay"
    assert (
        pay_as_buyer(stripe_sandbox, account, intent, payment_method="pm_card_visa")["status"]
        == "succeeded"
    )
    assert "Thank you, your payment went through" in buyer.get(page + "/return").get_data(
        as_text=True
    )


def test_a_paid_buyer_goes_to_the_links_address_only_while_it_is_a_safe_one(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    """The address is checked again when the buyer is sent: one saved before the rules (here
    written straight into the row) gives the receipt instead."""
    account, _merchant = connected(client, app, stripe_sandbox, "SE", "sek")
    added = add_payment_link(client, redirect_url="https://shop.example/thanks")
    assert added.status_code == 302
    buyer = app.test_client()
    page, intent = at_pay_step(app, buyer)
    pay_as_buyer(stripe_sandbox, account, intent, payment_method="pm_card_visa")
    returned = buyer.get(page + "/return")
    assert returned.status_code == 302
    assert returned.headers["Location"] == "https://shop.example/thanks"

    with app.app_context():
        db.session.execute(update(PaymentLink).values(redirect_url="https://me:pw@evil.example/"))
        db.session.commit()
    receipt = buyer.get(page + "/return")
    assert receipt.status_code == 200
    assert "Thank you, your payment went through" in receipt.get_data(as_text=True)
