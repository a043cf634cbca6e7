"""A buyer paying a Kassa checkout in the browser and a merchant reading the result in the
panel: the steps every checkout test shares, found by role and label as a person finds them.

The merchant sets up their shop through the panel's forms (a ``requests`` session that signed up
on the live server) and reads payments in a browser of their own; the buyer uses the test's page.
The Payment Element is the Stripe sandbox's stand-in, found by Stripe's own frame titles and
labels, so these steps work against Stripe test mode too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import requests
import stripe
from playwright.sync_api import Browser, BrowserContext, FrameLocator, Locator, Page, expect

from app.core.money import Money, format_money
from tests.conftest import csrf_token_from
from tests.support.accounts import DEFAULT_PASSWORD
from tests.support.payments import connect_through_live_server, wait_until
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox

PAYMENT_FRAME = 'iframe[title="Secure payment input frame"]'
CHALLENGE_FRAME = 'iframe[src*="three-ds-2-challenge"]'
BANK_LINKING_FRAME = 'iframe[src*="linked-accounts-inner"]'
BUYER = "ada@example.com"
PAY = re.compile(r"^Pay ")
SLOW = 20_000  # ms: a confirmation goes browser → sandbox → redirect → Kassa → sandbox


@dataclass
class Shop:
    """A merchant on the live server, connected to a sandbox account."""

    base_url: str
    merchant: requests.Session
    account: SandboxAccount
    sandbox: StripeSandbox
    owner_email: str
    currency: str

    # The panel, as forms a person submits

    def panel_post(self, page: str, data: dict[str, Any]) -> str:
        url = self.base_url + page
        token = csrf_token_from(self.merchant.get(url, timeout=10).text)
        answer = self.merchant.post(url, data={"csrf_token": token, **data}, timeout=10)
        assert answer.ok, answer.text
        return answer.text

    def accept(self, methods: list[str], **checkout: str) -> None:
        """Accept these methods at checkout (addresses and phone off unless given)."""
        self.panel_post(
            "/panel/settings/checkout",
            {"payment_methods": methods, "billing_address": "off", "shipping_address": "off",
             "phone": "off", **checkout},
        )  # fmt: skip

    def add_currency(self, currency: str) -> None:
        self.panel_post("/panel/settings/currencies", {"currency": currency})

    def add_link(self, **fields: Any) -> str:
        """A link made in the panel; returns its buyer address."""
        editor = self.panel_post(
            "/panel/links/new",
            {"name": "Workshop", "currency": self.currency, "product": "", "description": "Seat",
             "amount": "500", "quantity": "1", "min_quantity": "1", "max_quantity": "1",
             "billing_address": "", "shipping_address": "", "phone": "", "active": "y",
             **fields},
        )  # fmt: skip
        return self.base_url + "/l/" + editor.split("/l/", 1)[1].split("<", 1)[0]

    def add_tax_rate(self, name: str, percent: str, **fields: str) -> None:
        self.panel_post(
            "/panel/settings/taxes", {"name": name, "percent": percent, "country": "", **fields}
        )

    def add_product(self, name: str, amount: str, tax_rate: str = "") -> str:
        """A product priced in the shop's currency; returns its id (as the link form names it)."""
        form = self.merchant.get(f"{self.base_url}/panel/products/new", timeout=10).text
        rate_id = _option_value(form, tax_rate) if tax_rate else ""
        self.panel_post(
            "/panel/products/new",
            {"name": name, "currency": self.currency, "amount": amount, "interval": "",
             "interval_count": "1", "tax_rate": rate_id},
        )  # fmt: skip
        links = self.merchant.get(f"{self.base_url}/panel/links/new", timeout=10).text
        return _option_value(links, name)

    # Stripe, as the merchant's dashboard would show it

    def _stripe(self) -> stripe.StripeClient:
        return stripe.StripeClient(
            self.account.secret_key, base_addresses={"api": self.sandbox.api_base}
        )

    def charges(self) -> list[dict[str, Any]]:
        return [c.to_dict() for c in self._stripe().v1.charges.list().data]

    def balance_transaction(self, transaction_id: str) -> dict[str, Any]:
        return self._stripe().v1.balance_transactions.retrieve(transaction_id).to_dict()

    def refunds(self) -> list[dict[str, Any]]:
        return [r.to_dict() for r in self._stripe().v1.refunds.list().data]

    def settle_debits(self) -> None:
        """Time passes at the bank: every pending debit clears or bounces now."""
        self.sandbox.control("POST", "/_sandbox/advance")

    def money(self, minor_units: int, currency: str | None = None) -> str:
        """An amount as the English pages show it (``SEK500.00``, ``€50.00``)."""
        return format_money(Money(minor_units, (currency or self.currency).upper()), "en")


