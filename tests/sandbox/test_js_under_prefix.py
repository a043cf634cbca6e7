"""The stand-in mounted under a URL prefix (as the demo mounts the sandbox in-process): the
script finds its frames and the API from its own URL."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from tests.sandbox.js_fixtures import MerchantSite

pytest_plugins = ["tests.sandbox.js_fixtures"]
pytestmark = pytest.mark.e2e


def test_card_payment_through_a_prefixed_sandbox(
    page: Page, prefixed_merchant_site: MerchantSite
) -> None:
    site = prefixed_merchant_site
    assert site.sandbox_url.endswith("/_sandbox/stripe")
    account = site.account("US")
    intent = account.create_payment_intent(
        amount=900, currency="usd", payment_method_types=["card"]
    )
    page.goto(site.checkout_url(account, clientSecret=intent.client_secret, locale="en",
                                redirect="if_required"))  # fmt: skip

    frame_source = f"{site.sandbox_url}/js/v3/elements-inner-payment.html?"
    payment_frame = page.locator('iframe[title="Secure payment input frame"]')
    expect(payment_frame).to_have_attribute("src", re.compile("^" + re.escape(frame_source)))
    element = page.frame_locator('iframe[title="Secure payment input frame"]')
    element.get_by_role("textbox", name="Card number").fill("4242424242424242")
    element.get_by_role("textbox", name="Expiration date").fill("1235")
    element.get_by_role("textbox", name="Security code").fill("123")
    element.get_by_role("textbox", name="ZIP code").fill("12345")
    page.get_by_role("button", name="Pay now").click()

    expect(page.get_by_role("status")).to_have_text("Payment status: succeeded")
    assert account.client.v1.payment_intents.retrieve(intent.id).status == "succeeded"
