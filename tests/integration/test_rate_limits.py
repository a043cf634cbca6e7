"""Issue #18, finding 5: limits per client address and per account, counted in a store that every
worker shares, answered with 429, ``Retry-After`` and words the person can act on. Each test
sends what the probe sent: many tries, as fast as it can."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app.web import rate_limits
from tests.conftest import PROJECT_ROOT, csrf_token_from
from tests.integration.test_accounts import _probe_sign_up
from tests.integration.test_bad_input import shop_with_mug
from tests.integration.test_checkout import open_as_buyer, shop
from tests.integration.test_checkout_confirmation import at_pay_step
from tests.support.accounts import post_form, sign_up
from tests.support.mailbox import Mailbox
from tests.support.servers import LiveServer, free_port, start_gunicorn
from tests.support.settings import add_discount
from tests.support.stripe_sandbox import StripeSandbox


def amount_of(limit: str) -> int:
    """How many tries a limit such as "10 per hour" lets through."""
    return int(limit.split()[0])


def from_address(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def assert_refused_for_now(response: TestResponse | requests.Response) -> None:
    """429, when to come back, and the page says to wait."""
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 3600
    assert "You have tried this too often. Please wait" in response.text


# Sign-up and password reset


def test_sign_ups_from_one_address_stop_at_the_limit(app: Flask, mailbox: Mailbox) -> None:
    prober = from_address(app, "203.0.113.7")
    allowed = amount_of(rate_limits.SIGN_UP_PER_ADDRESS)
    statuses = [_probe_sign_up(prober, f"shop{n}@example.com").status_code for n in range(allowed)]
    assert statuses == [200] * allowed
    refused = _probe_sign_up(prober, "one-more@example.com")
    assert_refused_for_now(refused)
    assert mailbox.messages("one-more@example.com") == []
    assert _probe_sign_up(from_address(app, "203.0.113.8"), "other@example.com").status_code == 200


def test_emails_to_one_address_stop_at_the_limit_across_sign_up_and_reset(
    app: Flask, mailbox: Mailbox
) -> None:
    """Someone using the forms to flood an inbox, from ever new addresses."""
    sign_up(app.test_client(), email="owner@example.com")  # its confirmation is one email
    mailbox.clear()
    allowed = amount_of(rate_limits.EMAILS_PER_RECIPIENT) - 1
    statuses = []
    for attempt in range(allowed + 1):
        prober = from_address(app, f"198.51.100.{attempt}")
        if attempt % 2:
            response = _probe_sign_up(prober, "Owner@example.com")
        else:
            page = "/password/forgot"
            response = post_form(prober, page, page, {"email": "owner@example.com "})
        statuses.append(response.status_code)
    assert statuses == [200] * allowed + [429]
    assert len(mailbox.messages("owner@example.com")) == allowed


def test_password_reset_requests_from_one_address_stop_at_the_limit(app: Flask) -> None:
    prober = from_address(app, "203.0.113.9")
    page = "/password/forgot"
    allowed = amount_of(rate_limits.RESET_REQUESTS_PER_ADDRESS)
    for n in range(allowed):
        assert post_form(prober, page, page, {"email": f"x{n}@example.com"}).status_code == 200
    refused = post_form(
        prober, page, page, {"email": "last@example.com"}, headers={"Accept-Language": "sv"}
    )
    assert refused.status_code == 429
    assert "För många försök" in refused.text
    assert "Du har försökt för många gånger. Vänta" in refused.text


# Discount codes and the return page


def _guess(
    buyer: FlaskClient, action: str, token: str, code: str, htmx: bool = True
) -> TestResponse:
    headers = {"HX-Request": "true"} if htmx else {}
    return buyer.post(action, data={"csrf_token": token, "code": code}, headers=headers)


def test_guessing_discount_codes_in_a_checkout_stops_at_the_limit(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    shop(client, app, stripe_sandbox)
    add_discount(client, "SPRING25")
    guesser = from_address(app, "203.0.113.20")
    page = open_as_buyer(app, guesser)
    token = csrf_token_from(guesser.get(page).text)
    per_checkout = amount_of(rate_limits.DISCOUNT_CODES_PER_CHECKOUT)
    statuses = [
        _guess(guesser, page + "/discount", token, f"GUESS{n:03}").status_code
        for n in range(per_checkout)
    ]
    assert statuses == [422] * per_checkout

    refused = _guess(guesser, page + "/discount", token, "SPRING25")  # right, but too late
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.headers["HX-Reswap"] == "none"  # the summary stays; the message is shown
    assert 'id="flashes"' in refused.text and 'hx-swap-oob="true"' in refused.text
    assert "You have tried this too often. Please wait" in refused.text
    assert_refused_for_now(_guess(guesser, page + "/discount", token, "SPRING25", htmx=False))

    # New checkouts from the same address add up to the limit per address.
    per_address = amount_of(rate_limits.DISCOUNT_CODES_PER_ADDRESS)
    for _ in range((per_address - per_checkout) // per_checkout):
        other = open_as_buyer(app, from_address(app, "203.0.113.20"))
        for n in range(per_checkout):
            assert _guess(guesser, other + "/discount", token, f"MORE{n:03}").status_code == 422
    last = open_as_buyer(app, from_address(app, "203.0.113.20"))
    assert_refused_for_now(_guess(guesser, last + "/discount", token, "SPRING25", htmx=False))
    # A buyer elsewhere is not held back.
    buyer = from_address(app, "192.0.2.1")
    mine = open_as_buyer(app, buyer)
    applied = _guess(buyer, mine + "/discount", csrf_token_from(buyer.get(mine).text), "SPRING25")
    assert applied.status_code == 200


def test_guessing_discount_codes_in_a_shop_cart_stops_at_the_limit(app: Flask) -> None:
    shop_with_mug(app)
    guesser = from_address(app, "203.0.113.30")
    post_form(guesser, "/s/acme/p/mug", "/s/acme/p/mug/add", {"quantity": "1"})
    token = csrf_token_from(guesser.get("/s/acme/cart").text)
    allowed = amount_of(rate_limits.DISCOUNT_CODES_PER_ADDRESS)
    statuses = {
        _guess(guesser, "/s/acme/cart/discount", token, f"G{n:04}").status_code
        for n in range(allowed)
    }
    assert statuses == {422}
    assert_refused_for_now(_guess(guesser, "/s/acme/cart/discount", token, "X", htmx=False))


def test_reloading_the_return_page_stops_at_the_limit(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    """Each view reads the PaymentIntent from Stripe: a loop on it would spend the merchant's
    Stripe rate limit."""
    shop(client, app, stripe_sandbox)
    buyer = from_address(app, "203.0.113.40")
    page = at_pay_step(app, buyer)
    allowed = amount_of(rate_limits.RETURN_PAGE_PER_CHECKOUT)
    statuses = {buyer.get(page + "/return").status_code for _ in range(allowed)}
    assert 429 not in statuses
    assert_refused_for_now(buyer.get(page + "/return"))
    other = from_address(app, "192.0.2.2")
    assert other.get(at_pay_step(app, other) + "/return").status_code != 429


# Login under gunicorn with several workers


@pytest.fixture(scope="module")
def workers_server(
    app: Flask, app_settings: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """Kassa under gunicorn with two worker processes behind a proxy (the client address is
    X-Forwarded-For), counting in its own shared store."""
    store: Path = tmp_path_factory.mktemp("limits") / "rate-limits.db"
    port = free_port()
    settings = {
        **app_settings,
        "KASSA_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "KASSA_PROXY_FIX": "1",
        "KASSA_LOGIN_RATE_LIMIT": "10 per minute",
        "KASSA_RATELIMIT_STORAGE_URL": f"sqlite:///{store}",
    }
    server = start_gunicorn(PROJECT_ROOT, port, settings, workers=2, threads=4)
    yield server
    server.stop()


def _wrong_password(base_url: str, email: str, address: str) -> requests.Response:
    """One attacker's try, from its own connection: the login form, then a wrong password."""
    with requests.Session() as attacker:
        attacker.headers["X-Forwarded-For"] = address
        form = attacker.get(f"{base_url}/login", timeout=30).text
        return attacker.post(
            f"{base_url}/login",
            data={"csrf_token": csrf_token_from(form), "email": email, "password": "Wr0ng-guess!"},
            timeout=30,
        )