def _option_value(html: str, label: str) -> str:
    found = re.search(rf'<option value="(\d+)">{re.escape(label)}</option>', html)
    assert found, f"no option {label!r}"
    return found.group(1)


def open_shop(
    base_url: str,
    sandbox: StripeSandbox,
    country: str = "SE",
    currency: str = "sek",
    name: str = "Verkstan AB",
    owner_email: str = "owner@verkstan.example",
    **account_options: str,
) -> Shop:
    """A merchant of ``country`` (selling in its currency) who signed up and connected a new
    sandbox account of that country (``account_options``: the sandbox's, such as
    ``microdeposit_type``)."""
    account = sandbox.create_account(country, currency, name=name, **account_options)
    merchant = connect_through_live_server(base_url, account, owner_email, country)
    return Shop(base_url, merchant, account, sandbox, owner_email, currency.upper())


# The buyer


def enter_details(page: Page, link_url: str) -> FrameLocator:
    """Open the link, give an email and a name, continue to the Payment Element."""
    page.goto(link_url)
    page.get_by_label("Email").fill(BUYER)
    page.get_by_label("Full name").fill("Ada Buyer")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Payment", exact=True)).to_be_visible()  # pay step
    return page.frame_locator(PAYMENT_FRAME).first


def pay_button(page: Page) -> Locator:
    return page.get_by_role("button", name=PAY)


PROCESSING_PAYMENT = "Processing your payment. Please keep this page open."


def payment_status(page: Page) -> Locator:
    """The line under the Pay button that says a payment is on its way."""
    return page.get_by_role("status").filter(has_text=PROCESSING_PAYMENT)


# The card fields' names in the Payment Element, by the buyer's language.
CARD_FIELDS = {
    "en": ("Card number", "Expiration date MM / YY", "Security code", "ZIP code"),
    "sv": ("Kortnummer", "Utgångsdatum MM / ÅÅ", "Säkerhetskod", "Postnummer"),
}


def fill_card(element: FrameLocator, number: str, language: str = "en") -> None:
    card_number, expiry, cvc, zip_code = CARD_FIELDS[language]
    element.get_by_role("textbox", name=card_number).fill(number)
    element.get_by_role("textbox", name=expiry).fill("1235")
    element.get_by_role("textbox", name=cvc).fill("123")
    postal = element.get_by_role("textbox", name=zip_code)
    if postal.count():  # asked for US (ZIP), GB and CA cards only
        postal.fill("12345")


def pay_by_card(page: Page, element: FrameLocator, number: str) -> None:
    fill_card(element, number)
    pay_button(page).click()


def paid(page: Page) -> None:
    expect(page.get_by_role("heading", name="Thank you, your payment went through")).to_be_visible(
        timeout=SLOW
    )


def processing(page: Page) -> None:
    expect(page.get_by_role("heading", name="Your payment is being processed")).to_be_visible(
        timeout=SLOW
    )


def not_asked_again(element: FrameLocator) -> None:
    """The element does not ask for the name and email the details step took."""
    expect(element.get_by_role("textbox", name="Full name")).to_have_count(0)
    expect(element.get_by_role("textbox", name="Email")).to_have_count(0)


def pay_by_sepa(page: Page, element: FrameLocator, iban: str) -> None:
    """Choose SEPA (the name and email are the details step's), fill it in, pay, and wait for
    the processing page."""
    element.get_by_role("button", name="SEPA Debit").click()
    element.get_by_role("textbox", name="IBAN").fill(iban)
    not_asked_again(element)
    pay_button(page).click()
    processing(page)


def pay_by_bacs(
    page: Page, element: FrameLocator, account_number: str, business: str | None = None
) -> None:
    """Choose Bacs, fill it in, pay, confirm the Direct Debit (whose mandate names
    ``business``, when given), wait for the processing page."""
    element.get_by_role("button", name="Bacs Direct Debit").click()
    element.get_by_role("textbox", name="Sort code").fill("108800")
    element.get_by_role("textbox", name="Account number").fill(account_number)
    not_asked_again(element)
    element.get_by_role("textbox", name="Address line 1").fill("1 High Street")
    element.get_by_role("textbox", name="City").fill("London")
    element.get_by_role("textbox", name="Postal code").fill("EC1A 1BB")
    pay_button(page).click()
    dialog = element.get_by_role("dialog")
    if business:
        expect(dialog).to_contain_text(f"you agree that {business} will collect Direct Debit")
    dialog.get_by_role("button", name="Confirm").click()
    processing(page)


