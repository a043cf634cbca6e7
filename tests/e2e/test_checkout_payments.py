"""A buyer pays a payment link by card in the browser: Kassa under gunicorn, the Stripe sandbox
as a real HTTP server delivering webhooks to it, the Payment Element found by its frame and
labels, the emails read from a real SMTP server and the result read in the merchant's panel.
Bank debits are in ``test_checkout_bank_debits.py``."""

from __future__ import annotations

import threading

import pytest
import stripe
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.checkout.models import CheckoutSession
from app.core.clock import utcnow
from app.extensions import db
from tests.support.checkout import (
    BUYER,
    CHALLENGE_FRAME,
    PAYMENT_FRAME,
    MerchantPanel,
    Shop,
    enter_details,
    expect_settled_in_panel,
    fill_card,
    paid,
    pay_button,
    pay_by_card,
    payment_status,
)
from tests.support.mailbox import Mailbox
from tests.support.payments import confirm_as_browser, wait_until
from tests.support.settings import BUSINESS_DETAILS


def expect_one_receipt(mailbox: Mailbox, amount: str) -> None:
    """The buyer got one email, the receipt, for ``amount`` (a failed attempt sends none)."""
    receipt = mailbox.wait_for(BUYER, subject="Your receipt from")
    assert f"Amount: {amount}" in receipt.text
    assert [m.subject for m in mailbox.messages(BUYER)] == [receipt.subject]


def test_a_card_payment_ends_on_the_receipt_with_an_email_and_the_panel_entry(
    page: Page, shop: Shop, panel: MerchantPanel, mailbox: Mailbox
) -> None:
    element = enter_details(page, shop.add_link())
    expect(page.get_by_text("Test mode")).to_be_visible()
    fill_card(element, "4242424242424242")
    page.get_by_role("button", name="Pay SEK500.00").click()
    paid(page)
    expect(page.get_by_text("You paid SEK500.00 to Live Shop AB for Workshop.")).to_be_visible()
    expect_one_receipt(mailbox, "SEK500.00")
    row = expect_settled_in_panel(panel)
    assert row.amount == "SEK500.00" and row.method == "Card Visa •••• 4242"


# What a buyer reads and clicks, in English and in Swedish (Kassa's page and Stripe's element).
WORDS = {
    "en": {"email": "Email", "name": "Full name", "continue": "Continue", "pay": "Pay SEK500.00",
           "declined": "Your card was declined.",
           "thanks": "Thank you, your payment went through", "receipt": "Your receipt from"},
    "sv": {"email": "E-post", "name": "Fullständigt namn", "continue": "Fortsätt",
           "pay": "Betala 500,00\xa0kr", "declined": "Ditt kort nekades.",
           "thanks": "Tack, din betalning har gått igenom", "receipt": "Ditt kvitto från"},
}  # fmt: skip


@pytest.mark.parametrize(
    "language",
    [
        pytest.param("en", marks=pytest.mark.browser_context_args(locale="en-US")),
        pytest.param("sv", marks=pytest.mark.browser_context_args(locale="sv-SE")),
    ],
)
def test_a_declined_card_shows_the_reason_in_the_buyers_language_then_a_good_card_pays(
    page: Page, shop: Shop, mailbox: Mailbox, language: str
) -> None:
    words = WORDS[language]
    page.goto(shop.add_link())
    page.get_by_label(words["email"]).fill(BUYER)
    page.get_by_label(words["name"]).fill("Ada Buyer")
    page.get_by_role("button", name=words["continue"]).click()
    element = page.frame_locator(PAYMENT_FRAME).first
    fill_card(element, "4000000000000002", language)
    page.get_by_role("button", name=words["pay"]).click()
    expect(page.get_by_role("alert")).to_have_text(words["declined"])
    fill_card(element, "4242424242424242", language)
    page.get_by_role("button", name=words["pay"]).click()
    expect(page.get_by_role("heading", name=words["thanks"])).to_be_visible(timeout=20_000)
    assert sorted(c["status"] for c in shop.charges()) == ["failed", "succeeded"]
    receipt = mailbox.wait_for(BUYER, subject=words["receipt"])  # in the buyer's language
    assert [m.subject for m in mailbox.messages(BUYER)] == [receipt.subject]


