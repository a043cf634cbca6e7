"""Issue 15's saved method in Chromium against gunicorn, the Stripe sandbox delivering webhooks
and a real SMTP server: a customer accepts a quote with a deposit and a later part, pays the
deposit by card (told that the card is kept for the later part, and the Payment Element shows
the consent to save it), and the quote then shows the saved card and the next payment; a
customer in Swedish whose schedule starts later saves a SEPA mandate naming the business,
nothing charged. Each page is checked with axe on a desktop and on a phone."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from flask import Flask
from playwright.sync_api import Browser, Page, expect

from app.quotes.models import PaymentMode
from app.quotes.pricing import PartSpec
from app.quotes.service import LineInput
from tests.e2e.test_invoice_buyer import OWNER, continue_to_payment, werkstatt  # noqa: F401
from tests.support.accessibility import VIEWPORTS, axe_violations
from tests.support.accounts import post_form
from tests.support.checkout import PAYMENT_FRAME, SLOW, Shop, fill_card, paid, pay_button
from tests.support.invoice_buyers import SEPA_SUCCEEDS
from tests.support.payments import wait_until
from tests.support.quotes import open_quote, quote_row

LINES = (LineInput("Kitchen", quantity=1, unit_amount=300000),)
LATER = date.today() + timedelta(days=30)


def accepted(app: Flask, parts: tuple[PartSpec, ...], **fields: object) -> tuple[int, str]:
    """A sent quote of Werkstatt's with ``parts``, accepted by the customer's signature."""
    quote_id, token = open_quote(
        app, OWNER, currency="EUR", lines=LINES, payment_mode=PaymentMode.SCHEDULE, parts=parts,
        **fields,
    )  # fmt: skip
    customer = app.test_client()
    page = f"/q/{token}"
    data = {"revision": str(quote_id), "agree": "y", "signature": "Grace Hopper"}
    assert post_form(customer, page, f"{page}/accept", data).status_code == 302
    return quote_id, token


def test_the_deposit_paid_by_card_keeps_the_card_for_the_later_part(
    page: Page,
    app: Flask,
    werkstatt: Shop,  # noqa: F811  (the fixture imported above)
) -> None:
    quote_id, token = accepted(app, (PartSpec(percent=Decimal(30)), PartSpec(due_on=LATER)))
    page.goto(f"{werkstatt.base_url}/q/{token}")
    page.get_by_role("button", name="Pay €900.00").click()
    continue_to_payment(page)
    expect(page.get_by_test_id("saving-method")).to_contain_text("saved with this payment")
    element = page.frame_locator(PAYMENT_FRAME).first
    element.get_by_role("button", name="Card").click()
    expect(
        element.get_by_text("you allow Live Shop AB to charge your card for future")
    ).to_be_visible()
    fill_card(element, "4242424242424242")
    pay_button(page).click()
    paid(page)
    page.get_by_role("link", name="Back to the quote").click()

    expect(page.get_by_test_id("quote-status")).to_have_text("Partly paid")
    expect(page.get_by_test_id("saved-method")).to_have_text(
        "Later payments are charged to your Visa card ending in 4242."
    )
    expect(page.get_by_test_id("quote-answer")).to_contain_text("Next payment: €2,100.00")
    expect(page.get_by_role("link", name="Update your payment method")).to_have_count(0)
    assert quote_row(app, quote_id).saved_method_type == "card"


def test_nothing_due_now_saves_a_sepa_mandate_in_swedish(
    browser: Browser,
    app: Flask,
    werkstatt: Shop,  # noqa: F811
) -> None:
    quote_id, token = accepted(
        app, (PartSpec(percent=Decimal(50), due_on=LATER), PartSpec(due_on=LATER + timedelta(30))),
        locale="sv",
    )  # fmt: skip
    for viewport in VIEWPORTS.values():  # the pages on a desktop and on a phone
        context = browser.new_context(viewport=viewport, locale="sv-SE", bypass_csp=True)
        page = context.new_page()
        page.goto(f"{werkstatt.base_url}/q/{token}")
        expect(page.get_by_role("heading", name="Inget ska betalas nu")).to_be_visible()
        assert axe_violations(page) == [], "the quote with nothing due"
        page.get_by_role("link", name="Spara din betalningsmetod").click()
        expect(page.get_by_role("heading", name="Spara din betalningsmetod")).to_be_visible()
        element = page.frame_locator(PAYMENT_FRAME).first
        expect(element.get_by_role("button", name="SEPA-autogiro")).to_be_visible()
        assert axe_violations(page) == [], "the method page"
        context.close()

    context = browser.new_context(locale="sv-SE")  # the pages' own CSP holds
    page = context.new_page()
    page.goto(f"{werkstatt.base_url}/q/{token}/method")
    element = page.frame_locator(PAYMENT_FRAME).first
    element.get_by_role("button", name="SEPA-autogiro").click()
    expect(element.locator("#p-Mandate")).to_contain_text("Live Shop AB")
    element.get_by_role("textbox", name="IBAN").fill(SEPA_SUCCEEDS)
    page.get_by_role("button", name="Spara betalningsmetod").click()

    expect(page.get_by_text("Din betalningsmetod är sparad.")).to_be_visible(timeout=SLOW)
    expect(page.get_by_test_id("saved-method")).to_contain_text("SEPA-autogiro")
    expect(page.get_by_test_id("saved-method")).to_contain_text("Medgivandereferens")
    expect(page.get_by_test_id("quote-answer")).to_contain_text("Nästa betalning")
    context.close()
    checked = browser.new_context(locale="sv-SE", bypass_csp=True)
    page = checked.new_page()
    page.goto(f"{werkstatt.base_url}/q/{token}")
    expect(page.get_by_test_id("saved-method")).to_be_visible()
    assert axe_violations(page) == [], "the quote with the saved mandate"
    checked.close()
    saved = wait_until(lambda: quote_row(app, quote_id).saved_method_id, what="saved")
    assert saved.startswith("pm_") and quote_row(app, quote_id).amount_paid == 0
