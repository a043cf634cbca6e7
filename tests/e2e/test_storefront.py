"""A buyer in the shop, in Chromium against gunicorn: browse, fill the cart, change a quantity,
apply a code and read the totals; in English with euros, in Swedish with kronor, and with the
keyboard alone."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.support.storefront import open_product, open_shop


@pytest.fixture
def swedish_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="sv-SE")
    yield context.new_page()
    context.close()


def test_a_buyer_fills_the_cart_in_euros_and_applies_a_code(page: Page, base_url: str) -> None:
    open_shop(base_url, "owner@coffee-eur.example", "coffee-eur", with_eur=True)
    page.goto(f"{base_url}/s/coffee-eur")
    expect(page).to_have_title("Coffee & Clay")
    expect(page.get_by_role("heading", name="Coffee & Clay")).to_be_visible()
    page.get_by_label("Currency").select_option("EUR")
    page.get_by_role("button", name="Change currency").click()
    expect(page.get_by_text("€12.00")).to_be_visible()

    page.get_by_role("navigation", name="Categories").get_by_role("link", name="Mugs").click()
    expect(page.get_by_role("link", name="Coffee club")).to_have_count(0)
    open_product(page, "Mug")
    expect(page.get_by_role("heading", name="Mug")).to_be_visible()
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_text("Mug is in your cart.")).to_be_visible()
    expect(page.get_by_test_id("cart-count")).to_have_text("(1 item)")

    page.get_by_role("link", name="Back to Coffee & Clay").click()
    open_product(page, "Coffee club")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_test_id("cart-count")).to_have_text("(2 items)")

    page.get_by_role("link", name=re.compile(r"^Cart")).click()
    expect(page.get_by_role("heading", name="Your cart")).to_be_visible()
    expect(page.get_by_test_id("due-now")).to_have_text("€21.00")
    page.get_by_label("Quantity of Mug").fill("3")
    page.get_by_role("button", name="Update quantity of Mug").click()
    expect(page.get_by_test_id("due-now")).to_have_text("€45.00")
    page.get_by_label("Discount code").fill("spring25")
    page.get_by_role("button", name="Apply code").click()
    expect(page.get_by_test_id("discount")).to_have_text("\u2212€11.25")
    expect(page.get_by_test_id("due-now")).to_have_text("€33.75")
    expect(page.get_by_test_id("due-later")).to_have_count(0)  # everything is charged now
    expect(page.get_by_role("button", name="Go to checkout")).to_be_enabled()

    page.reload()  # the cart is the buyer's, on the server: a reload shows the same
    expect(page.get_by_test_id("due-now")).to_have_text("€33.75")
    page.go_back()
    page.go_forward()
    expect(page.get_by_test_id("due-now")).to_have_text("€33.75")


def test_the_same_in_swedish_with_kronor(swedish_page: Page, base_url: str) -> None:
    page = swedish_page
    open_shop(base_url, "owner@kaffe-sek.example", "kaffe-sek")
    page.goto(f"{base_url}/s/kaffe-sek")
    expect(page.get_by_role("heading", name="Kaffe & Lera")).to_be_visible()
    expect(page.get_by_text("Muggar och kaffe, rostat varje vecka.")).to_be_visible()
    expect(page.get_by_text("129,00\xa0kr")).to_be_visible()
    open_product(page, "Mug")
    page.get_by_label("Antal").fill("2")
    page.get_by_role("button", name="Lägg i varukorgen").click()
    expect(page.get_by_test_id("cart-count")).to_have_text("(2 varor)")
    page.get_by_role("link", name="Tillbaka till Kaffe & Lera").click()
    open_product(page, "Coffee club")
    page.get_by_role("button", name="Lägg i varukorgen").click()
    expect(page.get_by_test_id("cart-count")).to_have_text("(3 varor)")
    page.get_by_role("link", name=re.compile(r"^Varukorg")).click()
    expect(page.get_by_role("heading", name="Din varukorg")).to_be_visible()
    expect(page.get_by_test_id("due-now")).to_have_text("357,00\xa0kr")
    page.get_by_label("Antal av Coffee club").fill("2")
    page.get_by_role("button", name="Uppdatera antal av Coffee club").click()
    expect(page.get_by_test_id("due-now")).to_have_text("456,00\xa0kr")
    page.get_by_label("Rabattkod").fill("SPRING25")
    page.get_by_role("button", name="Använd koden").click()
    expect(page.get_by_test_id("due-now")).to_have_text("342,00\xa0kr")
    expect(page.get_by_test_id("due-later")).to_have_count(0)
    expect(page.get_by_role("button", name="Till kassan")).to_be_enabled()


def tab_to(page: Page, target: Locator, limit: int = 40) -> None:
    """Press Tab until ``target`` has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{target} never got the focus")


def test_the_cart_with_the_keyboard_alone(page: Page, base_url: str) -> None:
    open_shop(base_url, "owner@keys.example", "keys-shop")
    page.goto(f"{base_url}/s/keys-shop")
    tab_to(page, page.get_by_role("link", name="Mug", exact=True))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Mug")).to_be_visible()
    quantity = page.get_by_label("Quantity")
    tab_to(page, quantity)
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    page.keyboard.press("Enter")  # submits the form: HTMX updates the cart link
    expect(page.get_by_test_id("cart-count")).to_have_text("(2 items)")
    cart_link = page.get_by_role("link", name=re.compile(r"^Cart"))
    page.keyboard.press("Shift+Tab")
    tab_to(page, cart_link)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your cart")).to_be_visible()

    mug_quantity = page.get_by_label("Quantity of Mug")
    tab_to(page, mug_quantity)
    page.keyboard.press("Control+A")
    page.keyboard.type("4")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("due-now")).to_have_text("SEK516.00")
    expect(mug_quantity).to_be_focused()  # the swap keeps the focus where the buyer was

    code = page.get_by_label("Discount code")
    tab_to(page, code)
    page.keyboard.type("SPRING25")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("due-now")).to_have_text("SEK387.00")
    expect(code).to_be_focused()

    remove = page.get_by_role("button", name="Remove Mug")
    page.keyboard.press("Shift+Tab")
    tab_to(page, remove)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Mug was removed from your cart.")).to_be_visible()
    expect(page.get_by_test_id("empty-cart")).to_be_visible()
