"""The checkout charges exactly what it shows, once, and every payment ends recorded.

Each test is one finding of the review, met as the buyer or merchant meets it: a 3-D Secure
challenge left open and then a larger order; a method's surcharge dodged by paying with another
method; a code's last use taken twice; a link paid again from the same browser; a link's limit
oversold by buyers paying at once; an idempotency key that must stay unique when a commit
fails after Stripe answered.
"""

from __future__ import annotations

import re
import threading

import requests
import stripe
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.checkout import service
from app.checkout.documents import document_of
from app.checkout.models import CheckoutSession
from app.core.clock import utcnow
from app.extensions import db
from app.links.models import PaymentLink
from app.payments.models import Payment, PaymentStatus
from app.settings.models import Discount
from tests.integration.test_checkout import open_as_buyer, the_link
from tests.integration.test_payments import connected
from tests.support.accounts import post_form
from tests.support.mailbox import Mailbox
from tests.support.payments import confirm_as_browser, event_kinds, refunds_of
from tests.support.settings import add_discount, add_fee, add_payment_link
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox

BUYER = {"email": "ada@example.com", "name": "Ada"}
HTMX = {"HX-Request": "true"}


def swedish_shop(
    client: FlaskClient, app: Flask, sandbox: StripeSandbox, **link: str
) -> SandboxAccount:
    account, _merchant = connected(client, app, sandbox, "SE", "sek")
    assert add_payment_link(client, **link).status_code == 302
    return account


def german_shop(client: FlaskClient, app: Flask, sandbox: StripeSandbox) -> SandboxAccount:
    """A German merchant taking cards (with a 2 % card fee) and SEPA, one link of EUR 500."""
    account, _merchant = connected(client, app, sandbox, "DE", "eur")
    page = "/panel/settings/checkout"
    post_form(client, page, page, {"payment_methods": ["card", "sepa_debit"],
              "billing_address": "off", "shipping_address": "off", "phone": "off"})  # fmt: skip
    assert add_fee(client, "Card fee", fixed_currency="EUR", percent="2").status_code == 302
    assert add_payment_link(client, currency="EUR").status_code == 302
    return account


def at_pay_step(app: Flask, buyer: FlaskClient, email: str = "ada@example.com") -> str:
    page = open_as_buyer(app, buyer)
    post_form(buyer, page, page + "/details", {"email": email, "name": "Ada"})
    assert buyer.get(page + "/pay").status_code == 200
    return page


def checkout_of(app: Flask, page: str) -> CheckoutSession:
    with app.app_context():
        checkout = service.checkout_by_token(db.session, page.rsplit("/", 1)[-1])
        assert checkout is not None
        db.session.expunge(checkout)
        return checkout


def intent_of(app: Flask, page: str) -> str:
    """The id of the intent the buyer's pay page holds."""
    checkout = checkout_of(app, page)
    assert checkout.payment_intent_id
    return checkout.payment_intent_id


def stripe_intent(sandbox: StripeSandbox, account: SandboxAccount, intent_id: str) -> dict:
    merchant_stripe = stripe.StripeClient(
        account.secret_key, base_addresses={"api": sandbox.api_base}
    )
    return merchant_stripe.v1.payment_intents.retrieve(intent_id).to_dict()


def confirm_in_browser(
    sandbox: StripeSandbox, account: SandboxAccount, app: Flask, page: str, **params: object
) -> dict:
    """``stripe.confirmPayment`` as the pay page's script calls it, with the page's secret."""
    intent = stripe_intent(sandbox, account, intent_of(app, page))
    return confirm_as_browser(sandbox, account, intent["id"], intent["client_secret"], **params)


def payments(app: Flask) -> list[Payment]:
    with app.app_context():
        rows = list(db.session.scalars(select(Payment).order_by(Payment.id)))
        db.session.expunge_all()
        return rows


def pay_button(body: str) -> str:
    match = re.search(r">(Pay [^<]+)</button>", body)
    assert match, body
    return match.group(1)


# 1. An intent waiting for 3-D Secure is kept at the amount shown.


