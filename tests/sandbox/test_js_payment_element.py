"""The Stripe.js stand-in in a real browser: a merchant page on its own origin mounts the
Payment Element from the sandbox (a real HTTP server) and a buyer pays with each method.

Fields are found as a person (and Kassa's page objects) would find them in Stripe's own
iframe: by role and label. The result is checked through the API afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import FrameLocator, Locator, Page, expect

if TYPE_CHECKING:
    from tests.sandbox.js_fixtures import MerchantSite, SandboxAccount

pytest_plugins = ["tests.sandbox.js_fixtures"]
pytestmark = pytest.mark.e2e

PAYMENT_FRAME = 'iframe[title="Secure payment input frame"]'
CHALLENGE_FRAME = 'iframe[src*="three-ds-2-challenge"]'
BANK_LINKING_FRAME = 'iframe[src*="linked-accounts-inner"]'


@pytest.fixture(autouse=True)
def _no_script_errors(page: Page) -> Iterator[None]:
    """No exception, CSP refusal or other console error on the page or in any frame (failed
    API calls, such as a decline's 402, are reported by the browser and are expected)."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"exception: {error}"))
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and "Failed to load resource" not in message.text
            else None)  # fmt: skip
    yield
    assert problems == []


# ---------------------------------------------------------------------------------------------
# Helpers: a small page object over the stand-in's DOM (the same handles as Stripe's)


def create_intent(account: SandboxAccount, currency: str, methods: list[str],
                  amount: int = 2000) -> str:  # fmt: skip
    intent = account.create_payment_intent(
        amount=amount, currency=currency, payment_method_types=methods
    )
    return intent.id


def client_secret_of(account: SandboxAccount, intent_id: str) -> str:
    return account.client.v1.payment_intents.retrieve(intent_id).client_secret or ""


def intent_status(account: SandboxAccount, intent_id: str) -> str:
    return account.client.v1.payment_intents.retrieve(intent_id).status


def open_checkout(page: Page, site: MerchantSite, account: SandboxAccount, intent_id: str,
                  **options: str) -> FrameLocator:  # fmt: skip
    """The shop's checkout for the intent; the shop lists card first (``methodOrder``) unless
    the test passes another order, or none (``methodOrder=""``: the element orders methods
    for the buyer)."""
    page.goto(site.checkout_url(account, clientSecret=client_secret_of(account, intent_id),
                                **{"locale": "en", "methodOrder": "card", **options}))  # fmt: skip
    element = page.frame_locator(PAYMENT_FRAME)
    expect(page.locator("#checkout")).to_have_attribute("data-ready", "true")
    return element


def fill_name_and_email(element: FrameLocator) -> None:
    element.get_by_role("textbox", name="Full name").fill("Jenny Rosen")
    element.get_by_role("textbox", name="Email").fill("jenny@example.com")


def fill_card(element: FrameLocator, number: str, expiry: str = "1235", cvc: str = "123",
              postal_code: str | None = "12345") -> None:  # fmt: skip
    element.get_by_role("textbox", name="Card number").fill(number)
    element.get_by_role("textbox", name="Expiration date MM / YY").fill(expiry)
    element.get_by_role("textbox", name="Security code").fill(cvc)
    if postal_code is not None:
        element.get_by_role("textbox", name="ZIP code").fill(postal_code)


def pay(page: Page) -> None:
    page.get_by_role("button", name="Pay now").click()


def expect_returned_with(page: Page, redirect_status: str) -> None:
    page.wait_for_url(re.compile(r"/return\?"))
    expect(page.locator("#redirect-status")).to_have_text(f"Redirect status: {redirect_status}")


def challenge(page: Page) -> FrameLocator:
    return page.frame_locator(CHALLENGE_FRAME).frame_locator("iframe#challengeFrame")


# ---------------------------------------------------------------------------------------------
# Cards


def test_card_payment_succeeds_and_returns_to_the_shop(page: Page, merchant_site: MerchantSite
                                                       ) -> None:  # fmt: skip
    account = merchant_site.account("US")
    intent_id = create_intent(account, "usd", ["card"])
    element = open_checkout(page, merchant_site, account, intent_id)

    fill_card(element, "4242 4242 4242 4242")
    expect(element.locator("#Field-numberInput")).to_have_value("4242 4242 4242 4242")
    expect(element.locator("#Field-expiryInput")).to_have_value("12 / 35")
    pay(page)

    expect_returned_with(page, "succeeded")
    expect(page.locator("#returned-intent")).to_have_text(intent_id)
    expect(page.get_by_role("status")).to_have_text("Retrieved status: succeeded")
    assert intent_status(account, intent_id) == "succeeded"


