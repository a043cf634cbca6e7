"""A merchant manages payment links in the browser, and buyers see the result: duplicate a link,
deactivate and reactivate the copy, an optional item a buyer adds; the preview and QR code."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from app.extensions import db
from app.links.models import PaymentLinkLine
from tests.conftest import csrf_token_from
from tests.e2e.test_merchant_journey import log_in
from tests.support.accounts import DEFAULT_PASSWORD
from tests.support.checkout import Shop
from tests.support.payments import connect_through_live_server
from tests.support.stripe_sandbox import StripeSandbox

OWNER = "owner@links.example"


def merchant_with_a_link(base_url: str, stripe_sandbox: StripeSandbox, owner: str) -> None:
    """A connected merchant with one active link, "Workshop" (SEK 500)."""
    account = stripe_sandbox.create_account("SE", "sek", name="Verkstan AB")
    merchant = connect_through_live_server(base_url, account, owner)
    new_link = f"{base_url}/panel/links/new"
    created = merchant.post(new_link, data={
        "csrf_token": csrf_token_from(merchant.get(new_link, timeout=10).text),
        "name": "Workshop", "currency": "SEK", "product": "", "description": "Seat",
        "amount": "500", "quantity": "1", "min_quantity": "1", "max_quantity": "1",
        "billing_address": "", "shipping_address": "", "phone": "",
    }, timeout=10)  # fmt: skip
    assert created.ok


def test_duplicate_deactivate_reactivate_and_an_optional_item(
    page: Page, browser: Browser, base_url: str, stripe_sandbox: StripeSandbox
) -> None:
    merchant_with_a_link(base_url, stripe_sandbox, OWNER)
    log_in(page, base_url, OWNER, DEFAULT_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Payment links").click()
    page.get_by_role("link", name="Workshop", exact=True).click()
    page.get_by_role("button", name="Duplicate").click()
    expect(page.get_by_text("Copy made. You are now editing Copy of Workshop.")).to_be_visible()
    expect(page.get_by_role("heading", name="Copy of Workshop", level=1)).to_be_visible()
    expect(page.get_by_role("img", name="QR code of this address")).to_be_visible()

    page.get_by_label("Description").fill("Lunch")
    page.get_by_label("Amount").fill("120")
    page.get_by_label("Optional: the buyer may add it").check()
    page.get_by_role("button", name="Add line").click()
    expect(page.get_by_text("Line added.")).to_be_visible()
    expect(page.get_by_role("button", name="Make required Lunch")).to_be_visible()

    page.get_by_role("button", name="Deactivate link").click()
    expect(page.get_by_role("heading", name="Status: Inactive")).to_be_visible()
    expect(
        page.get_by_text(
            "Copy of Workshop deactivated. Buyers now see that the link is not active."
        )
    ).to_be_visible()
    sharing = page.get_by_role("region", name="Address for buyers")
    address = sharing.get_by_text(re.compile(r"/l/pl_")).inner_text()
    assert address.startswith(base_url + "/l/pl_")

    buyer = browser.new_page()
    buyer.goto(address)
    expect(
        buyer.get_by_text("This payment link is not active. Nothing was charged.")
    ).to_be_visible()

    page.get_by_role("button", name="Reactivate link").click()
    expect(page.get_by_role("heading", name="Status: Active")).to_be_visible()
    expect(page.get_by_text("Copy of Workshop reactivated.")).to_be_visible()

    page.get_by_role("link", name="Preview buyer page").click()
    expect(
        page.get_by_text("This is the page buyers see when they open this link.")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Continue")).to_be_disabled()
    page.get_by_role("link", name="Back to the link's editor").click()
    expect(page.get_by_role("heading", name="Status: Active")).to_be_visible()

    buyer.reload()
    expect(buyer.get_by_role("heading", name="Copy of Workshop")).to_be_visible()
    due_now = buyer.get_by_test_id("due-now")
    expect(due_now).to_have_text("SEK500.00")
    expect(buyer.get_by_text("+SEK120.00")).to_be_visible()
    buyer.get_by_role("button", name="Add Lunch").click()
    expect(due_now).to_have_text("SEK620.00")
    expect(buyer.get_by_role("list").get_by_text("Lunch \u00d7 1")).to_be_visible()
    buyer.get_by_role("button", name="Remove Lunch").click()
    expect(due_now).to_have_text("SEK500.00")
    expect(buyer.get_by_role("button", name="Add Lunch")).to_be_visible()
    buyer.close()


def test_the_buyer_address_is_copied_and_opened_from_the_editor(
    page: Page, base_url: str, stripe_sandbox: StripeSandbox
) -> None:
    owner = "copy@links.example"
    merchant_with_a_link(base_url, stripe_sandbox, owner)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    log_in(page, base_url, owner, DEFAULT_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Payment links").click()
    page.get_by_role("link", name="Workshop", exact=True).click()

    sharing = page.get_by_role("region", name="Address for buyers")
    address = sharing.get_by_text(re.compile(r"/l/pl_")).inner_text()
    sharing.get_by_role("button", name="Copy address").click()
    expect(sharing.get_by_role("status")).to_have_text("Address copied.")
    assert page.evaluate("navigator.clipboard.readText()") == address

    with page.expect_popup() as opened:
        sharing.get_by_role("link", name="Open buyer page (opens in a new tab)").click()
    buyer = opened.value
    expect(buyer.get_by_role("heading", name="Workshop")).to_be_visible()
    buyer.close()


def test_the_first_action_opens_the_checkout_and_a_reload_resumes_it(
    page: Page, browser: Browser, shop: Shop
) -> None:
    """The link's page opens nothing; the first change (by HTMX) opens the buyer's checkout and
    puts its address in the bar, so a reload, or the link opened again, finds it. Without
    JavaScript the same form opens it too."""
    link = shop.add_link(adjustable_quantity="y", min_quantity="1", max_quantity="5")
    page.goto(link)
    expect(page.get_by_role("heading", name="Workshop")).to_be_visible()
    due_now = page.get_by_test_id("due-now")
    expect(due_now).to_have_text("SEK500.00")
    quantity = page.get_by_label("Quantity of Seat")
    quantity.fill("3")
    quantity.press("Enter")
    expect(due_now).to_have_text("SEK1,500.00")
    expect(page).to_have_url(re.compile(r"/c/[\w-]{43,}$"))
    checkout = page.url

    page.reload()
    expect(page.get_by_label("Quantity of Seat")).to_have_value("3")
    expect(due_now).to_have_text("SEK1,500.00")
    page.goto(link)
    expect(page).to_have_url(checkout)
    expect(due_now).to_have_text("SEK1,500.00")

    without_js = browser.new_context(java_script_enabled=False)
    try:
        other = without_js.new_page()
        other.goto(link)
        expect(other.get_by_test_id("due-now")).to_have_text("SEK500.00")
        other.get_by_label("Quantity of Seat").fill("2")
        other.get_by_role("button", name="Update").first.click()
        expect(other).to_have_url(re.compile(r"/c/[\w-]{43,}$"))
        assert other.url != checkout  # another buyer, another checkout
        expect(other.get_by_test_id("due-now")).to_have_text("SEK1,000.00")
    finally:
        without_js.close()


def test_a_link_no_buyer_could_pay_is_closed_at_once_and_flagged_in_the_list(
    page: Page, browser: Browser, base_url: str, stripe_sandbox: StripeSandbox, app: Flask
) -> None:
    """A link whose every order stays below Stripe's minimum (saved before the editor refused
    such links, or a price lowered since): buyers read that at once, not after filling it in."""
    owner = "minimum@links.example"
    merchant_with_a_link(base_url, stripe_sandbox, owner)
    with app.app_context():
        line = db.session.scalars(select(PaymentLinkLine)).one()
        line.unit_amount = 100  # SEK 1.00: below the SEK 3.00 Stripe takes at least
        db.session.commit()
    log_in(page, base_url, owner, DEFAULT_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Payment links").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Workshop"))
    expect(row.get_by_role("cell").nth(1)).to_contain_text("Cannot be paid")
    expect(row.get_by_test_id("link-warning")).to_contain_text("buyers could not pay")
    expect(row.get_by_text("Active", exact=True)).to_have_count(0)

    page.get_by_role("link", name="Workshop", exact=True).click()
    address = page.get_by_role("region", name="Address for buyers")
    buyer_url = address.get_by_text(re.compile(r"/l/pl_")).inner_text()
    buyer = browser.new_page()
    buyer.goto(buyer_url)
    expect(buyer.get_by_role("heading", name="Workshop")).to_be_visible()
    expect(
        buyer.get_by_text("The amount due is below the smallest payment we can take")
    ).to_be_visible()
    expect(buyer.get_by_label("Email")).to_have_count(0)  # nothing to fill in first
    buyer.close()
