"""Buyers' tokens and browsers (issue #18, 8 and 9).

One browser opening a link (or going to checkout from its cart) many times at the same moment
gets one checkout. The token in a buyer's address is never stored (a digest finds the checkout)
nor sent to Stripe (payments and the intent's metadata name the checkout by its public id). A
debit that bounces after its buyer opened the link again reopens without a clash, and its email
leads back to it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import stripe
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.checkout.models import CheckoutSession, CheckoutStatus
from app.checkout.service import checkout_by_token
from app.extensions import db
from app.links.models import PaymentLink
from app.payments.models import Payment, PaymentStatus
from app.payments.service import METADATA_CHECKOUT
from tests.conftest import csrf_token_from
from tests.integration.test_checkout_confirmation import (
    at_pay_step,
    confirm_in_browser,
    german_shop,
)
from tests.integration.test_payments import connected, record
from tests.integration.test_storefront_checkout import (
    add,
    connected_shop,
    go_to_checkout,
)
from tests.support.accounts import post_form
from tests.support.link_buyers import start_checkout
from tests.support.mailbox import Mailbox
from tests.support.payments import sepa
from tests.support.settings import add_payment_link
from tests.support.stripe_sandbox import StripeSandbox

AT_ONCE = 20
BUYER = {"email": "ada@example.com", "name": "Ada Buyer"}
FAILING_IBAN = "AT051904300235473205"  # the sandbox's debit that bounces


def link_slugs(app: Flask) -> dict[str, str]:
    with app.app_context():
        return {link.name: link.slug for link in db.session.scalars(select(PaymentLink))}


def at_once(action: Callable[[], str]) -> list[str]:
    """``action`` run by AT_ONCE threads released together; what each returned."""
    start = threading.Barrier(AT_ONCE)
    results: list[str] = []

    def run() -> None:
        start.wait()
        results.append(action())

    threads = [threading.Thread(target=run) for _ in range(AT_ONCE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def open_checkouts(app: Flask) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.scalars(
            select(CheckoutSession).where(CheckoutSession.status == CheckoutStatus.OPEN)
        )
        return sorted((row.document_type, row.document_id) for row in rows)


def test_twenty_simultaneous_first_actions_on_a_link_from_one_browser_give_one_checkout(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    connected(client, app, stripe_sandbox, "SE", "sek")
    assert add_payment_link(client, "Consultation").status_code == 302
    assert add_payment_link(client, "Workshop").status_code == 302
    slugs = link_slugs(app)
    browser = app.test_client()  # one cookie jar, shared by every thread below
    # The browser has been to Kassa before (here: another link), so it holds Kassa's cookie.
    start_checkout(browser, slugs["Consultation"])
    page = f"/l/{slugs['Workshop']}"
    token = csrf_token_from(browser.get(page).get_data(as_text=True))

    opened = at_once(
        lambda: browser.post(page + "/country", data={"csrf_token": token, "country": ""}).headers[
            "Location"
        ]
    )

    assert len(opened) == AT_ONCE and len(set(opened)) == 1, set(opened)
    assert browser.get(page).headers["Location"] == opened[0]
    with app.app_context():
        link_ids = {link.name: str(link.id) for link in db.session.scalars(select(PaymentLink))}
    assert open_checkouts(app) == sorted(
        [("payment_link", link_ids["Consultation"]), ("payment_link", link_ids["Workshop"])]
    )
    another_browser = app.test_client()  # another buyer gets their own
    assert start_checkout(another_browser, slugs["Workshop"]) != opened[0]


def test_twenty_simultaneous_go_to_checkouts_of_one_cart_give_one_checkout(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    connected_shop(client, app, stripe_sandbox)
    browser = app.test_client()
    add(browser, "mug", "2")
    page = "/s/acme/cart"
    form = post_form  # the cart page's form, posted by every thread with the page's token

    def go() -> str:
        return str(form(browser, page, page + "/checkout", {}).headers["Location"])

    opened = at_once(go)

    assert len(set(opened)) == 1 and go_to_checkout(browser) == opened[0]
    assert len(open_checkouts(app)) == 1


def everything_stored(app: Flask) -> str:
    """Every row of every table, as text: what a copy of the database would give away."""
    with app.app_context():
        dump = []
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(select(table)).all()
            dump.extend(repr(tuple(row)) for row in rows)
        return "\n".join(dump)


def test_no_bearer_token_is_stored_or_sent_to_stripe(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account = connected_shop(client, app, stripe_sandbox)
    buyer = app.test_client()
    add(buyer, "mug", "1")
    cart_token = next(
        value
        for key, value in app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
        .loads(buyer.get_cookie("kassa_session").value)  # type: ignore[union-attr]
        .items()
        if key.startswith("cart:")
    )
    page = go_to_checkout(buyer)
    checkout_token = page.rsplit("/", 1)[-1]
    post_form(buyer, page, page + "/details", BUYER)
    assert buyer.get(page + "/pay").status_code == 200
    with app.app_context():
        checkout = checkout_by_token(db.session, checkout_token)
        assert checkout is not None and checkout.payment_intent_id
        reference, intent_id = checkout.public_id, checkout.payment_intent_id
    confirm_in_browser(stripe_sandbox, account, app, page, payment_method="pm_card_visa")
    assert buyer.get(page + "/return").status_code == 200  # the receipt

    stored = everything_stored(app)
    assert checkout_token not in stored and cart_token not in stored
    assert reference in stored  # what is stored instead (and the digests)
    with app.app_context():
        payment = db.session.scalars(select(Payment)).one()
        assert (payment.status, payment.checkout_reference) == (PaymentStatus.SUCCEEDED, reference)
    merchant_stripe = stripe.StripeClient(
        account.secret_key, base_addresses={"api": stripe_sandbox.api_base}
    )
    metadata = merchant_stripe.v1.payment_intents.retrieve(intent_id).to_dict()["metadata"]
    assert metadata[METADATA_CHECKOUT] == reference
    assert not any(checkout_token in value or cart_token in value for value in metadata.values())


def test_a_bounced_debit_reopens_its_checkout_beside_a_newer_one_and_its_email_leads_back(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    """The buyer paid by SEPA, then opened the link again (a new checkout, open) before the
    debit bounced: the first checkout opens again without clashing with the browser's newer
    one, the bounce email's link leads to it, and the browser still resumes the newer one."""
    account = german_shop(client, app, stripe_sandbox)
    buyer = app.test_client()
    first = at_pay_step(app, buyer)
    chosen = post_form(buyer, first + "/pay", first + "/pay/method", {"method": "sepa_debit"})
    assert chosen.status_code == 302
    confirm_in_browser(stripe_sandbox, account, app, first, **sepa(FAILING_IBAN))
    assert "being processed" in buyer.get(first + "/return").get_data(as_text=True)
    slug = link_slugs(app)["Consultation"]
    second = start_checkout(buyer, slug)  # the page again, and a new checkout
    assert second != first

    stripe_sandbox.control("POST", "/_sandbox/advance")
    with app.app_context():
        payment = db.session.scalars(select(Payment)).one()
        merchant, intent_id = payment.merchant_id, payment.intent_id
    assert record(app, merchant, intent_id).status is PaymentStatus.FAILED  # as a webhook does

    bounced = mailbox.wait_for(
        "ada@example.com", subject="Your payment to Acme AB did not go through"
    )
    assert f"http://localhost{first}/pay" in bounced.text
    assert "There were not enough funds" in buyer.get(first + "/pay").get_data(as_text=True)
    assert buyer.get(f"/l/{slug}").headers["Location"] == second
    with app.app_context():
        for page, browser_kept in ((first, False), (second, True)):
            checkout = checkout_by_token(db.session, page.rsplit("/", 1)[-1])
            assert checkout is not None and checkout.status is CheckoutStatus.OPEN
            assert (checkout.browser_key is not None) is browser_kept