def link_us_bank_account(page: Page, element: FrameLocator, account_number: str) -> None:
    """Choose the US bank account tab and enter the account by hand (routing 110000000)."""
    element.get_by_role("button", name="US bank account").click()
    not_asked_again(element)
    element.get_by_role("button", name="Enter bank details manually").click()
    linking = page.frame_locator(BANK_LINKING_FRAME)
    linking.get_by_label("Routing number").fill("110000000")
    linking.get_by_label("Account number", exact=True).fill(account_number)
    linking.get_by_label("Confirm account number").fill(account_number)
    linking.get_by_role("button", name="Submit").click()
    linking.get_by_role("button", name="Done").click()
    expect(element.get_by_text(f"STRIPE TEST BANK •••• {account_number[-4:]}")).to_be_visible()


# The merchant's panel, in a browser of their own


@dataclass
class PanelPayment:
    status: str
    amount: str
    fee: str
    net: str
    method: str
    buyer: str


@dataclass
class MerchantPanel:
    """The merchant, logged in to the panel in their own browser context."""

    shop: Shop
    context: BrowserContext
    page: Page = field(init=False)

    def __post_init__(self) -> None:
        self.page = self.context.new_page()
        self.page.goto(self.shop.base_url + "/login")
        self.page.get_by_label("Email").fill(self.shop.owner_email)
        self.page.get_by_label("Password").fill(DEFAULT_PASSWORD)
        self.page.get_by_role("button", name="Log in").click()
        expect(self.page.get_by_role("heading", name="Dashboard")).to_be_visible()

    def payments(self) -> list[PanelPayment]:
        """The payments list as it is now, newest first."""
        self.page.goto(self.shop.base_url + "/panel/payments")
        rows = self._payments_found().locator("tbody tr")
        found = []
        for index in range(rows.count()):
            cells = [c.strip() for c in rows.nth(index).get_by_role("cell").all_inner_texts()]
            _date, status, amount, _tax, _surcharge, fee, net, method, buyer, _sold = cells
            found.append(PanelPayment(status, amount, fee, net, method, buyer))
        return found

    def _payments_found(self) -> Locator:
        """The list's table of payments (beside it: the totals per currency)."""
        return self.page.get_by_role("table", name="Payments found")

    def wait_for(self, status: str, count: int = 1) -> list[PanelPayment]:
        """The list once ``count`` payments show ``status`` (webhooks arrive when they do)."""

        def shown() -> list[PanelPayment] | None:
            rows = self.payments()
            return rows if sum(r.status.startswith(status) for r in rows) >= count else None

        return wait_until(shown, what=f"{count} payment(s) {status} in the panel")

    def open_latest(self) -> Page:
        """The newest payment's detail page."""
        self.page.goto(self.shop.base_url + "/panel/payments")
        newest = self._payments_found().locator("tbody tr").first
        newest.get_by_role("cell").first.get_by_role("link").click()  # its date opens it
        return self.page


def merchant_panel(browser: Browser, shop: Shop) -> MerchantPanel:
    return MerchantPanel(shop, browser.new_context())


def expect_settled_in_panel(panel: MerchantPanel, status: str = "Succeeded") -> PanelPayment:
    """The one paid payment shows its gross (the charge's), and the fee and net of the
    sandbox's balance transaction for its charge, in the currency that settled in."""
    [row] = [r for r in panel.wait_for(status) if r.status.startswith(status)]
    [charge] = [c for c in panel.shop.charges() if c["status"] == "succeeded"]
    balance = panel.shop.balance_transaction(charge["balance_transaction"])
    settled = balance["currency"]
    expected = (
        panel.shop.money(charge["amount"], charge["currency"]),
        panel.shop.money(balance["fee"], settled),
        panel.shop.money(balance["net"], settled),
    )
    assert (row.amount, row.fee, row.net.splitlines()[0]) == expected, (row, balance)
    assert BUYER in row.buyer.splitlines()  # under the buyer's name
    return row
