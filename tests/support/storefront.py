"""An open shop on the live server, set up through the panel forms as a merchant would."""

from __future__ import annotations

import requests
from playwright.sync_api import Page

from tests.conftest import csrf_token_from
from tests.integration.test_processor_connection import SEALED
from tests.support.accounts import DEFAULT_PASSWORD, sign_up_link_path
from tests.support.servers import browser_like_session
from tests.support.stripe_sandbox import SandboxAccount


class PanelSession:
    """A merchant's browser session against the live server (plain form posts)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = browser_like_session()

    def post(self, page: str, action: str | None = None, **data: str) -> requests.Response:
        token = csrf_token_from(self.http.get(self.base_url + page, timeout=10).text)
        response = self.http.post(
            self.base_url + (action or page), data={"csrf_token": token, **data}, timeout=10
        )
        assert response.ok, response.text
        return response


def connect_stripe(merchant: PanelSession, account: SandboxAccount) -> None:
    """Settings → Stripe account, as the merchant does it: verify the keys, then connect."""
    found = merchant.post(
        "/panel/settings/payments", "/panel/settings/payments/verify",
        secret_key=account.secret_key, publishable_key=account.publishable_key,
    )  # fmt: skip
    sealed = SEALED.search(found.text)
    assert sealed, found.text
    token = csrf_token_from(found.text)
    done = merchant.http.post(
        merchant.base_url + "/panel/settings/payments/connect",
        data={"csrf_token": token, "sealed": sealed.group(1)}, timeout=30,
    )  # fmt: skip
    assert "Stripe is connected" in done.text, done.text


def open_shop(
    base_url: str,
    email: str,
    slug: str,
    *,
    with_eur: bool = False,
    account: SandboxAccount | None = None,
) -> PanelSession:
    """A Swedish merchant's open shop at ``/s/<slug>``: Mug (129 SEK) and Coffee club (99 SEK,
    once: the shop does not sell what charges later until subscriptions exist), in a Mugs and a
    Coffee category, and a 25 % code SPRING25; with ``with_eur`` the products have EUR prices
    too (12 and 9) and buyers may switch currency; with ``account`` the merchant has connected
    that sandbox account, so buyers can check out."""
    merchant = PanelSession(base_url)
    merchant.post(
        "/signup", business_name="Kaffe & Keramik AB", country="SE", currency="",
        email=email, password=DEFAULT_PASSWORD,
    )  # fmt: skip
    merchant.post(sign_up_link_path(email))
    if account is not None:
        connect_stripe(merchant, account)
    if with_eur:
        merchant.post("/panel/settings/currencies", currency="EUR")
    product = {"description": "", "sku": "", "interval_count": "1", "tax_rate": ""}
    merchant.post("/panel/products/new", name="Mug", currency="SEK", amount="129",
                  interval="", **product)  # fmt: skip
    merchant.post("/panel/products/new", name="Coffee club", currency="SEK", amount="99",
                  interval="", **product)  # fmt: skip
    if with_eur:
        for product_id, amount in (("1", "12"), ("2", "9")):
            page = f"/panel/products/{product_id}"
            merchant.post(page, f"{page}/prices", currency="EUR", amount=amount)
    categories = "/panel/settings/storefront/categories"
    merchant.post(categories, name_en="Mugs", name_sv="Muggar")
    merchant.post(categories, name_en="Coffee", name_sv="Kaffe")
    products = "/panel/settings/storefront/products"
    merchant.post(products, product="1", category="1")
    merchant.post(products, product="2", category="2")
    merchant.post(
        "/panel/settings/discounts", code="SPRING25", percent="25", currency="SEK", amount="",
        expires_on="", max_redemptions="",
    )  # fmt: skip
    merchant.post(
        "/panel/settings/storefront", enabled="y", slug=slug, title_en="Coffee & Clay",
        title_sv="Kaffe & Lera", intro_en="Mugs and coffee, roasted weekly.",
        intro_sv="Muggar och kaffe, rostat varje vecka.",
        currency_switch="y" if with_eur else "",
    )  # fmt: skip
    return merchant


def open_product(page: Page, name: str) -> None:
    """Follow a product's link and wait for the page to load: a button pressed before its script
    runs posts without HTMX and lands on the cart (the no-script path, tested on its own)."""
    with page.expect_navigation():
        page.get_by_role("link", name=name, exact=True).click()