def test_card_without_redirect_resolves_with_the_payment_intent(page: Page,
                                                                merchant_site: MerchantSite
                                                                ) -> None:  # fmt: skip
    account = merchant_site.account("US")
    intent_id = create_intent(account, "usd", ["card"])
    element = open_checkout(page, merchant_site, account, intent_id, redirect="if_required")

    fill_card(element, "4242424242424242")
    pay(page)

    expect(page.get_by_role("status")).to_have_text("Payment status: succeeded")
    assert intent_status(account, intent_id) == "succeeded"


def test_declined_card_shows_stripes_error(page: Page, merchant_site: MerchantSite) -> None:
    account = merchant_site.account("US")
    intent_id = create_intent(account, "usd", ["card"])
    element = open_checkout(page, merchant_site, account, intent_id)

    fill_card(element, "4000 0000 0000 0002")
    pay(page)

    expect(page.locator("#payment-message")).to_have_text("Your card was declined.")
    expect(page.locator("#payment-message")).to_have_attribute("data-code", "card_declined")
    assert intent_status(account, intent_id) == "requires_payment_method"


def test_incomplete_and_invalid_card_details_are_shown_under_the_fields(
    page: Page, merchant_site: MerchantSite
) -> None:
    account = merchant_site.account("US")
    intent_id = create_intent(account, "usd", ["card"])
    element = open_checkout(page, merchant_site, account, intent_id)

    element.get_by_role("textbox", name="Card number").fill("4242 4242")
    element.get_by_role("textbox", name="Expiration date").fill("1220")
    expect(element.locator("p#Field-expiryError")).to_have_text(
        "Your card's expiration date is in the past."
    )
    pay(page)

    expect(element.locator("p#Field-numberError")).to_have_text("Your card number is incomplete.")
    expect(element.get_by_role("textbox", name="Card number")).to_be_focused()
    expect(element.locator("p#Field-cvcError")).to_have_text(
        "Your card's security code is incomplete."
    )
    expect(page.locator("#payment-message")).to_have_text("Your card number is incomplete.")

    element.get_by_role("textbox", name="Card number").fill("4242 4242 4242 4241")
    expect(element.locator("p#Field-numberError")).to_have_text("Your card number is invalid.")
    assert intent_status(account, intent_id) == "requires_payment_method"


def test_errors_belong_to_their_method_and_go_when_the_tab_changes(
    page: Page, merchant_site: MerchantSite
) -> None:
    """As in Stripe's element: an error is shown once, under its field, and choosing another
    method clears it; coming back to the card shows what was typed, without the error."""
    account = merchant_site.account("DE")
    intent_id = create_intent(account, "eur", ["card", "sepa_debit"])
    element = open_checkout(page, merchant_site, account, intent_id)

    element.get_by_role("textbox", name="Card number").fill("4242")
    pay(page)
    incomplete = "Your card number is incomplete."
    expect(element.get_by_role("alert").first).to_have_text(incomplete)
    expect(element.get_by_text(incomplete)).to_have_count(1)

    element.get_by_role("button", name="SEPA Debit").click()
    expect(element.get_by_role("textbox", name="IBAN")).to_be_visible()
    expect(element.get_by_role("alert")).to_have_count(0)
    element.get_by_role("button", name="Card").click()
    expect(element.get_by_role("textbox", name="Card number")).to_have_value("4242")
    expect(element.get_by_role("alert")).to_have_count(0)


def test_read_only_locks_the_methods_and_fields_and_keeps_what_was_typed(
    page: Page, merchant_site: MerchantSite
) -> None:
    """``readOnly`` (as a page sets it while a payment is on its way): no tab can be chosen and
    nothing typed; set back to false, the buyer carries on and pays."""
    account = merchant_site.account("DE")
    intent_id = create_intent(account, "eur", ["card", "sepa_debit"])
    element = open_checkout(page, merchant_site, account, intent_id)
    fill_card(element, "4242424242424242")

    page.evaluate("shop.paymentElement.update({readOnly: true})")
    expect(element.get_by_role("button", name="SEPA Debit")).to_be_disabled()
    expect(element.get_by_role("textbox", name="Card number")).not_to_be_editable()
    expect(element.get_by_role("combobox", name="Country")).to_be_disabled()

    page.evaluate("shop.paymentElement.update({readOnly: false})")
    expect(element.get_by_role("button", name="SEPA Debit")).to_be_enabled()
    expect(element.get_by_role("textbox", name="Card number")).to_have_value("4242 4242 4242 4242")
    pay(page)
    expect_returned_with(page, "succeeded")
    assert intent_status(account, intent_id) == "succeeded"


