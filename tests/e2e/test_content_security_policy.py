"""Kassa's Content Security Policy lets Stripe.js and the Payment Element do everything a buyer
needs, and nothing reports a violation on any buyer page: a payment link's checkout, its details,
the pay step showing each method (card and its 3-D Secure challenge, SEPA, ACH with its bank
linking frame, Bacs with its confirmation), every kind of return page, and the shop, a product,
the cart and the shop's checkout. The stand-in behaves as Stripe.js does here (frames styled by
style attributes), so the same policy holds for Stripe's own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.support.checkout import (
    BANK_LINKING_FRAME,
    CHALLENGE_FRAME,
    PAYMENT_FRAME,
    SLOW,
    Shop,
    enter_details,
    fill_card,
    link_us_bank_account,
    open_shop,
    paid,
    pay_button,
    pay_by_bacs,
    pay_by_card,
)
from tests.support.csp import PolicyWatch, watch_policy
from tests.support.payments import wait_until
from tests.support.storefront import open_product
from tests.support.storefront import open_shop as open_storefront
from tests.support.stripe_sandbox import StripeSandbox


@pytest.fixture
def policy(page: Page) -> Iterator[PolicyWatch]:
    """The page's CSP violations; the test fails on any, whatever else it checked."""
    watch = watch_policy(page)
    yield watch
    assert watch.seen() == []


def test_the_watch_sees_a_violation(page: Page, base_url: str) -> None:
    """The listener works: an image from elsewhere, which the policy refuses, is reported."""
    watch = watch_policy(page)
    page.goto(base_url + "/login")
    page.evaluate(
        "document.body.insertAdjacentHTML('beforeend', '<img alt=\"\" src=\"https://example.invalid/x.png\">')"
    )
    seen = wait_until(lambda: watch.seen() if len(watch.seen()) >= 2 else None,
                      what="a report from both witnesses")  # fmt: skip
    assert any(line.startswith("img-src refused https://example.invalid") for line in seen), seen
    assert any(line.startswith("console: ") for line in seen), seen


def test_a_link_paid_by_card_after_a_look_at_sepa(
    page: Page, shop: Shop, policy: PolicyWatch
) -> None:
    shop.add_currency("EUR")
    shop.accept(["card", "sepa_debit"])
    shop.currency = "EUR"
    element = enter_details(page, shop.add_link(amount="50"))
    element.get_by_role("button", name="SEPA Debit").click()
    expect(element.get_by_role("textbox", name="IBAN")).to_be_visible()
    element.get_by_role("button", name="Card").click()
    pay_by_card(page, element, "4000000000003220")
    challenge = page.frame_locator(CHALLENGE_FRAME).frame_locator("iframe#challengeFrame")
    challenge.get_by_role("button", name="Complete").click()
    paid(page)


def test_a_us_bank_account_waiting_for_micro_deposits(
    page: Page, base_url: str, stripe_sandbox: StripeSandbox, policy: PolicyWatch
) -> None:
    us = open_shop(base_url, stripe_sandbox, "US", "usd", "Workshop Inc", "owner@csp.us")
    us.accept(["card", "us_bank_account"])
    element = enter_details(page, us.add_link(amount="40"))
    link_us_bank_account(page, element, "000123456789")
    expect(page.locator(BANK_LINKING_FRAME)).to_have_count(0)
    pay_button(page).click()
    expect(
        page.get_by_role("heading", name="Verify your bank account to finish paying")
    ).to_be_visible(timeout=SLOW)


def test_a_bacs_debit_being_processed(
    page: Page, base_url: str, stripe_sandbox: StripeSandbox, policy: PolicyWatch
) -> None:
    gb = open_shop(base_url, stripe_sandbox, "GB", "gbp", "Workshop Ltd", "owner@csp.uk")
    gb.accept(["card", "bacs_debit"])
    element = enter_details(page, gb.add_link(amount="40"))
    pay_by_bacs(page, element, "00012345")


def test_a_shop_browsed_and_its_cart_paid(
    page: Page, base_url: str, stripe_sandbox: StripeSandbox, policy: PolicyWatch
) -> None:
    account = stripe_sandbox.create_account("SE", "sek")
    open_storefront(base_url, "owner@csp-shop.example", "csp-shop", account=account)
    page.goto(f"{base_url}/s/csp-shop")
    open_product(page, "Mug")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_test_id("cart-count")).to_have_text("(1 item)")
    page.get_by_role("link", name="Back to Coffee & Clay").click()
    open_product(page, "Coffee club")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_test_id("cart-count")).to_have_text("(2 items)")
    page.get_by_role("link", name="Cart").click()
    page.get_by_role("button", name="Go to checkout").click()
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Full name").fill("Ada Buyer")
    page.get_by_role("button", name="Continue").click()
    fill_card(page.frame_locator(PAYMENT_FRAME).first, "4242424242424242")
    pay_button(page).click()
    paid(page)
    page.get_by_role("link", name="Back to the shop").click()
    expect(page.get_by_role("link", name="Mug", exact=True)).to_be_visible()
