"""A merchant moves their Stripe Billing subscriptions in Chromium: Settings → Import from
Stripe, a dry run (its progress bar, then each subscription with why it cannot move), then the
import (its progress bar, then its summary)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.integration.test_billing_import import ELIGIBLE, REFUSED, SEED
from tests.support.checkout import MerchantPanel, Shop

COUNT = len(ELIGIBLE) + len(REFUSED)


def test_the_merchant_dry_runs_then_imports_their_stripe_subscriptions(
    shop: Shop, panel: MerchantPanel
) -> None:
    shop.add_currency("EUR")
    shop.sandbox.control("POST", "/_sandbox/seed", {"account": shop.account.id, **SEED})
    page = panel.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Import from Stripe").click()
    expect(page.get_by_role("heading", name="Import from Stripe", level=1)).to_be_visible()

    expect(page.get_by_role("radio", name=re.compile("^Dry run"))).to_be_checked()
    page.get_by_role("button", name="Start").click()
    progress = page.get_by_role("progressbar", name=f"Checked {COUNT} of {COUNT} subscriptions")
    expect(progress).to_be_visible()
    expect(progress).to_have_attribute("value", str(COUNT))
    expect(page.get_by_role("heading", name="Finished")).to_be_visible()
    expect(page.get_by_text(f"Can move: {len(ELIGIBLE)}")).to_be_visible()
    table = page.get_by_role("region", name="Stripe subscriptions")
    metered = table.get_by_role("row").filter(has_text="sub_metered")
    expect(metered).to_contain_text("Cannot move")
    expect(metered).to_contain_text("It has a metered (usage-based) price.")
    trial = table.get_by_role("row").filter(has_text="sub_trial")
    expect(trial).to_contain_text("A trial is in progress.")
    expect(table.get_by_role("row").filter(has_text="sub_card")).to_contain_text("Can move")

    page.get_by_role("link", name="Back to Import from Stripe").click()
    page.get_by_role("radio", name=re.compile("^Import")).check()
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("progressbar", name=f"Checked {COUNT} of {COUNT} subscriptions"))\
        .to_be_visible()  # fmt: skip
    expect(page.get_by_text(f"Moved: {len(ELIGIBLE)}")).to_be_visible()
    expect(page.get_by_text(f"Cannot move: {len(REFUSED)}")).to_be_visible()
    moved = page.get_by_role("region", name="Stripe subscriptions").get_by_role("row")
    expect(moved.filter(has_text="sub_sepa")).to_contain_text("Moved")