def test_three_d_secure_complete_succeeds(page: Page, merchant_site: MerchantSite) -> None:
    account = merchant_site.account("US")
    intent_id = create_intent(account, "usd", ["card"])
    element = open_checkout(page, merchant_site, account, intent_id)

    fill_card(element, "4000 0025 0000 3155")
    pay(page)

    outer = page.locator(CHALLENGE_FRAME)
    expect(outer).to_have_attribute("name", re.compile(r"^__privateStripeFrame\d+$"))
    expect(page.frame_locator(CHALLENGE_FRAME).get_by_role("button", name="Cancel")).to_be_visible()
    expect(page.frame_locator(CHALLENGE_FRAME).locator("iframe#challengeFrame")).to_have_attribute(
        "name", "stripe-challenge-frame"
    )
    challenge(page).get_by_role("button", name="Complete").click()

    expect_returned_with(page, "succeeded")
    assert intent_status(account, intent_id) == "succeeded"


def test_three_d_secure_fail_shows_the_error(page: Page, merchant_site: MerchantSite) -> None:
    account = merchant_site.account("US")
    intent_id = create_intent(account, "usd", ["card"])
    element = open_checkout(page, merchant_site, account, intent_id)

    fill_card(element, "4000002500003155")
    pay(page)
    challenge(page).get_by_role("button", name="Fail").click()

    expect(page.locator("#payment-message")).to_contain_text("unable to authenticate")
    expect(page.locator(CHALLENGE_FRAME)).to_have_count(0)
    assert intent_status(account, intent_id) == "requires_payment_method"


def test_three_d_secure_cancel_fails_the_authentication(page: Page,
                                                        merchant_site: MerchantSite
                                                        ) -> None:  # fmt: skip
    account = merchant_site.account("US")
    intent_id = create_intent(account, "usd", ["card"])
    element = open_checkout(page, merchant_site, account, intent_id, redirect="if_required")

    fill_card(element, "4000002500003155")
    pay(page)
    expect(challenge(page).get_by_role("button", name="Complete")).to_be_visible()
    page.frame_locator(CHALLENGE_FRAME).get_by_role("button", name="Cancel").click()

    expect(page.locator("#payment-message")).to_contain_text("unable to authenticate")
    expect(page.locator("#payment-message")).to_have_attribute(
        "data-code", "payment_intent_authentication_failure"
    )
    assert intent_status(account, intent_id) == "requires_payment_method"


# ---------------------------------------------------------------------------------------------
# Bank debits


def test_sepa_debit_shows_the_mandate_and_is_processing(page: Page,
                                                        merchant_site: MerchantSite
                                                        ) -> None:  # fmt: skip
    account = merchant_site.account("DE")
    intent_id = create_intent(account, "eur", ["card", "sepa_debit"])
    element = open_checkout(page, merchant_site, account, intent_id)

    element.locator(".p-PaymentMethodSelector").get_by_role("button", name="SEPA Debit").click()
    expect(page.locator("#selected-method")).to_have_text("sepa_debit")
    fill_name_and_email(element)
    element.get_by_role("textbox", name="IBAN").fill("DE89370400440532013000")
    expect(element.locator("#Field-ibanInput")).to_have_value("DE89 3704 0044 0532 0130 00")
    expect(element.get_by_text("you authorise (A) Test Shop and Stripe")).to_be_visible()
    pay(page)

    expect_returned_with(page, "processing")
    assert intent_status(account, intent_id) == "processing"