def test_insufficient_funds_then_another_card(
    page: Page, shop: Shop, panel: MerchantPanel, mailbox: Mailbox
) -> None:
    element = enter_details(page, shop.add_link())
    pay_by_card(page, element, "4000000000009995")
    expect(page.get_by_role("alert")).to_have_text("Your card has insufficient funds.")
    expect(pay_button(page)).to_be_enabled()
    pay_by_card(page, element, "5555555555554444")
    paid(page)
    assert sorted(c["status"] for c in shop.charges()) == ["failed", "succeeded"]
    expect_one_receipt(mailbox, "SEK500.00")
    row = expect_settled_in_panel(panel)
    assert row.method == "Card Mastercard •••• 4444"
    assert len(panel.payments()) == 1  # one checkout, one payment: the decline is in its history
    detail = panel.open_latest()
    expect(detail.get_by_text("Failed", exact=True)).to_be_visible()


def test_three_d_secure_completed(page: Page, shop: Shop) -> None:
    element = enter_details(page, shop.add_link())
    pay_by_card(page, element, "4000000000003220")
    challenge = page.frame_locator(CHALLENGE_FRAME).frame_locator("iframe#challengeFrame")
    challenge.get_by_role("button", name="Complete").click()
    paid(page)


def test_three_d_secure_failed_then_another_card(page: Page, shop: Shop) -> None:
    element = enter_details(page, shop.add_link())
    pay_by_card(page, element, "4000000000003220")
    challenge = page.frame_locator(CHALLENGE_FRAME).frame_locator("iframe#challengeFrame")
    challenge.get_by_role("button", name="Fail").click()
    expect(page.get_by_role("alert")).to_be_visible()
    pay_by_card(page, element, "4242424242424242")
    paid(page)
    assert [c["status"] for c in shop.charges()].count("succeeded") == 1


def test_while_a_payment_is_on_its_way_the_buyer_is_told_and_the_order_is_locked(
    page: Page, shop: Shop
) -> None:
    """From Pay until the outcome (here a 3-D Secure challenge) the page says the payment is
    being processed, and neither the order nor the card can be changed; a failed challenge
    gives them back."""
    element = enter_details(page, shop.add_link(adjustable_quantity="y", max_quantity="5"))
    pay_by_card(page, element, "4000000000003220")
    challenge = page.frame_locator(CHALLENGE_FRAME).frame_locator("iframe#challengeFrame")
    expect(challenge.get_by_role("button", name="Fail")).to_be_visible()
    expect(payment_status(page)).to_be_visible()
    expect(pay_button(page)).to_be_disabled()
    quantity = page.get_by_label("Quantity of Seat")
    quantity.focus()
    expect(quantity).not_to_be_focused()  # the summary is out of reach
    details = page.get_by_role("link", name="Change your details")
    details.focus()
    expect(details).not_to_be_focused()
    expect(element.get_by_role("textbox", name="Card number")).not_to_be_editable()

    challenge.get_by_role("button", name="Fail").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(payment_status(page)).to_have_count(0)
    expect(pay_button(page)).to_be_enabled()
    quantity.focus()
    expect(quantity).to_be_focused()
    fill_card(element, "4242424242424242")
    pay_button(page).click()
    paid(page)
    assert [c["status"] for c in shop.charges()].count("succeeded") == 1


