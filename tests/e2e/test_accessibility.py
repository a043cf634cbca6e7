"""Every page a person can reach has no serious or critical accessibility problem (axe-core),
on a desktop and on a phone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import csrf_token_from
from tests.e2e.test_merchant_journey import sign_up
from tests.support.accessibility import axe_violations
from tests.support.payments import connect_through_live_server
from tests.support.storefront import open_shop
from tests.support.stripe_sandbox import StripeSandbox

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
    "/panel/settings/storefront",
    "/panel/settings/storefront/products",
    "/panel/settings/storefront/categories",
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


def test_a_buyer_checkout_page(
    axe_page: Page, base_url: str, stripe_sandbox: StripeSandbox
) -> None:
    account = stripe_sandbox.create_account("SE", "sek")
    merchant = connect_through_live_server(base_url, account, "a11y-buyer@example.com")
    new_link = f"{base_url}/panel/links/new"
    link = {
        "csrf_token": csrf_token_from(merchant.get(new_link, timeout=10).text),
        "name": "Workshop", "currency": "SEK", "product": "", "description": "Seat",
        "amount": "450", "quantity": "1", "adjustable_quantity": "y", "min_quantity": "1",
        "max_quantity": "4", "billing_address": "required", "shipping_address": "",
        "phone": "optional", "active": "y",
    }  # fmt: skip
    editor = merchant.post(new_link, data=link, timeout=10)
    slug = editor.text.split("/l/", 1)[1].split("<", 1)[0]
    axe_page.goto(f"{base_url}/l/{slug}")
    expect(axe_page.get_by_role("heading", name="Workshop")).to_be_visible()
    assert axe_violations(axe_page) == []


def test_the_shop_and_its_settings_with_content(axe_page: Page, base_url: str) -> None:
    """The shop home, a product page and a cart with items, and the storefront's settings
    pages once they list products and categories."""
    width = axe_page.viewport_size["width"] if axe_page.viewport_size else 0
    slug = f"axe-shop-{width}"
    merchant = open_shop(base_url, f"a11y-shop-{width}@example.com", slug)
    axe_page.goto(f"{base_url}/s/{slug}")
    expect(axe_page.get_by_role("heading", name="Coffee & Clay")).to_be_visible()
    assert axe_violations(axe_page) == [], "shop home"
    axe_page.goto(f"{base_url}/s/{slug}/p/mug")
    assert axe_violations(axe_page) == [], "product page"
    axe_page.get_by_role("button", name="Add to cart").click()
    expect(axe_page.get_by_test_id("cart-count")).to_have_text("(1 item)")
    axe_page.goto(f"{base_url}/s/{slug}/cart")
    axe_page.get_by_label("Discount code").fill("NOPE")
    axe_page.get_by_role("button", name="Apply code").click()
    expect(axe_page.get_by_text("This code does not work here.")).to_be_visible()
    assert axe_violations(axe_page) == [], "cart"
    axe_page.context.add_cookies(
        [{"name": c.name, "value": c.value or "", "url": base_url} for c in merchant.http.cookies]
    )
    for path in ("", "/products", "/categories"):
        axe_page.goto(f"{base_url}/panel/settings/storefront{path}")
        assert axe_violations(axe_page) == [], path
