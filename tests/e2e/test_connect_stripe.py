"""A merchant connects a Stripe (sandbox) account in the browser, then disconnects it."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.test_merchant_journey import sign_up
from tests.support.stripe_sandbox import StripeSandbox


def test_connect_check_and_disconnect_stripe(
    page: Page, base_url: str, stripe_sandbox: StripeSandbox
) -> None:
    account = stripe_sandbox.create_account("SE", "sek", name="Lindqvist Keramik AB")
    sign_up(page, base_url)
    page.get_by_role("link", name="Connect your Stripe account").click()
    expect(page.get_by_role("heading", name="Stripe account", exact=True)).to_be_visible()
    expect(page.get_by_text("This Kassa takes test payments: use test keys.")).to_be_visible()

    page.get_by_label("Secret key").fill(account.secret_key)
    page.get_by_label("Publishable key").fill(stripe_sandbox.create_account().publishable_key)
    page.get_by_role("button", name="Check keys").click()
    expect(
        page.get_by_text("This publishable key belongs to another Stripe account")
    ).to_be_visible()

    page.get_by_label("Secret key").fill(account.secret_key)
    page.get_by_label("Publishable key").fill(account.publishable_key)
    page.get_by_role("button", name="Check keys").click()
    expect(page.get_by_role("heading", name="Is this the right account?")).to_be_visible()
    expect(page.get_by_text("Lindqvist Keramik AB")).to_be_visible()
    page.get_by_role("button", name="Connect this account").click()

    expect(page.get_by_text("Stripe is connected. Buyers can now pay you.")).to_be_visible()
    expect(page.get_by_role("heading", name="Connected Stripe account")).to_be_visible()
    expect(page.get_by_text(account.id)).to_be_visible()
    expect(page.get_by_text(account.secret_key)).to_have_count(0)

    page.get_by_role("link", name="Disconnect Stripe").click()
    expect(page.get_by_text("Subscriptions stop billing.")).to_be_visible()
    page.get_by_role("button", name="Disconnect Stripe").click()
    expect(page.get_by_text("Stripe is disconnected.")).to_be_visible()
    expect(page.get_by_role("button", name="Check keys")).to_be_visible()