@pytest.mark.browser_context_args(locale="sv-SE")
def test_a_swedish_buyer_reads_that_the_payment_is_being_processed(page: Page, shop: Shop) -> None:
    words = WORDS["sv"]
    page.goto(shop.add_link())
    page.get_by_label(words["email"]).fill(BUYER)
    page.get_by_label(words["name"]).fill("Ada Buyer")
    page.get_by_role("button", name=words["continue"]).click()
    fill_card(page.frame_locator(PAYMENT_FRAME).first, "4000000000003220", "sv")
    page.get_by_role("button", name=words["pay"]).click()
    expect(page.get_by_role("status").filter(has_text="Din betalning behandlas.")).to_have_text(
        "Din betalning behandlas. Håll den här sidan öppen."
    )
    challenge = page.frame_locator(CHALLENGE_FRAME).frame_locator("iframe#challengeFrame")
    challenge.locator("#test-source-authorize-3ds").click()
    expect(page.get_by_role("heading", name=words["thanks"])).to_be_visible(timeout=20_000)


def test_back_after_paying_shows_the_receipt_not_the_pay_form(page: Page, shop: Shop) -> None:
    element = enter_details(page, shop.add_link())
    pay_by_card(page, element, "4242424242424242")
    paid(page)
    page.go_back()
    paid(page)
    expect(pay_button(page)).to_have_count(0)
    page.reload()
    paid(page)
    assert len(shop.charges()) == 1


def test_a_reload_during_three_d_secure_lets_the_buyer_pay_again(page: Page, shop: Shop) -> None:
    element = enter_details(page, shop.add_link())
    pay_by_card(page, element, "4000000000003220")
    challenge = page.frame_locator(CHALLENGE_FRAME).frame_locator("iframe#challengeFrame")
    expect(challenge.get_by_role("button", name="Complete")).to_be_visible()
    page.reload()  # the challenge is left unanswered
    element = page.frame_locator(PAYMENT_FRAME).first
    pay_by_card(page, element, "4242424242424242")
    paid(page)
    assert [c["status"] for c in shop.charges()] == ["succeeded"]


def test_a_reload_of_the_pay_step_reuses_the_payment_intent(page: Page, shop: Shop) -> None:
    element = enter_details(page, shop.add_link())
    expect(element.get_by_role("textbox", name="Card number")).to_be_visible()
    page.reload()
    second_tab = page.context.new_page()
    second_tab.goto(page.url)
    element = second_tab.frame_locator(PAYMENT_FRAME).first
    pay_by_card(second_tab, element, "4242424242424242")
    paid(second_tab)
    page.goto(page.url)  # the first tab's pay step now goes to the receipt
    paid(page)
    assert len(shop.charges()) == 1


def test_the_quantity_changes_the_total_in_the_browser(page: Page, shop: Shop) -> None:
    page.goto(shop.add_link(adjustable_quantity="y", max_quantity="5"))
    expect(page.get_by_test_id("due-now")).to_have_text("SEK500.00")
    quantity = page.get_by_label("Quantity of Seat")
    quantity.fill("3")
    quantity.press("Tab")
    expect(page.get_by_test_id("due-now")).to_have_text("SEK1,500.00")


def test_a_discount_code_applied_at_the_pay_step_lowers_the_charge(
    page: Page, shop: Shop, panel: MerchantPanel, mailbox: Mailbox
) -> None:
    panel.page.goto(shop.base_url + "/panel/settings/discounts")
    panel.page.get_by_label("Code").fill("SPRING25")
    panel.page.get_by_label("Percentage off").fill("25")
    panel.page.get_by_role("button", name="Add discount code").click()
    expect(panel.page.get_by_text("Discount code added.")).to_be_visible()

    element = enter_details(page, shop.add_link())
    expect(element.get_by_role("textbox", name="Card number")).to_be_visible()
    page.get_by_label("Discount code").fill("spring25")
    page.get_by_role("button", name="Apply code").click()
    expect(page.get_by_text("Discount (SPRING25)")).to_be_visible()
    expect(page.get_by_text("\u2212SEK125.00")).to_be_visible()  # a minus sign
    expect(page.get_by_test_id("due-now")).to_have_text("SEK375.00")
    expect(pay_button(page)).to_have_text("Pay SEK375.00")
    pay_by_card(page, element, "4242424242424242")
    paid(page)
    expect(page.get_by_text("You paid SEK375.00")).to_be_visible()
    assert [c["amount"] for c in shop.charges()] == [37500]
    expect_one_receipt(mailbox, "SEK375.00")
    assert expect_settled_in_panel(panel).amount == "SEK375.00"


