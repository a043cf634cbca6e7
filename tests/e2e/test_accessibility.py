"""Every page a person can reach has no serious or critical accessibility problem (axe-core),
on a desktop and on a phone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_merchant_journey import sign_up
from tests.support.accessibility import axe_violations

PUBLIC_PAGES = ["/", "/signup", "/login", "/no-such-page"]
PANEL_PAGES = [
    "/panel/",
    "/panel/team",
    "/panel/account",
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
    "/panel/products/",
    "/panel/products/new",
    "/panel/links/",
    "/panel/links/new",
]
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 740}}


@pytest.fixture(params=sorted(VIEWPORTS))
def axe_page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    context = browser.new_context(bypass_csp=True, viewport=VIEWPORTS[request.param])
    yield context.new_page()
    context.close()


def test_public_pages(axe_page: Page, base_url: str) -> None:
    for path in PUBLIC_PAGES:
        axe_page.goto(base_url + path)
        assert axe_violations(axe_page) == [], path


def test_a_form_with_errors(axe_page: Page, base_url: str) -> None:
    axe_page.goto(base_url + "/signup")
    axe_page.get_by_role("button", name="Create account").click()
    expect(axe_page.get_by_role("alert")).to_be_visible()
    assert axe_violations(axe_page) == []


def test_panel_pages(axe_page: Page, base_url: str) -> None:
    sign_up(axe_page, base_url)
    expect(axe_page.get_by_role("heading", name="Dashboard")).to_be_visible()
    for path in PANEL_PAGES:
        axe_page.goto(base_url + path)
        assert axe_violations(axe_page) == [], path