def test_billing_details_from_the_shop_when_the_element_collects_none(
    page: Page, merchant_site: MerchantSite
) -> None:
    account = merchant_site.account("DE")
    intent_id = create_intent(account, "eur", ["card", "sepa_debit"])
    element = open_checkout(page, merchant_site, account, intent_id, billing="never")

    element.get_by_role("button", name="SEPA Debit").click()
    expect(element.get_by_role("textbox", name="IBAN")).to_be_visible()
    expect(element.get_by_role("textbox", name="Full name")).to_have_count(0)
    expect(element.get_by_role("textbox", name="Email")).to_have_count(0)
    element.get_by_role("textbox", name="IBAN").fill("DE89370400440532013000")
    pay(page)

    expect_returned_with(page, "processing")
    intent = account.client.v1.payment_intents.retrieve(intent_id, params={
        "expand": ["payment_method"],
    })  # fmt: skip
    method = intent.payment_method
    assert not isinstance(method, str) and method is not None
    assert method.billing_details.name == "Jenny Rosen"
    assert method.billing_details.email == "jenny@example.com"
    assert method.billing_details.address is not None
    assert method.billing_details.address.city == "Berlin"


def test_sepa_iban_from_outside_the_eea_asks_for_the_billing_address(
    page: Page, merchant_site: MerchantSite
) -> None:
    account = merchant_site.account("DE")
    intent_id = create_intent(account, "eur", ["sepa_debit"])
    element = open_checkout(page, merchant_site, account, intent_id)

    expect(element.get_by_role("textbox", name="Address line 1")).to_have_count(0)
    element.get_by_role("textbox", name="IBAN").fill("CH9300762011623852957")
    expect(element.get_by_role("textbox", name="Address line 1")).to_be_visible()
    expect(element.get_by_role("combobox", name="Country")).to_be_visible()
    element.get_by_role("textbox", name="IBAN").fill("DE89370400440532013000")
    expect(element.get_by_role("textbox", name="Address line 1")).to_have_count(0)
    expect(element.get_by_role("textbox", name="IBAN")).to_be_focused()


def test_ach_manual_entry_links_the_account_then_microdeposits_verify_it(
    page: Page, merchant_site: MerchantSite
) -> None:
    """As with Stripe, manually entered US bank details need micro-deposit verification: the
    payment waits in requires_action (verify_with_microdeposits), then debits."""
    account = merchant_site.account("US")
    intent_id = create_intent(account, "usd", ["card", "us_bank_account"])
    element = open_checkout(page, merchant_site, account, intent_id)

    element.locator("#us_bank_account-tab").click()
    fill_name_and_email(element)
    element.get_by_role("button", name="Enter bank details manually").click()

    linking = page.frame_locator(BANK_LINKING_FRAME)
    linking.get_by_label("Routing number").fill("110000000")
    linking.get_by_test_id("manualEntry-accountNumber-input").fill("000123456789")
    linking.get_by_test_id("manualEntry-confirmAccountNumber-input").fill("000123456789")
    linking.get_by_test_id("continue-button").click()
    expect(linking.get_by_test_id("success")).to_be_visible()
    linking.get_by_test_id("done-button").click()

    expect(page.locator(BANK_LINKING_FRAME)).to_have_count(0)
    expect(element.get_by_text("STRIPE TEST BANK •••• 6789")).to_be_visible()
    expect(element.get_by_text("you authorize Test Shop to debit the bank account")).to_be_visible()
    pay(page)

    expect_returned_with(page, "requires_action")
    intent = account.client.v1.payment_intents.retrieve(intent_id)
    assert intent.next_action is not None
    assert intent.next_action.type == "verify_with_microdeposits"
    account.client.v1.payment_intents.verify_microdeposits(
        intent_id, params={"descriptor_code": "SM11AA"}
    )
    assert intent_status(account, intent_id) == "processing"


def test_an_unlinked_bank_account_is_pointed_out_under_its_button(
    page: Page, merchant_site: MerchantSite
) -> None:
    account = merchant_site.account("US")
    intent_id = create_intent(account, "usd", ["card", "us_bank_account"])
    element = open_checkout(page, merchant_site, account, intent_id)

    element.get_by_role("button", name="US bank account").click()
    fill_name_and_email(element)
    pay(page)
    manual = element.get_by_role("button", name="Enter bank details manually")
    expect(manual).to_have_accessible_description("Please provide your bank account details.")
    expect(manual).to_be_focused()
    expect(element.get_by_role("alert")).to_have_count(1)
    element.get_by_role("button", name="Card").click()
    expect(element.get_by_role("alert")).to_have_count(0)
    assert intent_status(account, intent_id) == "requires_payment_method"