def test_a_code_that_does_not_work_is_refused_next_to_the_field(page: Page, shop: Shop) -> None:
    page.goto(shop.add_link())
    page.get_by_label("Discount code").fill("NOSUCHCODE")
    page.get_by_role("button", name="Apply code").click()
    expect(page.get_by_label("Discount code")).to_have_accessible_description(
        "This code does not work here."
    )
    expect(page.get_by_test_id("due-now")).to_have_text("SEK500.00")


def test_a_tax_rate_shows_in_the_summary_and_is_charged(
    page: Page, shop: Shop, panel: MerchantPanel, mailbox: Mailbox
) -> None:
    shop.add_tax_rate("Moms", "25")
    product = shop.add_product("Workshop seat", "500", tax_rate="Moms")
    page.goto(shop.add_link(product=product, description="", amount=""))
    expect(page.get_by_text("Moms 25%", exact=True)).to_be_visible()  # the rate with its name
    expect(page.get_by_text("SEK125.00")).to_be_visible()
    expect(page.get_by_test_id("due-now")).to_have_text("SEK625.00")
    page.get_by_label("Email").fill(BUYER)
    page.get_by_label("Full name").fill("Ada Buyer")
    page.get_by_role("button", name="Continue").click()
    element = page.frame_locator(PAYMENT_FRAME).first
    expect(page.get_by_test_id("due-now")).to_have_text("SEK625.00")
    fill_card(element, "4242424242424242")
    page.get_by_role("button", name="Pay SEK625.00").click()
    paid(page)
    assert [c["amount"] for c in shop.charges()] == [62500]
    expect_one_receipt(mailbox, "SEK625.00")
    assert expect_settled_in_panel(panel).amount == "SEK625.00"


# The receipt as a buyer reads it, in English and in Swedish.
RECEIPT_WORDS = {
    "en": {"heading": "Receipt R-{year}-0001", "table": "What you bought", "unit": "SEK250.00",
           "amount": "SEK500.00", "tax": "Moms 25% of SEK500.00", "total": "SEK625.00",
           "method": "Card Visa ending in 4242"},
    "sv": {"heading": "Kvitto R-{year}-0001", "table": "Det här köpte du", "unit": "250,00\xa0kr",
           "amount": "500,00\xa0kr", "tax": "Moms 25\xa0% på 500,00\xa0kr",
           "total": "625,00\xa0kr", "method": "Kort Visa slutar på 4242"},
}  # fmt: skip


