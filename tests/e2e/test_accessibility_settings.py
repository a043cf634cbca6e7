"""The merchant's settings pages have no serious or critical accessibility problem (axe-core),
on a desktop and on a phone (a file of its own beside test_accessibility_panel.py, so two test
workers share the panel's walk)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.test_merchant_journey import sign_up
from tests.support.accessibility import axe_violations

SETTINGS_PAGES = [
    "/panel/settings/",
    "/panel/settings/payments",
    "/panel/settings/checkout",
    "/panel/settings/currencies",
    "/panel/settings/fees",
    "/panel/settings/taxes",
    "/panel/settings/policies",
    "/panel/settings/custom-fields",
    "/panel/settings/discounts",
    "/panel/settings/branding",
    "/panel/settings/business",
    "/panel/settings/storefront",
    "/panel/settings/storefront/products",
    "/panel/settings/storefront/categories",
    "/panel/settings/import-from-stripe/",
    "/panel/settings/payments/events",
]


def test_settings_pages(axe_page: Page, base_url: str) -> None:
    sign_up(axe_page, base_url)
    expect(axe_page.get_by_role("heading", name="Dashboard")).to_be_visible()
    for path in SETTINGS_PAGES:
        axe_page.goto(base_url + path)
        assert axe_violations(axe_page) == [], path
