"""A buyer pays a payment link by bank debit in the browser: SEPA (EUR), ACH (a US merchant,
USD) and Bacs (a GB merchant, GBP). A debit is processing when the buyer confirms, and clears or
bounces when the sandbox settles it (``/_sandbox/advance``); webhooks bring the outcome to
Kassa, which emails the buyer and shows the payment in the merchant's panel."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.support.checkout import (
    BUYER,
    SLOW,
    MerchantPanel,
    Shop,
    enter_details,
    expect_settled_in_panel,
    fill_card,
    link_us_bank_account,
    open_shop,
    paid,
    pay_button,
    pay_by_bacs,
    pay_by_sepa,
    processing,
)
from tests.support.mailbox import Mailbox
from tests.support.stripe_sandbox import StripeSandbox

PanelOf = Callable[[Shop], MerchantPanel]
PROCESSING_EMAIL = "Your payment to Live Shop AB is being processed"
RECEIPT_EMAIL = "Your receipt from Live Shop AB"
FAILED_EMAIL = "Your payment to Live Shop AB did not go through"
NOT_ENOUGH_FUNDS = "There were not enough funds. Try another card, account or payment method."
SEPA_FEE = {"name": "SEPA fee", "method": "sepa_debit", "fixed_currency": "EUR",
            "fixed_amount": "1", "percent": ""}  # fmt: skip
IBAN = "DE89370400440532013000"


@pytest.fixture
def eu_shop(shop: Shop) -> Shop:
    """The Swedish merchant, also selling in EUR and accepting SEPA Direct Debit."""
    shop.add_currency("EUR")
    shop.accept(["card", "sepa_debit"])
    shop.currency = "EUR"
    return shop


@pytest.fixture
def us_shop(base_url: str, stripe_sandbox: StripeSandbox) -> Shop:
    """A US merchant selling in USD, accepting ACH Direct Debit."""
    us = open_shop(base_url, stripe_sandbox, "US", "usd", "Workshop Inc", "owner@workshop.us")
    us.accept(["card", "us_bank_account"])
    return us


@pytest.fixture
def us_shop_sent_amounts(base_url: str, stripe_sandbox: StripeSandbox) -> Shop:
    """A US merchant whose Stripe account verifies typed bank accounts with two amounts."""
    us = open_shop(base_url, stripe_sandbox, "US", "usd", "Workshop Inc", "owner@amounts.us",
                   microdeposit_type="amounts")  # fmt: skip
    us.accept(["card", "us_bank_account"])
    return us


@pytest.fixture
def gb_shop(base_url: str, stripe_sandbox: StripeSandbox) -> Shop:
    """A UK merchant selling in GBP, accepting Bacs Direct Debit."""
    gb = open_shop(base_url, stripe_sandbox, "GB", "gbp", "Workshop Ltd", "owner@workshop.uk")
    gb.accept(["card", "bacs_debit"])
    return gb


# What every debit shows, whatever the scheme


def expect_processing(page: Page, mailbox: Mailbox, panel: MerchantPanel, amount: str) -> None:
    """The buyer is told the debit is processing, by the page and by email; the merchant sees
    it processing, with no fee yet."""
    processing(page)
    expect(page.get_by_text(f"You authorised a bank debit of {amount}")).to_be_visible()
    assert f"Amount: {amount}" in mailbox.wait_for(BUYER, subject=PROCESSING_EMAIL).text
    [row] = panel.wait_for("Processing")
    assert (row.amount, row.fee, row.net) == (amount, "—", "—")
    assert BUYER in row.buyer.splitlines()  # under the buyer's name


def expect_cleared(page: Page, mailbox: Mailbox, panel: MerchantPanel, amount: str) -> None:
    """After settling: the receipt by email, the fee and net in the panel, the receipt page."""
    panel.shop.settle_debits()
    expect_settled_in_panel(panel)
    assert f"Amount: {amount}" in mailbox.wait_for(BUYER, subject=RECEIPT_EMAIL).text
    page.reload()
    paid(page)
    assert not mailbox.messages(BUYER)[2:], "only the processing email and the receipt"


def expect_bounced(page: Page, mailbox: Mailbox, panel: MerchantPanel, amount: str) -> None:
    """After settling: the panel says failed, the buyer gets an email with the reason and a
    way back to pay, and the checkout opens its pay step again with the reason."""
    panel.shop.settle_debits()
    [row] = panel.wait_for("Failed")
    assert (row.amount, row.fee, row.net) == (amount, "—", "—")
    bounced = mailbox.wait_for(BUYER, subject=FAILED_EMAIL)
    assert NOT_ENOUGH_FUNDS in bounced.text
    assert not any(m.subject.startswith("Your receipt") for m in mailbox.messages(BUYER))
    notice = mailbox.wait_for(
        panel.shop.owner_email, subject=f"A bank debit did not clear: {amount}"
    )
    assert f"The bank debit of {amount} from {BUYER} did not clear" in notice.text
    pay_again = re.search(r"http://\S+/pay", bounced.text)
    assert pay_again, bounced.text
    page.goto(pay_again.group(0))
    expect(page.get_by_text(NOT_ENOUGH_FUNDS)).to_be_visible()
    expect(pay_button(page)).to_be_visible()
    page.get_by_role("link", name="Change your details").click()
    expect(page.get_by_label("Email")).to_have_value(BUYER)  # nothing typed is lost
    assert [c["status"] for c in panel.shop.charges()] == ["failed"]


# SEPA Direct Debit


def test_sepa_is_processing_then_succeeds(
    page: Page, eu_shop: Shop, panel_of: PanelOf, mailbox: Mailbox
) -> None:
    panel = panel_of(eu_shop)
    element = enter_details(page, eu_shop.add_link(amount="50"))
    element.get_by_role("button", name="SEPA Debit").click()
    expect(element.get_by_text("you authorise (A) Live Shop AB and Stripe")).to_be_visible()
    pay_by_sepa(page, element, IBAN)
    page.go_back()  # to the pay step, which is never shown from the cache once paid
    processing(page)
    expect(pay_button(page)).to_have_count(0)
    expect(page.get_by_text("SEPA debits take up to 14 business days to clear.")).to_be_visible()
    expect_processing(page, mailbox, panel, "€50.00")
    expect_cleared(page, mailbox, panel, "€50.00")


def test_a_bounced_sepa_debit_is_emailed_and_brings_the_buyer_back_to_pay(
    page: Page, eu_shop: Shop, panel_of: PanelOf, mailbox: Mailbox
) -> None:
    panel = panel_of(eu_shop)
    element = enter_details(page, eu_shop.add_link(amount="50"))
    pay_by_sepa(page, element, "AT861904300235473202")
    expect_processing(page, mailbox, panel, "€50.00")
    expect_bounced(page, mailbox, panel, "€50.00")


def test_the_method_is_chosen_once_in_the_payment_form_with_its_surcharge_before_paying(
    page: Page, eu_shop: Shop
) -> None:
    """The details step asks no method: it says what each costs and that the choice comes
    next. In the Payment Element, choosing SEPA brings its fee into the summary and onto the
    Pay button before anything is typed; back at the details and on again, the element opens
    on SEPA, priced; the charge is the amount on the button."""
    eu_shop.panel_post("/panel/settings/fees", SEPA_FEE)
    link = eu_shop.add_link(amount="50")
    page.goto(link)
    expect(page.get_by_role("radio")).to_have_count(0)
    totals = page.get_by_role("list", name="Total by payment method").get_by_role("listitem")
    expect(totals).to_have_text([re.compile(r"^Card\s*€50\.00$"),
                                 re.compile(r"^SEPA Direct Debit\s*€51\.00$")])  # fmt: skip
    expect(page.get_by_text("You choose how to pay on the next step.")).to_be_visible()

    element = enter_details(page, link)
    expect(page.get_by_test_id("due-now")).to_have_text("€50.00")  # the card, shown first
    element.get_by_role("button", name="SEPA Debit").click()
    expect(page.get_by_test_id("due-now")).to_have_text("€51.00")
    expect(page.get_by_text("SEPA fee")).to_be_visible()
    expect(pay_button(page)).to_have_text("Pay €51.00")

    page.get_by_role("link", name="Change your details").click()
    expect(page.get_by_test_id("due-now")).to_have_text("€51.00")
    page.get_by_role("button", name="Continue").click()
    tabs = element.get_by_role("group", name="Payment method").get_by_role("button")
    expect(tabs).to_have_text(["SEPA Debit", "Card"])
    expect(tabs.first).to_have_attribute("aria-pressed", "true")
    expect(element.get_by_role("textbox", name="IBAN")).to_be_visible()
    expect(pay_button(page)).to_have_text("Pay €51.00")
    pay_by_sepa(page, element, IBAN)
    assert [c["amount"] for c in eu_shop.charges()] == [5100]


def test_switching_methods_fast_then_paying_charges_the_amount_on_the_button(
    page: Page, eu_shop: Shop
) -> None:
    """A careless buyer flicks between the tabs and presses Pay at once: the summary ends on
    the method shown, and what is charged is what the button says (if the button had not
    caught up when Pay was pressed, the buyer is told and presses again)."""
    eu_shop.panel_post("/panel/settings/fees", SEPA_FEE)
    element = enter_details(page, eu_shop.add_link(amount="50"))
    sepa = element.get_by_role("button", name="SEPA Debit")
    card = element.get_by_role("button", name="Card")
    for _ in range(3):
        sepa.click()
        card.click()
    sepa.click()
    element.get_by_role("textbox", name="IBAN").fill(IBAN)
    pay_button(page).click()
    told = page.get_by_text("The total changed to the amount on the button.")
    processing_page = page.get_by_role("heading", name="Your payment is being processed")
    expect(told.or_(processing_page)).to_be_visible(timeout=SLOW)
    if told.is_visible():
        expect(pay_button(page)).to_have_text("Pay €51.00")
        pay_button(page).click()
    processing(page)
    assert [c["amount"] for c in eu_shop.charges()] == [5100]


def test_an_error_is_shown_once_and_belongs_to_its_method(page: Page, eu_shop: Shop) -> None:
    """An incomplete card number is said once, under the field; a declined card under the
    element; neither stays when the buyer switches to SEPA, which then pays."""
    element = enter_details(page, eu_shop.add_link(amount="50"))
    incomplete = "Your card number is incomplete."
    element.get_by_role("textbox", name="Card number").fill("4242")
    pay_button(page).click()
    expect(element.get_by_text(incomplete)).to_be_visible()
    expect(pay_button(page)).to_be_enabled()
    expect(page.get_by_text(incomplete)).to_have_count(0)  # not again below the element
    element.get_by_role("button", name="SEPA Debit").click()
    expect(element.get_by_role("textbox", name="IBAN")).to_be_visible()
    expect(element.get_by_text(incomplete)).to_have_count(0)

    element.get_by_role("button", name="Card").click()
    fill_card(element, "4000000000000002")
    pay_button(page).click()
    declined = page.get_by_role("alert").filter(has_text="Your card was declined.")
    expect(declined).to_be_visible()
    element.get_by_role("button", name="SEPA Debit").click()
    expect(declined).to_have_count(0)
    pay_by_sepa(page, element, IBAN)
    assert sorted(c["status"] for c in eu_shop.charges()) == ["failed", "pending"]


# ACH Direct Debit: a bank account typed in is verified with micro-deposits first: one deposit
# with a code in its description (Stripe's default), or two small amounts


def verify_micro_deposits(page: Page, sent: str = "descriptor_code") -> None:
    """On Kassa's page after an ACH confirmation, read what to look for, open Stripe's
    verification page (a new tab), enter the code or the two deposits, and come back."""
    heading = page.get_by_role("heading", name="Verify your bank account to finish paying")
    expect(heading).to_be_visible(timeout=SLOW)
    expect(page.get_by_text("Nothing has been debited yet")).to_be_visible()
    if sent == "descriptor_code":
        expect(page.get_by_text("a 6-character code starting with SM")).to_be_visible()
    else:
        expect(page.get_by_text("Two small deposits will reach your account")).to_be_visible()
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="Verify your bank account").click()
    stripe_page = opened.value
    if sent == "descriptor_code":
        stripe_page.get_by_label("Descriptor code").fill("SM11AA")
    else:
        stripe_page.get_by_label("Amount 1").fill("32")
        stripe_page.get_by_label("Amount 2").fill("45")
    stripe_page.get_by_role("button", name="Verify").click()
    expect(stripe_page.get_by_role("status")).to_have_text("Verified.")
    stripe_page.close()
    page.reload()


def pay_by_ach(page: Page, us_shop: Shop, account_number: str, sent: str = "descriptor_code"
               ) -> None:  # fmt: skip
    element = enter_details(page, us_shop.add_link(amount="40"))
    link_us_bank_account(page, element, account_number)
    pay_button(page).click()
    verify_micro_deposits(page, sent)
    processing(page)
    expect(page.get_by_text("ACH debits take up to 4 business days to clear.")).to_be_visible()


def test_ach_debit_is_verified_with_a_descriptor_code_then_succeeds(
    page: Page, us_shop: Shop, panel_of: PanelOf, mailbox: Mailbox
) -> None:
    panel = panel_of(us_shop)
    pay_by_ach(page, us_shop, "000123456789")
    expect_processing(page, mailbox, panel, "$40.00")
    expect_cleared(page, mailbox, panel, "$40.00")


def test_ach_debit_is_verified_with_two_deposit_amounts_then_succeeds(
    page: Page, us_shop_sent_amounts: Shop, panel_of: PanelOf, mailbox: Mailbox
) -> None:
    panel = panel_of(us_shop_sent_amounts)
    pay_by_ach(page, us_shop_sent_amounts, "000123456789", sent="amounts")
    expect_processing(page, mailbox, panel, "$40.00")
    expect_cleared(page, mailbox, panel, "$40.00")


def test_a_failed_ach_debit_is_emailed_and_brings_the_buyer_back_to_pay(
    page: Page, us_shop: Shop, panel_of: PanelOf, mailbox: Mailbox
) -> None:
    panel = panel_of(us_shop)
    pay_by_ach(page, us_shop, "000222222227")
    expect_processing(page, mailbox, panel, "$40.00")
    expect_bounced(page, mailbox, panel, "$40.00")


# Bacs Direct Debit


def test_bacs_debit_succeeds(
    page: Page, gb_shop: Shop, panel_of: PanelOf, mailbox: Mailbox
) -> None:
    panel = panel_of(gb_shop)
    element = enter_details(page, gb_shop.add_link(amount="40"))
    pay_by_bacs(page, element, "00012345", business="Live Shop AB")
    expect(page.get_by_text("Bacs debits take 3 to 7 business days to clear.")).to_be_visible()
    expect_processing(page, mailbox, panel, "£40.00")
    expect_cleared(page, mailbox, panel, "£40.00")


def test_a_failed_bacs_debit_is_emailed_and_brings_the_buyer_back_to_pay(
    page: Page, gb_shop: Shop, panel_of: PanelOf, mailbox: Mailbox
) -> None:
    panel = panel_of(gb_shop)
    element = enter_details(page, gb_shop.add_link(amount="40"))
    pay_by_bacs(page, element, "22222227")
    expect_processing(page, mailbox, panel, "£40.00")
    expect_bounced(page, mailbox, panel, "£40.00")