@pytest.mark.parametrize(
    "language",
    [
        pytest.param("en", marks=pytest.mark.browser_context_args(locale="en-US")),
        pytest.param("sv", marks=pytest.mark.browser_context_args(locale="sv-SE")),
    ],
)
def test_the_receipt_lists_the_lines_and_the_tax_with_its_rate_in_the_buyers_language(
    page: Page, shop: Shop, language: str
) -> None:
    shop.panel_post("/panel/settings/business", BUSINESS_DETAILS)
    shop.add_tax_rate("Moms", "25")
    product = shop.add_product("Workshop seat", "250", tax_rate="Moms")
    page.goto(shop.add_link(product=product, description="", amount="", quantity="2",
                            min_quantity="2", max_quantity="2"))  # fmt: skip
    words, receipt_words = WORDS[language], RECEIPT_WORDS[language]
    page.get_by_label(words["email"]).fill(BUYER)
    page.get_by_label(words["name"]).fill("Ada Buyer")
    page.get_by_role("button", name=words["continue"]).click()
    fill_card(page.frame_locator(PAYMENT_FRAME).first, "4242424242424242", language)
    pay = words["pay"].replace("500,00", "625,00").replace("500.00", "625.00")
    page.get_by_role("button", name=pay).click()
    expect(page.get_by_role("heading", name=words["thanks"])).to_be_visible(timeout=20_000)

    receipt = page.get_by_test_id("receipt")
    heading = receipt_words["heading"].format(year=utcnow().year)
    expect(receipt.get_by_role("heading", name=heading)).to_be_visible()
    expect(receipt.get_by_text("Acme Aktiebolag")).to_be_visible()
    expect(receipt.get_by_text("SE556677889901")).to_be_visible()
    lines = receipt.get_by_role("table", name=receipt_words["table"])
    expect(lines.get_by_test_id("receipt-line")).to_have_count(1)
    expect(lines.get_by_test_id("receipt-line").get_by_role("cell")).to_have_text(
        ["Workshop seat", "2", receipt_words["unit"], receipt_words["amount"]]
    )
    expect(receipt.get_by_test_id("receipt-tax")).to_have_text(receipt_words["tax"])
    expect(receipt.get_by_test_id("receipt-total")).to_have_text(receipt_words["total"])
    expect(receipt.get_by_text(receipt_words["method"])).to_be_visible()


def test_a_required_address_left_empty_is_pointed_out_and_nothing_typed_is_lost(
    page: Page, shop: Shop
) -> None:
    shop.accept(["card"], billing_address="required")
    page.goto(shop.add_link())
    page.get_by_label("Email").fill(BUYER)
    page.get_by_label("Full name").fill("Ada Buyer")
    page.get_by_label("Postal code").fill("114 55")
    page.get_by_label("City").fill("Stockholm")
    page.get_by_label("Country").select_option(label="Sweden")
    page.get_by_role("button", name="Continue").click()
    street = page.get_by_label("Billing address", exact=True)
    expect(street).to_have_accessible_description("This field is required.")
    expect(street).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert")).to_have_text("Please correct the highlighted fields.")
    expect(page.get_by_label("Email")).to_have_value(BUYER)
    expect(page.get_by_label("Full name")).to_have_value("Ada Buyer")
    expect(page.get_by_label("Postal code")).to_have_value("114 55")
    expect(page.get_by_label("City")).to_have_value("Stockholm")
    expect(page.get_by_label("Country")).to_have_value("SE")
    street.fill("Drottninggatan 1")
    page.get_by_role("button", name="Continue").click()
    element = page.frame_locator(PAYMENT_FRAME).first
    pay_by_card(page, element, "4242424242424242")
    paid(page)


def test_a_required_address_part_left_empty_is_pointed_out_next_to_it(
    page: Page, shop: Shop
) -> None:
    shop.accept(["card"], billing_address="required")
    page.goto(shop.add_link())
    page.get_by_label("Email").fill(BUYER)
    page.get_by_label("Full name").fill("Ada Buyer")
    page.get_by_label("Billing address", exact=True).fill("Drottninggatan 1")
    page.get_by_label("Postal code").fill("114 55")
    page.get_by_label("Country").select_option(label="Sweden")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_label("City")).to_have_accessible_description(
        "This field is required.", timeout=2_000
    )


def test_a_double_click_on_pay_charges_once(page: Page, shop: Shop) -> None:
    element = enter_details(page, shop.add_link())
    fill_card(element, "4242424242424242")
    pay_button(page).dblclick()
    paid(page)
    assert len(shop.charges()) == 1


def test_pressing_enter_twice_on_pay_charges_once(page: Page, shop: Shop) -> None:
    element = enter_details(page, shop.add_link())
    fill_card(element, "4242424242424242")
    pay_button(page).focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    paid(page)
    assert len(shop.charges()) == 1


