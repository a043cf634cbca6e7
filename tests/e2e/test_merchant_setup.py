"""A new merchant sets up the checkout and the first product, as a person would in a browser."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.test_merchant_journey import sign_up
from tests.support.stripe_sandbox import StripeSandbox


def open_settings_section(page: Page, section: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Settings", exact=True)).to_be_visible()
    page.get_by_role("link", name=section, exact=True).click()
    expect(page.get_by_role("heading", name=section, exact=True)).to_be_visible()


def connect_stripe(page: Page, sandbox: StripeSandbox) -> None:
    account = sandbox.create_account("SE", "sek", name="Lindqvist Keramik AB")
    open_settings_section(page, "Stripe account")
    page.get_by_label("Secret key").fill(account.secret_key)
    page.get_by_label("Publishable key").fill(account.publishable_key)
    page.get_by_role("button", name="Check keys").click()
    page.get_by_role("button", name="Connect this account").click()
    expect(page.get_by_text("Stripe is connected. Buyers can now pay you.")).to_be_visible()


def test_enable_sepa_add_a_card_fee_a_tax_rate_and_a_product(
    page: Page, base_url: str, stripe_sandbox: StripeSandbox
) -> None:
    sign_up(page, base_url)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    connect_stripe(page, stripe_sandbox)

    open_settings_section(page, "Checkout")
    sepa = page.get_by_role("checkbox", name="SEPA Direct Debit")
    expect(sepa).to_be_disabled()
    expect(page.get_by_text("Takes only EUR: add EUR to your currencies.")).to_be_visible()
    expect(page.get_by_role("checkbox", name="ACH Direct Debit")).to_be_disabled()
    expect(page.get_by_text("Needs a Stripe account in the United States.")).to_be_visible()
    expect(page.get_by_text("availability is checked when you connect Stripe")).to_have_count(0)

    page.get_by_role("link", name="Back to settings").click()
    page.get_by_role("link", name="Currencies", exact=True).click()
    page.get_by_label("Currency").select_option(label="EUR: Euro")
    page.get_by_role("button", name="Add currency").click()
    expect(page.get_by_text("EUR added.")).to_be_visible()
    expect(page.get_by_role("button", name="Remove EUR")).to_be_visible()

    open_settings_section(page, "Checkout")
    sepa.check()
    page.get_by_role("group", name="Billing address").get_by_label("Required").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Checkout settings saved.")).to_be_visible()
    expect(page.get_by_role("checkbox", name="SEPA Direct Debit")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Card")).to_be_checked()

    open_settings_section(page, "Fees")
    expect(page.get_by_text("Surcharging card payments of consumers in the EU")).to_be_visible()
    page.get_by_label("Name", exact=True).fill("Card surcharge")
    page.get_by_label("Payment method").select_option(label="Card")
    page.get_by_label("Fixed amount", exact=True).fill("2.50")
    page.get_by_label("Percentage").fill("1.5")
    page.get_by_role("button", name="Add fee").click()
    expect(page.get_by_text("Fee added.")).to_be_visible()
    fee_row = page.get_by_role("row").filter(has_text="Card surcharge")
    expect(fee_row).to_contain_text("1.5%")
    expect(fee_row).to_contain_text("2.50")

    open_settings_section(page, "Taxes")
    page.get_by_label("Name", exact=True).fill("Moms")
    page.get_by_label("Rate (%)").fill("25")
    page.get_by_label("Country").select_option(label="Sweden")
    page.get_by_label("Included in prices").check()
    page.get_by_role("button", name="Add tax rate").click()
    expect(page.get_by_text("Tax rate added.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Moms")).to_contain_text("25%")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Products").click()
    expect(page.get_by_text("No products yet.")).to_be_visible()
    page.get_by_role("link", name="Add product").click()
    page.get_by_label("Currency").select_option("SEK")
    page.get_by_label("Price").fill("249.50")
    page.get_by_label("Name", exact=True).fill("Stoneware mug")
    page.get_by_label("Tax rate").select_option(label="Moms")
    page.get_by_role("button", name="Add product").click()

    expect(page.get_by_text("Stoneware mug added.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Stoneware mug")
    expect(row).to_contain_text("SEK249.50")
    expect(row).to_contain_text("Moms")
    expect(row).to_contain_text("One-time")


def test_a_mistyped_amount_is_explained_next_to_the_field(page: Page, base_url: str) -> None:
    sign_up(page, base_url)
    page.goto(base_url + "/panel/products/new")
    page.get_by_label("Price").fill("12.505")
    page.get_by_label("Name", exact=True).fill("Tea towel")
    page.get_by_role("button", name="Add product").click()
    expect(page.get_by_text("SEK amounts have at most 2 decimals.")).to_be_visible()
    expect(page.get_by_label("Price")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Tea towel")
