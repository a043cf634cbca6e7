"""The merchant's panel has no serious or critical accessibility problem (axe-core), on a
desktop and on a phone: every page of it but the settings, and the pages that need content
first. (The settings pages are walked in test_accessibility_settings.py and the buyer's pages in
test_accessibility.py: three files, so the test workers share the walks.)"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.conftest import csrf_token_from
from tests.e2e.test_merchant_journey import log_in, sign_up
from tests.support.accessibility import axe_violations
from tests.support.accounts import DEFAULT_PASSWORD
from tests.support.payments import connect_through_live_server
from tests.support.stripe_sandbox import StripeSandbox

PANEL_PAGES = [
    "/panel/",
    "/panel/team",
    "/panel/account",
    "/panel/products/",
    "/panel/products/new",
    "/panel/links/",
    "/panel/links/new",
    "/panel/customers/",
    "/panel/customers/new",
    "/panel/invoices/",
    "/panel/invoices/new",
    "/panel/invoices/settings",
    "/panel/quotes/",
    "/panel/quotes/new",
    "/panel/payments",
    "/panel/payments/totals",
    "/panel/payments/disputes",
    "/panel/reports/",
    "/panel/reports/?period=week&start=2026-01-05&end=2026-12-06",
    "/panel/reports/?period=week&start=2026-03-01&end=2026-02-01",  # refused: the errors
    "/panel/reports/exports",
]


def test_panel_pages(axe_page: Page, base_url: str) -> None:
    sign_up(axe_page, base_url)
    expect(axe_page.get_by_role("heading", name="Dashboard")).to_be_visible()
    for path in PANEL_PAGES:
        axe_page.goto(base_url + path)
        assert axe_violations(axe_page) == [], path


def test_a_customers_pages(axe_page: Page, base_url: str) -> None:
    """A customer's page, their edit form and the erasure's confirmation; the list found."""
    sign_up(axe_page, base_url)
    axe_page.goto(base_url + "/panel/customers/new")
    axe_page.get_by_label("Name", exact=True).fill("Åsa Öberg")
    axe_page.get_by_label("Email (optional)").fill("asa@example.org")
    axe_page.get_by_role("button", name="Add customer").click()
    expect(axe_page.get_by_role("heading", name="Åsa Öberg", level=1)).to_be_visible()
    customer = axe_page.url
    for path in (customer, customer + "/edit", customer + "/erase"):
        axe_page.goto(path)
        assert axe_violations(axe_page) == [], path
    axe_page.goto(base_url + "/panel/customers/?q=%C3%A5sa")
    expect(axe_page.get_by_role("link", name="Åsa Öberg")).to_be_visible()
    assert axe_violations(axe_page) == []


def test_the_import_from_stripe_pages_with_results(
    axe_page: Page, base_url: str, stripe_sandbox: StripeSandbox
) -> None:
    """A dry run's results (each subscription's reasons) and the page with the recent runs."""
    from tests.integration.test_billing_import import SEED

    account = stripe_sandbox.create_account("SE", "sek")
    merchant = connect_through_live_server(base_url, account, "a11y-import@example.com")
    url = base_url + "/panel/settings/currencies"
    token = csrf_token_from(merchant.get(url, timeout=10).text)
    assert merchant.post(url, data={"csrf_token": token, "currency": "EUR"}, timeout=10).ok
    stripe_sandbox.control("POST", "/_sandbox/seed", {"account": account.id, **SEED})
    log_in(axe_page, base_url, "a11y-import@example.com", DEFAULT_PASSWORD)
    axe_page.goto(base_url + "/panel/settings/import-from-stripe/")
    axe_page.get_by_role("button", name="Start").click()
    expect(axe_page.get_by_text("It has a tiered price.")).to_be_visible()
    assert axe_violations(axe_page) == [], "the dry run's results"
    axe_page.get_by_role("link", name="Back to Import from Stripe").click()
    expect(axe_page.get_by_role("table", name="Recent runs")).to_be_visible()
    assert axe_violations(axe_page) == [], "the recent runs"