def two_tabs_with_a_card_each(page: Page, shop: Shop) -> Page:
    """The buyer's checkout at the pay step in ``page`` and in a second tab, a card typed in
    each; returns the second tab."""
    first = enter_details(page, shop.add_link())
    other_tab = page.context.new_page()
    other_tab.goto(page.url)
    fill_card(first, "4242424242424242")
    fill_card(other_tab.frame_locator(PAYMENT_FRAME).first, "5555555555554444")
    return other_tab


def expect_charged_once(shop: Shop, panel: MerchantPanel, mailbox: Mailbox) -> None:
    assert [c["status"] for c in shop.charges()] == ["succeeded"]
    assert shop.refunds() == []  # no second charge, so no duplicate to refund
    expect_one_receipt(mailbox, "SEK500.00")
    assert [row.status for row in panel.wait_for("Succeeded")] == ["Succeeded"]


def test_two_tabs_paying_one_checkout_one_after_the_other_charge_once(
    page: Page, shop: Shop, panel: MerchantPanel, mailbox: Mailbox
) -> None:
    other_tab = two_tabs_with_a_card_each(page, shop)
    pay_button(page).click()
    paid(page)
    pay_button(other_tab).click()
    paid(other_tab)  # told it is paid, not Stripe's "cannot confirm" error
    expect_charged_once(shop, panel, mailbox)


def test_two_tabs_paying_one_checkout_at_the_same_moment_charge_once(
    page: Page, shop: Shop, panel: MerchantPanel, mailbox: Mailbox
) -> None:
    other_tab = two_tabs_with_a_card_each(page, shop)
    pay_button(page).click()
    pay_button(other_tab).click()
    paid(page)
    paid(other_tab)
    expect_charged_once(shop, panel, mailbox)


def _pay_step_intent(app: Flask) -> str:
    with app.app_context():
        intent_id = db.session.scalars(
            select(CheckoutSession.payment_intent_id).where(
                CheckoutSession.payment_intent_id.is_not(None)
            )
        ).one()
        return str(intent_id)


def test_a_busy_payment_shows_kassas_words_not_stripes_then_pays_once(
    page: Page, shop: Shop, app: Flask
) -> None:
    """Another tab's confirm holds the intent while the buyer presses Pay: Stripe.js answers
    ``lock_timeout``, and the buyer reads Kassa's words, not Stripe's message to developers.
    Pressing Pay again finds it paid."""
    element = enter_details(page, shop.add_link())
    fill_card(element, "4242424242424242")
    intent_id = _pay_step_intent(app)
    merchant_stripe = stripe.StripeClient(
        shop.account.secret_key, base_addresses={"api": shop.sandbox.api_base}
    )
    client_secret = merchant_stripe.v1.payment_intents.retrieve(intent_id).client_secret
    shop.sandbox.faults(confirm_hold_ms=4000)
    other_tab = threading.Thread(
        target=confirm_as_browser,
        args=(shop.sandbox, shop.account, intent_id, client_secret),
        kwargs={"payment_method": "pm_card_visa"},
    )
    other_tab.start()
    try:
        wait_until(lambda: shop.sandbox.holds(intent_id), what="the other tab's confirm")
        pay_button(page).click()
        alert = page.locator("#payment-errors")
        expect(alert).to_have_text("Something went wrong. Please try again.", timeout=10_000)
        expect(alert).not_to_contain_text("cannot be accessed")
    finally:
        other_tab.join()
        shop.sandbox.faults(confirm_hold_ms=0)
    confirms = [r for r in shop.sandbox.requests(shop.account) if r["path"].endswith("/confirm")]
    assert "lock_timeout" in {r["error_code"] for r in confirms}, "the browser met the lock"
    pay_button(page).click()
    paid(page)
    assert [c["status"] for c in shop.charges()] == ["succeeded"]