def test_bacs_debit_asks_for_confirmation_and_is_processing(page: Page,
                                                            merchant_site: MerchantSite
                                                            ) -> None:  # fmt: skip
    account = merchant_site.account("GB")
    intent_id = create_intent(account, "gbp", ["card", "bacs_debit"])
    element = open_checkout(page, merchant_site, account, intent_id)

    element.get_by_role("button", name="Bacs Direct Debit").click()
    element.get_by_role("textbox", name="Sort code").fill("108800")
    expect(element.locator("#Field-sortCodeInput")).to_have_value("10-88-00")
    element.get_by_role("textbox", name="Account number").fill("00012345")
    fill_name_and_email(element)
    element.get_by_role("textbox", name="Address line 1").fill("1 High Street")
    element.get_by_role("textbox", name="City").fill("London")
    element.get_by_role("textbox", name="Postal code").fill("EC1A 1BB")
    pay(page)

    dialog = element.get_by_role("dialog", name="Confirm your Direct Debit details")
    expect(dialog).to_contain_text("10-88-00")
    dialog.get_by_role("button", name="Modify details").click()
    expect(page.locator("#payment-message")).to_have_text(
        "Please confirm your Direct Debit details to continue."
    )
    expect(element.get_by_role("textbox", name="Sort code")).to_be_focused()

    pay(page)
    element.get_by_role("dialog").get_by_role("button", name="Confirm").click()

    expect_returned_with(page, "processing")
    assert intent_status(account, intent_id) == "processing"


# ---------------------------------------------------------------------------------------------
# Locales, events, the deferred flow


def test_swedish_labels_and_errors(page: Page, merchant_site: MerchantSite) -> None:
    account = merchant_site.account("SE")
    intent_id = create_intent(account, "eur", ["card", "sepa_debit"])
    element = open_checkout(page, merchant_site, account, intent_id, locale="sv")

    expect(element.get_by_role("button", name="Kort")).to_have_attribute("aria-pressed", "true")
    element.get_by_role("textbox", name="Kortnummer").fill("4242")
    element.get_by_role("textbox", name="Säkerhetskod").fill("12")
    element.get_by_role("textbox", name="Säkerhetskod").press("Tab")
    # Leaving a field shows its error and the frame grows: pressing Pay while it grows could
    # miss the moving button (as it can for a buyer), so the test waits for the error first.
    expect(element.locator("p#Field-cvcError")).to_have_text(
        "Kortets säkerhetskod är ofullständig."
    )
    expect(element.get_by_role("combobox", name="Land")).to_have_value("SE")
    pay(page)
    expect(element.locator("p#Field-numberError")).to_have_text("Ditt kortnummer är ofullständigt.")
    expect(element.locator("p#Field-expiryError")).to_have_text(
        "Kortets utgångsdatum är ofullständigt."
    )
    element.get_by_role("button", name="SEPA-autogiro").click()
    expect(element.get_by_role("textbox", name="Fullständigt namn")).to_be_visible()
    expect(element.get_by_text("Genom att ange dina betalningsuppgifter")).to_be_visible()


def test_elements_update_switches_the_locale(page: Page, merchant_site: MerchantSite) -> None:
    account = merchant_site.account("DE")
    intent_id = create_intent(account, "eur", ["card", "sepa_debit"])
    element = open_checkout(page, merchant_site, account, intent_id)
    expect(element.get_by_role("textbox", name="Card number")).to_be_visible()

    page.evaluate("shop.elements.update({locale: 'de'})")

    expect(element.get_by_role("textbox", name="Kartennummer")).to_be_visible()
    expect(element.get_by_role("button", name="SEPA-Lastschrift")).to_be_visible()


def test_accordion_layout_expands_one_method_at_a_time(page: Page, merchant_site: MerchantSite
                                                       ) -> None:  # fmt: skip
    account = merchant_site.account("DE")
    intent_id = create_intent(account, "eur", ["card", "sepa_debit"])
    element = open_checkout(page, merchant_site, account, intent_id, layout="accordion")

    card = element.get_by_role("button", name="Card")
    sepa = element.get_by_role("button", name="SEPA Debit")
    expect(card).to_have_attribute("aria-expanded", "true")
    expect(sepa).to_have_attribute("aria-expanded", "false")
    sepa.click()
    expect(sepa).to_have_attribute("aria-expanded", "true")
    expect(element.get_by_role("textbox", name="IBAN")).to_be_visible()
    expect(element.get_by_role("textbox", name="Card number")).to_have_count(0)
    expect(page.locator("#selected-method")).to_have_text("sepa_debit")


