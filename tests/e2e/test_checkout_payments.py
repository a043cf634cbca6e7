"""A buyer pays a payment link in the browser: Kassa under gunicorn, the Stripe sandbox as a
real HTTP server delivering webhooks to it, the Payment Element found by its frame and labels."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
import requests
import stripe
from playwright.sync_api import FrameLocator, Page, expect

from tests.conftest import csrf_token_from
from tests.support.mailbox import Mailbox
from tests.support.payments import connect_through_live_server, wait_until
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox

PAYMENT_FRAME = 'iframe[title="Secure payment input frame"]'
CHALLENGE_FRAME = 'iframe[src*="three-ds-2-challenge"]'
BUYER = "ada@example.com"


@dataclass
class Shop:
    base_url: str
    merchant: requests.Session
    account: SandboxAccount
    sandbox: StripeSandbox

    def add_link(self, **fields: str) -> str:
        """A link made in the panel; returns its buyer address."""
        page = f"{self.base_url}/panel/links/new"
        data = {
            "csrf_token": csrf_token_from(self.merchant.get(page, timeout=10).text),
            "name": "Workshop", "currency": "SEK", "product": "", "description": "Seat",
            "amount": "500", "quantity": "1", "min_quantity": "1", "max_quantity": "1",
            "billing_address": "", "shipping_address": "", "phone": "", "active": "y",
            **fields,
        }  # fmt: skip
        editor = self.merchant.post(page, data=data, timeout=10)
        return self.base_url + "/l/" + editor.text.split("/l/", 1)[1].split("<", 1)[0]

    def _stripe(self) -> stripe.StripeClient:
        return stripe.StripeClient(
            self.account.secret_key, base_addresses={"api": self.sandbox.api_base}
        )

    def charges(self) -> list[dict]:
        return [c.to_dict() for c in self._stripe().v1.charges.list().data]

    def balance_transaction(self, transaction_id: str) -> dict:
        return self._stripe().v1.balance_transactions.retrieve(transaction_id).to_dict()


@pytest.fixture
def shop(base_url: str, stripe_sandbox: StripeSandbox) -> Shop:
    account = stripe_sandbox.create_account("SE", "sek", name="Verkstan AB")
    merchant = connect_through_live_server(base_url, account, "owner@verkstan.example")
    return Shop(base_url, merchant, account, stripe_sandbox)


def enter_details(page: Page, link_url: str) -> FrameLocator:
    page.goto(link_url)
    page.get_by_label("Email").fill(BUYER)
    page.get_by_label("Full name").fill("Ada Buyer")
    page.get_by_role("button", name="Continue").click()
    return page.frame_locator(PAYMENT_FRAME).first


def fill_card(element: FrameLocator, number: str) -> None:
    element.get_by_role("textbox", name="Card number").fill(number)
    element.get_by_role("textbox", name="Expiration date MM / YY").fill("1235")
    element.get_by_role("textbox", name="Security code").fill("123")
    zip_code = element.get_by_role("textbox", name="ZIP code")
    if zip_code.count():
        zip_code.fill("12345")


def paid(page: Page) -> None:
    expect(page.get_by_role("heading", name="Thank you, your payment went through")).to_be_visible(
        timeout=20_000
    )


def test_a_card_payment_ends_on_the_receipt_with_an_email_and_the_panel_entry(
    page: Page, shop: Shop, mailbox: Mailbox
) -> None:
    element = enter_details(page, shop.add_link())
    expect(page.get_by_text("Test mode")).to_be_visible()
    fill_card(element, "4242424242424242")
    page.get_by_role("button", name=re.compile(r"^Pay SEK500\.00")).click()
    paid(page)
    assert "Your receipt from" in mailbox.wait_for(BUYER).subject
    [charge] = shop.charges()
    balance = shop.balance_transaction(charge["balance_transaction"])
    payments = shop.merchant.get(f"{shop.base_url}/panel/payments", timeout=10).text
    assert "Succeeded" in payments
    gross, fee, net = (f"SEK{balance[key] / 100:,.2f}" for key in ("amount", "fee", "net"))
    assert gross == "SEK500.00" and all(figure in payments for figure in (gross, fee, net))


def test_a_declined_card_then_a_good_one(page: Page, shop: Shop) -> None:
    element = enter_details(page, shop.add_link())
    fill_card(element, "4000000000000002")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(page.get_by_role("alert")).to_contain_text("declined")
    fill_card(element, "4242424242424242")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    paid(page)
    assert [c["status"] for c in shop.charges()].count("succeeded") == 1


def test_three_d_secure_completed(page: Page, shop: Shop) -> None:
    element = enter_details(page, shop.add_link())
    fill_card(element, "4000000000003220")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    challenge = page.frame_locator(CHALLENGE_FRAME).frame_locator("iframe#challengeFrame")
    challenge.get_by_role("button", name="Complete").click()
    paid(page)


def test_a_reload_of_the_pay_step_reuses_the_payment_intent(page: Page, shop: Shop) -> None:
    element = enter_details(page, shop.add_link())
    expect(element.get_by_role("textbox", name="Card number")).to_be_visible()
    page.reload()
    second_tab = page.context.new_page()
    second_tab.goto(page.url)
    element = second_tab.frame_locator(PAYMENT_FRAME).first
    fill_card(element, "4242424242424242")
    second_tab.get_by_role("button", name=re.compile(r"^Pay ")).click()
    paid(second_tab)
    page.goto(page.url)  # the first tab's pay step now goes to the receipt
    paid(page)
    assert len(shop.charges()) == 1


def accept_sepa(shop: Shop) -> None:
    """The merchant adds EUR and accepts SEPA Direct Debit besides cards."""
    for page, data in (
        ("/panel/settings/currencies", {"currency": "EUR"}),
        ("/panel/settings/checkout", {"payment_methods": ["card", "sepa_debit"],
                                      "billing_address": "off", "shipping_address": "off",
                                      "phone": "off"}),
    ):  # fmt: skip
        url = shop.base_url + page
        token = csrf_token_from(shop.merchant.get(url, timeout=10).text)
        assert shop.merchant.post(url, data={"csrf_token": token, **data}, timeout=10).ok


def pay_by_sepa(page: Page, element: FrameLocator, iban: str) -> None:
    """Fill the SEPA tab (already chosen), pay, and wait for the processing page."""
    element.get_by_role("textbox", name="Full name").fill("Ada Buyer")
    element.get_by_role("textbox", name="Email").fill(BUYER)
    element.get_by_role("textbox", name="IBAN").fill(iban)
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(page.get_by_role("heading", name="Your payment is being processed")).to_be_visible(
        timeout=20_000
    )


def test_sepa_is_processing_then_succeeds(page: Page, shop: Shop, mailbox: Mailbox) -> None:
    accept_sepa(shop)
    element = enter_details(page, shop.add_link(currency="EUR", amount="50"))
    element.get_by_role("button", name="SEPA Debit").click()
    pay_by_sepa(page, element, "DE89370400440532013000")
    expect(page.get_by_text("SEPA debits take up to 14 business days to clear.")).to_be_visible()
    shop.sandbox.control("POST", "/_sandbox/advance")
    wait_until(
        lambda: (
            "Succeeded" in shop.merchant.get(f"{shop.base_url}/panel/payments", timeout=10).text
        ),
        what="the webhook to record the settled debit",
    )
    page.reload()
    paid(page)
    assert any("receipt" in message.subject.lower() for message in mailbox.messages(BUYER))


def panel_post(shop: Shop, page: str, data: dict) -> None:
    url = shop.base_url + page
    token = csrf_token_from(shop.merchant.get(url, timeout=10).text)
    assert shop.merchant.post(url, data={"csrf_token": token, **data}, timeout=10).ok


def test_three_d_secure_failed_then_another_card(page: Page, shop: Shop) -> None:
    element = enter_details(page, shop.add_link())
    fill_card(element, "4000000000003220")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    challenge = page.frame_locator(CHALLENGE_FRAME).frame_locator("iframe#challengeFrame")
    challenge.get_by_role("button", name="Fail").click()
    expect(page.get_by_role("alert")).to_be_visible()
    fill_card(element, "4242424242424242")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    paid(page)
    assert [c["status"] for c in shop.charges()].count("succeeded") == 1


def test_the_quantity_changes_the_total_in_the_browser(page: Page, shop: Shop) -> None:
    page.goto(shop.add_link(adjustable_quantity="y", max_quantity="5"))
    expect(page.get_by_test_id("due-now")).to_have_text("SEK500.00")
    quantity = page.get_by_label("Quantity of Seat")
    quantity.fill("3")
    quantity.press("Tab")
    expect(page.get_by_test_id("due-now")).to_have_text("SEK1,500.00")


def test_a_method_surcharge_appears_when_the_method_is_chosen(page: Page, shop: Shop) -> None:
    accept_sepa(shop)
    panel_post(shop, "/panel/settings/fees", {"name": "SEPA fee", "method": "sepa_debit",
               "fixed_currency": "EUR", "fixed_amount": "1", "percent": ""})  # fmt: skip
    element = enter_details(page, shop.add_link(currency="EUR", amount="50"))
    expect(page.get_by_test_id("due-now")).to_have_text("€50.00")
    element.get_by_role("button", name="SEPA Debit").click()
    expect(page.get_by_test_id("due-now")).to_have_text("€51.00")
    expect(page.get_by_text("SEPA fee")).to_be_visible()
    expect(page.get_by_role("button", name="Pay €51.00")).to_be_visible()
    pay_by_sepa(page, element, "DE89370400440532013000")
    assert [c["amount"] for c in shop.charges()] == [5100]


def test_bacs_debit_succeeds(page: Page, base_url: str, stripe_sandbox: StripeSandbox) -> None:
    account = stripe_sandbox.create_account("GB", "gbp", name="Workshop Ltd")
    merchant = connect_through_live_server(base_url, account, "owner@workshop.example")
    shop = Shop(base_url, merchant, account, stripe_sandbox)
    panel_post(shop, "/panel/settings/currencies", {"currency": "GBP"})
    panel_post(shop, "/panel/settings/checkout", {"payment_methods": ["card", "bacs_debit"],
               "billing_address": "off", "shipping_address": "off", "phone": "off"})  # fmt: skip
    element = enter_details(page, shop.add_link(currency="GBP", amount="40"))
    element.get_by_role("button", name="Bacs Direct Debit").click()
    element.get_by_role("textbox", name="Sort code").fill("108800")
    element.get_by_role("textbox", name="Account number").fill("00012345")
    element.get_by_role("textbox", name="Full name").fill("Ada Buyer")
    element.get_by_role("textbox", name="Email").fill(BUYER)
    element.get_by_role("textbox", name="Address line 1").fill("1 High Street")
    element.get_by_role("textbox", name="City").fill("London")
    element.get_by_role("textbox", name="Postal code").fill("EC1A 1BB")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    element.get_by_role("dialog").get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Bacs debits take 3 to 7 business days to clear.")).to_be_visible(
        timeout=20_000
    )
    stripe_sandbox.control("POST", "/_sandbox/advance")
    wait_until(
        lambda: "Succeeded" in merchant.get(f"{base_url}/panel/payments", timeout=10).text,
        what="the webhook to record the settled debit",
    )
    page.reload()
    paid(page)


def test_a_bounced_sepa_debit_brings_the_buyer_back_to_pay(page: Page, shop: Shop) -> None:
    accept_sepa(shop)
    element = enter_details(page, shop.add_link(currency="EUR", amount="50"))
    element.get_by_role("button", name="SEPA Debit").click()
    pay_by_sepa(page, element, "AT861904300235473202")
    shop.sandbox.control("POST", "/_sandbox/advance")
    wait_until(
        lambda: "Failed" in shop.merchant.get(f"{shop.base_url}/panel/payments", timeout=10).text,
        what="the webhook to record the bounced debit",
    )
    page.reload()
    expect(page.get_by_text("There were not enough funds.")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"^Pay "))).to_be_visible()
    page.get_by_role("link", name="Change your details").click()
    expect(page.get_by_label("Email")).to_have_value(BUYER)  # nothing typed is lost