def test_an_intent_made_before_the_upgrade_gets_the_reference_instead_of_the_token(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    """Intents made by an older Kassa carry the buyer's token in their metadata: the next pay
    step replaces it with the checkout's public id (while the intent can still be paid)."""
    account = connected_shop(client, app, stripe_sandbox)
    buyer = app.test_client()
    add(buyer, "mug", "1")
    page = go_to_checkout(buyer)
    post_form(buyer, page, page + "/details", BUYER)
    assert buyer.get(page + "/pay").status_code == 200
    token = page.rsplit("/", 1)[-1]
    with app.app_context():
        checkout = checkout_by_token(db.session, token)
        assert checkout is not None and checkout.payment_intent_id
        reference, intent_id = checkout.public_id, checkout.payment_intent_id
    merchant_stripe = stripe.StripeClient(
        account.secret_key, base_addresses={"api": stripe_sandbox.api_base}
    )
    merchant_stripe.v1.payment_intents.update(
        intent_id, params={"metadata": {METADATA_CHECKOUT: token}}
    )  # as an older Kassa left it

    assert buyer.get(page + "/pay").status_code == 200

    metadata = merchant_stripe.v1.payment_intents.retrieve(intent_id).to_dict()["metadata"]
    assert metadata[METADATA_CHECKOUT] == reference