def test_change_events_report_the_selected_method(page: Page, merchant_site: MerchantSite
                                                  ) -> None:  # fmt: skip
    account = merchant_site.account("US")
    intent_id = create_intent(account, "usd", ["card", "us_bank_account"])
    element = open_checkout(page, merchant_site, account, intent_id)

    element.get_by_role("button", name="US bank account").click()
    expect(page.locator("#selected-method")).to_have_text("us_bank_account")
    element.get_by_role("button", name="Card").click()
    expect(page.locator("#selected-method")).to_have_text("card")
    expect(page.locator("#checkout")).to_have_attribute("data-complete", "false")
    fill_card(element, "4242424242424242")
    expect(page.locator("#checkout")).to_have_attribute("data-complete", "true")


def test_deferred_intent_submits_then_confirms(page: Page, merchant_site: MerchantSite) -> None:
    account = merchant_site.account("US")
    page.goto(merchant_site.checkout_url(account, amount="1500", currency="usd",
                                         methods="card", country="US", locale="en"))  # fmt: skip
    element = page.frame_locator(PAYMENT_FRAME)

    pay(page)
    expect(page.locator("#payment-message")).to_have_text("Your card number is incomplete.")
    fill_card(element, "4242424242424242")
    pay(page)

    expect_returned_with(page, "succeeded")
    intent_id = page.locator("#returned-intent").inner_text()
    assert intent_status(account, intent_id) == "succeeded"


def test_frames_carry_stripes_names(page: Page, merchant_site: MerchantSite) -> None:
    account = merchant_site.account("US")
    intent_id = create_intent(account, "usd", ["card", "us_bank_account"])
    open_checkout(page, merchant_site, account, intent_id)

    payment = page.locator(PAYMENT_FRAME)
    expect(payment).to_have_attribute("name", re.compile(r"^__privateStripeFrame\d+$"))
    # Stripe.js styles its frames with style attributes (the page's CSP must allow them).
    expect(payment).to_have_attribute("style", re.compile(r"margin: 0(px)? !important"))
    expect(payment).to_have_attribute("src", re.compile(r"elements-inner-payment"))
    controller = page.locator('iframe[name^="__privateStripeController"]')
    expect(controller).to_have_attribute("aria-hidden", "true")
    expect(controller).to_have_attribute("role", "presentation")
    element = page.frame_locator(PAYMENT_FRAME)
    for tab in ("#card-tab", "#us_bank_account-tab"):
        expect(element.locator(f".p-PaymentMethodSelector {tab}")).to_be_visible()
    expect(element.locator("#card-tab")).to_have_css("border-color", "rgb(124, 58, 237)")
    card_number = element.locator("#Field-numberInput")
    expect(card_number).to_have_attribute("name", "number")
    expect(card_number).to_have_attribute("placeholder", "1234 1234 1234 1234")
    expect(element.locator("#Field-cvcInput")).to_have_attribute("placeholder", "CVC")
    expect(element.locator("#Field-expiryInput")).to_have_attribute("placeholder", "MM / YY")


def test_setup_intent_with_sepa_debit_is_confirmed_with_a_mandate(page: Page,
                                                                  merchant_site: MerchantSite
                                                                  ) -> None:  # fmt: skip
    account = merchant_site.account("FR")
    setup = account.create_setup_intent(payment_method_types=["sepa_debit"])
    page.goto(merchant_site.checkout_url(account, clientSecret=setup.client_secret, locale="en"))
    element = page.frame_locator(PAYMENT_FRAME)

    expect(element.locator(".p-PaymentMethodSelector")).to_have_count(0)
    fill_name_and_email(element)
    element.get_by_role("textbox", name="IBAN").fill("FR1420041010050500013M02606")
    pay(page)

    expect_returned_with(page, "succeeded")
    expect(page.get_by_role("status")).to_have_text("Retrieved status: succeeded")
    setup_after = account.client.v1.setup_intents.retrieve(setup.id)
    assert setup_after.status == "succeeded"
    assert setup_after.mandate


