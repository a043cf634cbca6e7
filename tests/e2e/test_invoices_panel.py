"""A merchant bills a customer from the panel with the keyboard alone: a new invoice with two
lines (the second added in place) and a tax, saved as a draft, finalized; its number shows."""

from __future__ import annotations

import re
from datetime import date

from flask import Flask
from playwright.sync_api import Locator, Page, expect

from tests.e2e.test_merchant_journey import log_in
from tests.support.accounts import DEFAULT_PASSWORD
from tests.support.checkout import Shop
from tests.support.invoices import add_customer


def activate(control: Locator) -> None:
    """Reach a link or button with the keyboard and press it."""
    control.focus()
    control.press("Enter")


def type_into(field: Locator, text: str) -> None:
    field.focus()
    field.press("ControlOrMeta+a")
    field.page.keyboard.type(text)


def test_a_merchant_makes_and_finalizes_an_invoice_with_the_keyboard(
    page: Page, shop: Shop, app: Flask
) -> None:
    shop.add_tax_rate("Moms", "25")
    add_customer(app, shop.owner_email, name="Ada Lovelace", email="ada@example.com")
    log_in(page, shop.base_url, shop.owner_email, DEFAULT_PASSWORD)

    activate(page.get_by_role("navigation", name="Main").get_by_role("link", name="Invoices"))
    activate(page.get_by_role("link", name="New invoice"))
    page.get_by_label("Customer", exact=True).focus()
    page.keyboard.press("ArrowDown")  # the first customer after "Choose a customer"
    expect(page.get_by_label("Customer", exact=True)).to_have_value(re.compile(r"^[0-9]+$"))
    first = page.get_by_role("group", name="Line 1")
    type_into(first.get_by_label("Description"), "Design work")
    type_into(first.get_by_label("Quantity"), "2")
    type_into(first.get_by_label("Unit price"), "1000")
    first.get_by_label("Moms").focus()
    page.keyboard.press("Space")
    expect(page.get_by_role("region", name="Totals")).to_contain_text("2,500.00")

    activate(page.get_by_role("button", name="Add line"))
    second = page.get_by_role("group", name="Line 2")
    expect(second.get_by_label("Description")).to_be_focused()
    page.keyboard.type("Printing")
    type_into(second.get_by_label("Unit price"), "500")
    second.get_by_label("Moms").focus()
    page.keyboard.press("Space")
    expect(first.get_by_label("Description")).to_have_value("Design work")  # kept
    expect(page.get_by_role("region", name="Totals")).to_contain_text("3,125.00")

    activate(page.get_by_role("button", name="Save draft"))
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    expect(page.get_by_role("heading", name="Draft invoice", level=1)).to_be_visible()
    activate(page.get_by_role("button", name="Finalize"))

    expect(page.get_by_text("Invoice finalized.")).to_be_visible()
    number = f"INV-{date.today().year}-0001"
    expect(page.get_by_role("heading", name=number, level=1)).to_be_visible()
    expect(page.get_by_text("Ada Lovelace").first).to_be_visible()
    expect(page.get_by_text("3,125.00").first).to_be_visible()