def test_a_larger_order_after_an_abandoned_challenge_is_charged_what_the_button_says(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account = swedish_shop(client, app, stripe_sandbox, adjustable_quantity="y", max_quantity="3")
    buyer = app.test_client()
    page = at_pay_step(app, buyer)
    challenged = confirm_in_browser(
        stripe_sandbox, account, app, page, payment_method="pm_card_threeDSecure2Required"
    )
    assert challenged["status"] == "requires_action"
    challenge_page = challenged["next_action"]["redirect_to_url"]["url"]

    line = str(the_link(app).lines[0].id)  # the buyer goes back and takes three seats
    post_form(buyer, page, page + "/quantity", {"line": line, "quantity": "3"}, headers=HTMX)
    assert pay_button(buyer.get(page + "/pay").get_data(as_text=True)) == "Pay SEK1,500.00"
    assert stripe_intent(stripe_sandbox, account, intent_of(app, page))["amount"] == 150000

    # The challenge for the old amount can no longer authorise anything.
    assert requests.post(challenge_page, data={"action": "complete"}, timeout=10).status_code == 409
    paid = confirm_in_browser(stripe_sandbox, account, app, page, payment_method="pm_card_visa")
    assert paid["status"] == "succeeded" and paid["amount_received"] == 150000
    receipt = buyer.get(page + "/return").get_data(as_text=True)
    assert "Thank you, your payment went through" in receipt and "SEK1,500.00" in receipt
    [payment] = payments(app)
    assert (payment.amount, payment.status, payment.rejection) == (
        150000, PaymentStatus.SUCCEEDED, None,
    )  # fmt: skip


# 2. The method that paid decides the price.


def test_paying_with_a_method_that_costs_more_than_the_one_priced_is_refunded(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account = german_shop(client, app, stripe_sandbox)
    buyer = app.test_client()
    page = at_pay_step(app, buyer)
    post_form(buyer, page + "/pay", page + "/pay/method", {"method": "sepa_debit"}, headers=HTMX)
    assert stripe_intent(stripe_sandbox, account, intent_of(app, page))["amount"] == 50000

    # The page was priced for SEPA (no fee); a script skips reporting and pays by card (2 %).
    paid = confirm_in_browser(stripe_sandbox, account, app, page, payment_method="pm_card_visa")
    assert paid["status"] == "succeeded" and paid["amount_received"] == 50000
    returned = buyer.get(page + "/return").get_data(as_text=True)
    assert "Your payment could not be accepted" in returned
    assert "did not match the total for the payment method used" in returned
    [payment] = payments(app)
    assert payment.rejection == "amount_mismatch"
    assert payment.status is PaymentStatus.REFUNDED and payment.amount_refunded == 50000
    assert "rejection_refunded" in event_kinds(app, payment.id)
    assert [r.amount for r in refunds_of(stripe_sandbox, account, payment.intent_id)] == [50000]
    assert mailbox.wait_for("ada@example.com", subject="is being refunded")
    assert mailbox.wait_for("owner@example.com", subject="refused and refunded")

    # The buyer pays again from the same checkout, by card at the card's price this time.
    assert checkout_of(app, page).status == "open"
    assert pay_button(buyer.get(page + "/pay").get_data(as_text=True)) == "Pay €500.00"  # SEPA
    post_form(buyer, page + "/pay", page + "/pay/method", {"method": "card"}, headers=HTMX)
    assert pay_button(buyer.get(page + "/pay").get_data(as_text=True)) == "Pay €510.00"
    paid = confirm_in_browser(stripe_sandbox, account, app, page, payment_method="pm_card_visa")
    assert paid["amount_received"] == 51000
    assert "Thank you" in buyer.get(page + "/return").get_data(as_text=True)
    assert [(p.amount, p.status, p.rejection) for p in payments(app)] == [
        (50000, PaymentStatus.REFUNDED, "amount_mismatch"),
        (51000, PaymentStatus.SUCCEEDED, None),
    ]


def test_paying_with_the_method_priced_is_accepted(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    """The check is not a blanket refusal: a card priced as a card goes through."""
    account = german_shop(client, app, stripe_sandbox)
    buyer = app.test_client()
    page = at_pay_step(app, buyer)
    post_form(buyer, page + "/pay", page + "/pay/method", {"method": "card"}, headers=HTMX)
    confirm_in_browser(stripe_sandbox, account, app, page, payment_method="pm_card_visa")
    assert "Thank you" in buyer.get(page + "/return").get_data(as_text=True)
    [payment] = payments(app)
    assert (payment.amount, payment.rejection, payment.method_type) == (51000, None, "card")


# 3. A code's uses are claimed when a payment is confirmed.


def test_a_code_limited_to_one_use_gives_its_discount_once(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account = swedish_shop(client, app, stripe_sandbox)
    add_discount(client, "ONCE", max_redemptions="1")
    pages = []
    for email in ("ada@example.com", "bo@example.com", "cy@example.com"):
        buyer = app.test_client()
        page = open_as_buyer(app, buyer)
        post_form(buyer, page, page + "/discount", {"code": "once"}, headers=HTMX)
        post_form(buyer, page, page + "/details", {"email": email, "name": "Buyer"})
        assert pay_button(buyer.get(page + "/pay").get_data(as_text=True)) == "Pay SEK375.00"
        pages.append((buyer, page))
    returns = []
    for buyer, page in pages:  # all three pay the discounted price
        paid = confirm_in_browser(stripe_sandbox, account, app, page, payment_method="pm_card_visa")
        returns.append(f"{page}/return?payment_intent={paid['id']}")
        buyer.get(returns[-1])
    assert [(p.status, p.rejection) for p in payments(app)] == [
        (PaymentStatus.SUCCEEDED, None),
        (PaymentStatus.REFUNDED, "discount_used_up"),
        (PaymentStatus.REFUNDED, "discount_used_up"),
    ]
    with app.app_context():
        assert db.session.scalars(select(Discount.redemption_count)).one() == 1
    late, page = pages[2]
    body = late.get(returns[2]).get_data(as_text=True)  # a reload of the return page
    assert "used up by another buyer" in body
    refused = post_form(late, page, page + "/discount", {"code": "once"}, headers=HTMX)
    assert "This code does not work here." in refused.get_data(as_text=True)


# 5. A new visit after paying is a new purchase.


def test_the_same_browser_pays_a_link_twice(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account = swedish_shop(client, app, stripe_sandbox)
    buyer = app.test_client()
    first = at_pay_step(app, buyer)
    confirm_in_browser(stripe_sandbox, account, app, first, payment_method="pm_card_visa")
    assert "Thank you" in buyer.get(first + "/return").get_data(as_text=True)

    second = open_as_buyer(app, buyer)
    assert second != first
    assert "Thank you" not in buyer.get(second).get_data(as_text=True)
    post_form(buyer, second, second + "/details", BUYER)
    assert pay_button(buyer.get(second + "/pay").get_data(as_text=True)) == "Pay SEK500.00"
    confirm_in_browser(stripe_sandbox, account, app, second, payment_method="pm_card_visa")
    assert "Thank you" in buyer.get(second + "/return").get_data(as_text=True)
    assert [(p.status, p.rejection) for p in payments(app)] == [
        (PaymentStatus.SUCCEEDED, None), (PaymentStatus.SUCCEEDED, None),
    ]  # fmt: skip
    # The paid checkout takes no more changes: the buyer is sent to where it stands.
    changed = post_form(buyer, first, first + "/discount", {"code": "x"})
    assert changed.status_code == 302 and changed.headers["Location"].endswith("/return")


# 6. A link's limit holds when buyers pay at once.


def test_a_link_limited_to_one_payment_is_not_oversold_by_buyers_paying_at_once(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account = swedish_shop(client, app, stripe_sandbox, payment_limit="1")
    pages = []
    for email in ("ada@example.com", "bo@example.com", "cy@example.com"):
        buyer = app.test_client()
        pages.append((buyer, at_pay_step(app, buyer, email)))
    for _buyer, page in pages:  # all three confirm at Stripe before any comes back
        confirm_in_browser(stripe_sandbox, account, app, page, payment_method="pm_card_visa")

    outcomes: list[str] = []

    def come_back(buyer: FlaskClient, page: str) -> None:
        outcomes.append(buyer.get(page + "/return").get_data(as_text=True))

    threads = [threading.Thread(target=come_back, args=pair) for pair in pages]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum("Thank you, your payment went through" in body for body in outcomes) == 1
    assert sum("sold out while you were paying" in body for body in outcomes) == 2
    rows = payments(app)
    assert sorted((p.status, p.rejection or "") for p in rows) == [
        (PaymentStatus.REFUNDED, "limit_reached"),
        (PaymentStatus.REFUNDED, "limit_reached"),
        (PaymentStatus.SUCCEEDED, ""),
    ]
    with app.app_context():
        assert db.session.scalars(select(PaymentLink.paid_count)).one() == 1
    later = app.test_client().get(f"/l/{the_link(app).slug}").get_data(as_text=True)
    assert "already been paid as many times as the seller allows" in later


def test_a_refunded_duplicate_does_not_use_up_a_links_limit(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    """Two tabs of one checkout both pay: the second is a duplicate, refunded, and the link
    (limited to two payments) still takes another buyer."""
    account = swedish_shop(client, app, stripe_sandbox, payment_limit="2")
    buyer = app.test_client()
    page = at_pay_step(app, buyer)
    first_intent = stripe_intent(stripe_sandbox, account, intent_of(app, page))
    confirm_in_browser(stripe_sandbox, account, app, page, payment_method="pm_card_visa")
    buyer.get(page + "/return")
    with app.app_context():  # a second intent for the same checkout (a tab opened before)
        checkout = db.session.scalars(select(CheckoutSession)).one()
        checkout.payment_intent_id = None
        checkout.status = "open"
        db.session.commit()
    assert buyer.get(page + "/pay").status_code == 200
    assert intent_of(app, page) != first_intent["id"]
    confirm_in_browser(stripe_sandbox, account, app, page, payment_method="pm_card_visa")
    buyer.get(page + "/return")
    assert [(p.status, p.rejection) for p in payments(app)] == [
        (PaymentStatus.SUCCEEDED, None), (PaymentStatus.REFUNDED, "duplicate"),
    ]  # fmt: skip
    other = app.test_client()  # the link's page still takes a new buyer
    assert 'id="details"' in other.get(f"/l/{the_link(app).slug}").get_data(as_text=True)


# 9. Idempotency keys stay unique when a commit fails after Stripe answered.


def test_a_failed_commit_after_an_update_never_reuses_its_idempotency_key(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account = swedish_shop(client, app, stripe_sandbox, adjustable_quantity="y", max_quantity="3")
    buyer = app.test_client()
    page = at_pay_step(app, buyer)
    token = page.rsplit("/", 1)[-1]
    with app.app_context():
        checkout = service.checkout_by_token(db.session, token)
        assert checkout is not None
        document = document_of(db.session, checkout)
        line = document.lines[0]
        service.set_quantity(checkout, line, 2)
        service.prepare_intent(db.session, checkout, document, utcnow().date())
        db.session.rollback()  # Stripe updated the intent, then the request's commit failed
    # The next change updates the intent to another amount: had the failed call's key been
    # used again, Stripe would refuse it (an idempotency error) and the buyer could not pay.
    line_id = str(the_link(app).lines[0].id)
    changed = post_form(buyer, page, page + "/quantity", {"line": line_id, "quantity": "3"})
    assert changed.status_code == 302
    assert pay_button(buyer.get(page + "/pay").get_data(as_text=True)) == "Pay SEK1,500.00"
    assert stripe_intent(stripe_sandbox, account, intent_of(app, page))["amount"] == 150000


# Stripe's largest charge.


def test_a_total_above_stripes_maximum_is_refused_with_its_own_message(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account = swedish_shop(client, app, stripe_sandbox, amount="600000",
                           adjustable_quantity="y", max_quantity="3")  # fmt: skip
    buyer = app.test_client()
    page = open_as_buyer(app, buyer)  # SEK 600,000 a unit: one charge takes one, not two
    line = str(the_link(app).lines[0].id)
    post_form(buyer, page, page + "/quantity", {"line": line, "quantity": "2"})
    post_form(buyer, page, page + "/details", BUYER)
    assert "above the largest amount we can take in one payment" in buyer.get(page).get_data(
        as_text=True
    )
    pay = buyer.get(page + "/pay")  # never sent to Stripe: back to the page with the reason
    assert pay.status_code == 302 and pay.headers["Location"] == page
    assert "above the largest amount" in buyer.get(page).get_data(as_text=True)
    assert checkout_of(app, page).payment_intent_id is None

    post_form(buyer, page, page + "/quantity", {"line": line, "quantity": "1"})
    assert pay_button(buyer.get(page + "/pay").get_data(as_text=True)) == "Pay SEK600,000.00"
    # While paying, a change that would go above the maximum is refused beside the field and
    # the intent keeps the amount on the button.
    refused = post_form(buyer, page + "/pay", page + "/quantity", {"line": line, "quantity": "2"})
    assert refused.status_code == 422
    assert "above the largest amount" in refused.get_data(as_text=True)
    assert stripe_intent(stripe_sandbox, account, intent_of(app, page))["amount"] == 60000000


def test_tabs_checking_the_total_at_the_same_moment_all_get_an_answer(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    """Each tab's Pay click first checks the total (the ready check records the intent): tabs
    clicking at once must all get the summary, not a server error from the version check."""
    german_shop(client, app, stripe_sandbox)
    buyer = app.test_client()
    page = at_pay_step(app, buyer)
    tabs = 6
    start = threading.Barrier(tabs)
    answers: list[int] = []

    def ready_check(method: str) -> None:
        tab = app.test_client()
        start.wait()
        answers.append(post_form(tab, page + "/pay", page + "/pay/method",
                                 {"method": method}, headers=HTMX).status_code)  # fmt: skip

    threads = [
        threading.Thread(target=ready_check, args=("card" if n % 2 else "sepa_debit",))
        for n in range(tabs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == [200] * tabs
    assert [p.intent_id for p in payments(app)] == [intent_of(app, page)]