def test_handle_next_action_authenticates_a_payment_confirmed_on_the_server(
    page: Page, merchant_site: MerchantSite
) -> None:
    account = merchant_site.account("US")
    intent = account.create_payment_intent(
        amount=1200, currency="usd", payment_method_types=["card"],
        payment_method="pm_card_threeDSecure2Required", confirm=True,
        return_url=f"{merchant_site.url}/return?pk={account.publishable_key}",
    )  # fmt: skip
    assert intent.status == "requires_action"
    page.goto(merchant_site.page_url("next-action", account, clientSecret=intent.client_secret))

    page.get_by_role("button", name="Authenticate").click()
    challenge(page).get_by_role("button", name="Complete").click()

    expect(page.get_by_role("status")).to_have_text("Payment status: succeeded")
    assert intent_status(account, intent.id) == "succeeded"


def test_the_element_works_with_the_keyboard_alone(page: Page, merchant_site: MerchantSite) -> None:
    account = merchant_site.account("US")
    intent_id = create_intent(account, "usd", ["card", "us_bank_account"])
    element = open_checkout(page, merchant_site, account, intent_id, redirect="if_required")

    element.locator("#card-tab").focus()
    page.keyboard.press("ArrowRight")
    expect(element.locator("#us_bank_account-tab")).to_be_focused()
    page.keyboard.press("Enter")
    expect(element.locator("#us_bank_account-tab")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Space")
    expect(page.locator("#selected-method")).to_have_text("card")

    page.keyboard.press("Tab")
    expect(element.get_by_role("textbox", name="Card number")).to_be_focused()
    page.keyboard.type("4242424242424242")
    expect(element.get_by_role("textbox", name="Expiration date")).to_be_focused()
    page.keyboard.type("1235")
    expect(element.get_by_role("textbox", name="Security code")).to_be_focused()
    page.keyboard.type("123")
    page.keyboard.press("Tab")
    expect(element.get_by_role("combobox", name="Country")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.type("12345")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Pay now")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("status")).to_have_text("Payment status: succeeded")


# ---------------------------------------------------------------------------------------------
# The order of the methods


def intent_shown_first(account: SandboxAccount, currency: str, methods: list[str],
                       first: str) -> str:  # fmt: skip
    """An intent whose methods the element, given no order, shows with ``first`` first: the
    sandbox's per-buyer order rotates the intent's methods by the sum of its id's character
    codes (docs/stripe-sandbox.md), so intents are made until one does."""
    for _ in range(30):
        intent_id = create_intent(account, currency, methods)
        shift = sum(map(ord, intent_id)) % len(methods)
        if (methods[shift:] + methods[:shift])[0] == first:
            return intent_id
    raise AssertionError(f"no intent showing {first} first")


def method_tabs(element: FrameLocator) -> Locator:
    return element.get_by_role("group", name="Payment method").get_by_role("button")


def test_without_an_order_the_element_orders_methods_for_each_buyer(
    page: Page, merchant_site: MerchantSite
) -> None:
    account = merchant_site.account("DE")
    sepa_first = intent_shown_first(account, "eur", ["card", "sepa_debit"], "sepa_debit")
    element = open_checkout(page, merchant_site, account, sepa_first, methodOrder="")
    expect(method_tabs(element)).to_have_text(["SEPA Debit", "Card"])
    expect(element.get_by_role("button", name="SEPA Debit")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(element.get_by_role("textbox", name="IBAN")).to_be_visible()

    card_first = intent_shown_first(account, "eur", ["card", "sepa_debit"], "card")
    element = open_checkout(page, merchant_site, account, card_first, methodOrder="")
    expect(method_tabs(element)).to_have_text(["Card", "SEPA Debit"])
    expect(element.get_by_role("textbox", name="Card number")).to_be_visible()


def test_the_pages_payment_method_order_wins(page: Page, merchant_site: MerchantSite) -> None:
    account = merchant_site.account("DE")
    sepa_first = intent_shown_first(account, "eur", ["card", "sepa_debit"], "sepa_debit")
    element = open_checkout(page, merchant_site, account, sepa_first, methodOrder="card")
    expect(method_tabs(element)).to_have_text(["Card", "SEPA Debit"])
    expect(element.get_by_role("button", name="Card")).to_have_attribute("aria-pressed", "true")

    card_first = intent_shown_first(account, "eur", ["card", "sepa_debit"], "card")
    element = open_checkout(page, merchant_site, account, card_first,
                            methodOrder="sepa_debit,card", layout="accordion")  # fmt: skip
    expect(method_tabs(element)).to_have_text(["SEPA Debit", "Card"])
    expect(element.get_by_role("button", name="SEPA Debit")).to_have_attribute(
        "aria-expanded", "true"
    )
