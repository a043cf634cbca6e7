"""A buyer checks out a shop's cart in Chromium against gunicorn and the sandbox: browse, add
two products, change a quantity, apply a code, pay by card, read the receipt, follow the link
back to the shop and find the cart empty; the same in Swedish with kronor; and a product the
merchant unlists while it sits in a cart."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.checkout import PAYMENT_FRAME, SLOW, fill_card
from tests.support.storefront import open_product, open_shop
from tests.support.stripe_sandbox import StripeSandbox

WORDS = {
    "en": {"add": "Add to cart", "back": "Back to Coffee & Clay", "cart": r"^Cart",
           "one": "(1 item)", "two": "(2 items)", "quantity": "Quantity of Mug",
           "update": "Update quantity of Mug",
           "code": "Discount code", "apply": "Apply code", "checkout": "Go to checkout",
           "email": "Email", "name": "Full name", "continue": "Continue",
           "thanks": "Thank you, your payment went through", "shop": "Back to the shop",
           "empty": "Your cart is empty."},
    "sv": {"add": "Lägg i varukorgen", "back": "Tillbaka till Kaffe & Lera", "cart": r"^Varukorg",
           "one": "(1 vara)", "two": "(2 varor)", "quantity": "Antal av Mug",
           "update": "Uppdatera antal av Mug",
           "code": "Rabattkod", "apply": "Använd koden", "checkout": "Till kassan",
           "email": "E-post", "name": "Fullständigt namn", "continue": "Fortsätt",
           "thanks": "Tack, din betalning har gått igenom", "shop": "Tillbaka till butiken",
           "empty": "Din varukorg är tom."},
}  # fmt: skip


@pytest.fixture
def swedish_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="sv-SE")
    yield context.new_page()
    context.close()


def buy(page: Page, base_url: str, slug: str, language: str, before: str, due: str) -> None:
    """Browse, add Mug and Coffee club, two mugs, the code SPRING25, then check out by card."""
    words = WORDS[language]
    page.goto(f"{base_url}/s/{slug}")
    open_product(page, "Mug")
    page.get_by_role("button", name=words["add"]).click()
    expect(page.get_by_test_id("cart-count")).to_have_text(words["one"])
    page.get_by_role("link", name=words["back"]).click()
    open_product(page, "Coffee club")
    page.get_by_role("button", name=words["add"]).click()
    expect(page.get_by_test_id("cart-count")).to_have_text(words["two"])
    page.get_by_role("link", name=re.compile(words["cart"])).click()
    page.get_by_label(words["quantity"]).fill("2")
    page.get_by_role("button", name=words["update"]).click()
    expect(page.get_by_test_id("due-now")).to_have_text(before)
    page.get_by_label(words["code"]).fill("SPRING25")
    page.get_by_role("button", name=words["apply"]).click()
    expect(page.get_by_test_id("due-now")).to_have_text(due)
    page.get_by_role("button", name=words["checkout"]).click()
    expect(page.get_by_test_id("due-now")).to_have_text(due)  # the checkout's own summary
    page.get_by_label(words["email"]).fill("ada@example.com")
    page.get_by_label(words["name"]).fill("Ada Buyer")
    page.get_by_role("button", name=words["continue"]).click()
    fill_card(page.frame_locator(PAYMENT_FRAME).first, "4242424242424242", language)
    pay = re.compile(re.escape(due).replace("\xa0", r"\s"))  # names have plain spaces
    page.get_by_role("button", name=pay).click()
    expect(page.get_by_role("heading", name=words["thanks"])).to_be_visible(timeout=SLOW)
    page.get_by_role("link", name=words["shop"]).click()
    page.get_by_role("link", name=re.compile(words["cart"])).click()
    expect(page.get_by_text(words["empty"])).to_be_visible()


def test_a_buyer_checks_out_a_cart_in_euros_and_finds_it_empty_after(
    page: Page, base_url: str, stripe_sandbox: StripeSandbox
) -> None:
    account = stripe_sandbox.create_account("SE", "sek")
    open_shop(base_url, "owner@pay-eur.example", "pay-eur", with_eur=True, account=account)
    page.goto(f"{base_url}/s/pay-eur")
    page.get_by_label("Currency").select_option("EUR")
    page.get_by_role("button", name="Change currency").click()
    expect(page.get_by_text("€12.00")).to_be_visible()
    buy(page, base_url, "pay-eur", "en", "€33.00", "€24.75")


def test_the_same_in_swedish_with_kronor(
    swedish_page: Page, base_url: str, stripe_sandbox: StripeSandbox
) -> None:
    account = stripe_sandbox.create_account("SE", "sek")
    open_shop(base_url, "owner@pay-sek.example", "pay-sek", account=account)
    buy(swedish_page, base_url, "pay-sek", "sv", "357,00\xa0kr", "267,75\xa0kr")


def test_a_product_unlisted_while_in_a_cart_cannot_be_bought(
    page: Page, base_url: str, stripe_sandbox: StripeSandbox
) -> None:
    account = stripe_sandbox.create_account("SE", "sek")
    merchant = open_shop(base_url, "owner@unlist.example", "unlist", account=account)
    page.goto(f"{base_url}/s/unlist/p/mug")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_test_id("cart-count")).to_have_text("(1 item)")
    page.goto(f"{base_url}/s/unlist/p/coffee-club")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_test_id("cart-count")).to_have_text("(2 items)")
    page.get_by_role("link", name=re.compile(r"^Cart")).click()
    page.get_by_role("button", name="Go to checkout").click()
    expect(page.get_by_test_id("due-now")).to_have_text("SEK228.00")
    checkout_url = page.url

    products = "/panel/settings/storefront/products"
    merchant.post(products, f"{products}/1/remove")  # the merchant unlists Mug

    page.goto(f"{base_url}/s/unlist")
    expect(page.get_by_role("link", name="Coffee club")).to_be_visible()
    expect(page.get_by_role("link", name="Mug", exact=True)).to_have_count(0)
    page.goto(checkout_url)  # the checkout opened before: Mug is gone, and the buyer is told
    expect(page.get_by_test_id("checkout-notice")).to_have_text(
        "Mug is no longer sold, so it is not in your total and you will not be charged for it."
    )
    expect(page.get_by_test_id("due-now")).to_have_text("SEK99.00")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Full name").fill("Ada Buyer")
    page.get_by_role("button", name="Continue").click()
    fill_card(page.frame_locator(PAYMENT_FRAME).first, "4242424242424242")
    page.get_by_role("button", name="Pay SEK99.00").click()
    expect(page.get_by_text("You paid SEK99.00")).to_be_visible(timeout=SLOW)