def _at_once(tries: list[tuple[str, str]], base_url: str) -> list[requests.Response]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda t: _wrong_password(base_url, *t), tries))


def test_wrong_passwords_from_one_address_stop_at_the_limit_across_workers(
    workers_server: LiveServer,
) -> None:
    """Password spraying: one address, a different account each time, 20 at once."""
    tries = [(f"user{n}@example.com", "203.0.113.60") for n in range(20)]
    answers = _at_once(tries, workers_server.url)
    assert sorted(r.status_code for r in answers) == [422] * 10 + [429] * 10
    for refused in (r for r in answers if r.status_code == 429):
        assert_refused_for_now(refused)


def test_wrong_passwords_for_one_account_stop_at_the_limit_across_addresses(
    workers_server: LiveServer,
) -> None:
    """Guessing one owner's password from 20 addresses at once."""
    tries = [("Owner@Example.com" if n % 2 else "owner@example.com", f"198.51.100.{n}")
             for n in range(20)]  # fmt: skip
    answers = _at_once(tries, workers_server.url)
    allowed = amount_of(rate_limits.LOGIN_PER_ACCOUNT)
    assert sorted(r.status_code for r in answers) == [422] * allowed + [429] * (20 - allowed)
    for refused in (r for r in answers if r.status_code == 429):
        assert_refused_for_now(refused)
    # Another account, from one of those addresses, may still try.
    assert (
        _wrong_password(workers_server.url, "other@example.com", "198.51.100.1").status_code == 422
    )


def test_posts_to_one_quote_stop_at_the_limit(client: FlaskClient, app: Flask) -> None:
    """Pricing, accepting and paying a quote's address as fast as a script can: the quote's
    own limit holds whatever address they come from, and says how long to wait."""
    from tests.support.quotes import open_quote

    sign_up(client)
    quote_id, token = open_quote(app)
    page = f"/q/{token}"
    per_quote = amount_of(rate_limits.QUOTE_POSTS_PER_QUOTE)
    statuses = []
    for n in range(per_quote):
        prober = from_address(app, f"203.0.113.{100 + n % 2}")
        form = {"revision": str(quote_id), "quantity-1": "99"}
        statuses.append(post_form(prober, page, f"{page}/price", form).status_code)
    assert set(statuses) == {200}
    late = from_address(app, "203.0.113.200")
    refused = post_form(late, page, f"{page}/accept", {"revision": str(quote_id)})
    assert_refused_for_now(refused)
