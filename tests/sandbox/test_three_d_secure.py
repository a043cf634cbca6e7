"""3-D Secure: the sandbox's challenge page, driven with plain HTTP like a browser would."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import stripe

from .conftest import Account, http
from .helpers import card_payment, off_session_card_payment, post_form

RETURN_URL = "https://shop.example/pay/return?order=42"


def _needs_authentication(
    account: Account, card: str = "pm_card_authenticationRequired", **extra: Any
) -> Any:
    intent = card_payment(account, card, amount=4200, return_url=RETURN_URL, **extra)
    assert intent.status == "requires_action"
    assert intent.next_action.redirect_to_url.return_url == RETURN_URL
    return intent


def _press(url: str, button: str) -> tuple[int, dict[str, str]]:
    status, headers, _ = post_form(url, f"action={button}".encode())
    return status, headers


def _declined_off_session(account: Account, card: str) -> stripe.CardError:
    """Save ``card`` for a customer, then charge it off-session: the error it ends in."""
    customer = account.client.v1.customers.create()
    method = account.client.v1.payment_methods.attach(card, params={"customer": customer.id})
    with pytest.raises(stripe.CardError) as caught:
        off_session_card_payment(account, customer.id, method.id)
    return caught.value


def test_challenge_page_has_stripes_buttons(account: Account) -> None:
    intent = _needs_authentication(account)
    status, headers, body = http("GET", intent.next_action.redirect_to_url.url)
    assert status == 200
    page = body.decode()
    assert 'id="test-source-authorize-3ds"' in page
    assert 'id="test-source-fail-3ds"' in page
    assert ">Complete<" in page and ">Fail<" in page
    assert "X-Frame-Options" not in headers, "the Stripe.js stand-in may frame it"


def test_complete_succeeds_and_redirects_like_stripe(account: Account) -> None:
    intent = _needs_authentication(account)
    status, headers = _press(intent.next_action.redirect_to_url.url, "complete")
    assert status == 302
    location = urlsplit(headers["Location"])
    assert location.netloc == "shop.example" and location.path == "/pay/return"
    query = parse_qs(location.query)
    assert query == {
        "order": ["42"],
        "payment_intent": [intent.id],
        "payment_intent_client_secret": [intent.client_secret],
        "redirect_status": ["succeeded"],
    }
    paid = account.client.v1.payment_intents.retrieve(
        intent.id, params={"expand": ["latest_charge"]}
    )
    assert paid.status == "succeeded"
    assert paid.latest_charge.payment_method_details.card.three_d_secure.result == "authenticated"
    types = {event.type for event in account.client.v1.events.list().data}
    assert {
        "payment_intent.requires_action",
        "charge.succeeded",
        "payment_intent.succeeded",
    } <= types


def test_a_challenge_answered_in_stripe_js_dialog_stays_on_the_sandbox(account: Account) -> None:
    """The dialog frames the page: the merchant's return page, which refuses to be framed, is
    never loaded in it; the dialog reads the answered intent and closes."""
    intent = _needs_authentication(account)
    status, headers = _press(intent.next_action.redirect_to_url.url + "?dialog=1", "complete")
    assert status == 200 and "Location" not in headers
    paid = account.client.v1.payment_intents.retrieve(intent.id)
    assert paid.status == "succeeded"


def test_fail_leaves_the_payment_unpaid(account: Account) -> None:
    intent = _needs_authentication(account)
    status, headers = _press(intent.next_action.redirect_to_url.url, "fail")
    assert status == 302
    assert parse_qs(urlsplit(headers["Location"]).query)["redirect_status"] == ["failed"]
    failed = account.client.v1.payment_intents.retrieve(intent.id)
    assert failed.status == "requires_payment_method"
    assert failed.last_payment_error.code == "payment_intent_authentication_failure"
    assert failed.latest_charge is None
    again, _ = _press(intent.next_action.redirect_to_url.url, "complete")
    assert again == 409, "a finished challenge cannot be replayed"


def test_always_authenticate_card_fails_off_session(account: Account) -> None:
    error = _declined_off_session(account, "pm_card_authenticationRequired")
    assert error.code == "authentication_required"
    assert error.error.payment_intent.status == "requires_payment_method"


def test_card_set_up_with_3ds_then_pays_off_session(account: Account) -> None:
    customer = account.client.v1.customers.create()
    setup = account.client.v1.setup_intents.create(
        params={
            "customer": customer.id,
            "payment_method_types": ["card"],
            "payment_method": "pm_card_authenticationRequiredOnSetup",
            "confirm": True,
            "return_url": RETURN_URL,
        }
    )
    assert setup.status == "requires_action"
    status, headers = _press(setup.next_action.redirect_to_url.url, "complete")
    query = parse_qs(urlsplit(headers["Location"]).query)
    assert status == 302
    assert query["setup_intent"] == [setup.id]
    assert query["setup_intent_client_secret"] == [setup.client_secret]
    assert query["redirect_status"] == ["succeeded"]
    done = account.client.v1.setup_intents.retrieve(setup.id)
    assert done.status == "succeeded"
    off_session = off_session_card_payment(account, customer.id, done.payment_method)
    assert off_session.status == "succeeded"


def test_setup_card_not_set_up_needs_authentication_off_session(account: Account) -> None:
    error = _declined_off_session(account, "pm_card_authenticationRequiredOnSetup")
    assert error.code == "authentication_required"


def test_page_without_return_url_says_done(account: Account) -> None:
    intent = card_payment(account, "pm_card_threeDSecure2Required", amount=4200)
    url = intent.next_action.redirect_to_url.url
    status, _, body = post_form(url, b"action=complete")
    assert status == 200
    assert "succeeded" in body.decode()
    assert http("GET", url.rsplit("/", 1)[0] + "/pi_doesnotexist")[0] == 404
