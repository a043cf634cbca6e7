"""Stripe.js' API surface as the stand-in offers it, called directly from a page: argument
checks that throw IntegrationError as Stripe.js does, and the validators behind the fields."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page

if TYPE_CHECKING:
    from tests.sandbox.js_fixtures import MerchantSite

pytest_plugins = ["tests.sandbox.js_fixtures"]
pytestmark = pytest.mark.e2e


def _blank_page(page: Page, merchant_site: MerchantSite) -> None:
    page.goto(f"{merchant_site.url}/blank")


def test_secret_keys_and_empty_keys_are_refused(page: Page, merchant_site: MerchantSite) -> None:
    _blank_page(page, merchant_site)
    messages = page.evaluate("""() => ['', 'sk_test_123'].map((key) => {
        try { Stripe(key); return 'accepted'; }
        catch (error) { return `${error.name}: ${error.message}`; }
    })""")
    assert messages == [
        "IntegrationError: Please call Stripe() with your publishable key. You used an empty "
        "string.",
        "IntegrationError: You should not use your secret key with Stripe.js. Please pass a "
        "publishable key instead.",
    ]


def test_confirm_payment_needs_a_return_url_unless_redirect_if_required(
    page: Page, merchant_site: MerchantSite
) -> None:
    account = merchant_site.account("US")
    intent = account.create_payment_intent(amount=500, currency="usd")
    _blank_page(page, merchant_site)
    message = page.evaluate(
        """async ([key, secret]) => {
        try { await Stripe(key).confirmPayment({clientSecret: secret}); return 'resolved'; }
        catch (error) { return `${error.name}: ${error.message}`; }
    }""",
        [account.publishable_key, intent.client_secret],
    )
    assert message.startswith("IntegrationError: stripe.confirmPayment(): the "
                              "`confirmParams.return_url` argument is required")  # fmt: skip


def test_confirm_payment_needs_a_mounted_payment_element(page: Page,
                                                         merchant_site: MerchantSite
                                                         ) -> None:  # fmt: skip
    account = merchant_site.account("US")
    intent = account.create_payment_intent(amount=500, currency="usd")
    _blank_page(page, merchant_site)
    message = page.evaluate(
        """async ([key, secret]) => {
        const stripe = Stripe(key);
        const elements = stripe.elements({clientSecret: secret});
        try {
          await stripe.confirmPayment({elements, redirect: 'if_required'});
          return 'resolved';
        } catch (error) { return `${error.name}: ${error.message}`; }
    }""",
        [account.publishable_key, intent.client_secret],
    )
    assert message == ("IntegrationError: Invalid value for stripe.confirmPayment(): elements "
                       "should have a mounted Payment Element.")  # fmt: skip


def test_deferred_intents_need_elements_submit_first(page: Page, merchant_site: MerchantSite
                                                     ) -> None:  # fmt: skip
    account = merchant_site.account("US")
    intent = account.create_payment_intent(
        amount=500, currency="usd", payment_method_types=["card"]
    )
    _blank_page(page, merchant_site)
    message = page.evaluate(
        """async ([key, secret]) => {
        const stripe = Stripe(key);
        const elements = stripe.elements({
          mode: 'payment', amount: 500, currency: 'usd', paymentMethodTypes: ['card'],
        });
        const element = elements.create('payment');
        const ready = new Promise((resolve) => element.on('ready', resolve));
        element.mount('#mount-point');
        await ready;
        try {
          await stripe.confirmPayment({elements, clientSecret: secret, redirect: 'if_required'});
          return 'resolved';
        } catch (error) { return `${error.name}: ${error.message}`; }
    }""",
        [account.publishable_key, intent.client_secret],
    )
    assert message.startswith("IntegrationError: elements.submit() must be called before "
                              "stripe.confirmPayment().")  # fmt: skip


def test_retrieve_payment_intent_reports_api_errors(page: Page, merchant_site: MerchantSite
                                                    ) -> None:  # fmt: skip
    account = merchant_site.account("US")
    _blank_page(page, merchant_site)
    result = page.evaluate(
        """async (key) => {
        const {error} = await Stripe(key).retrievePaymentIntent('pi_missing_secret_nothing');
        return error;
    }""",
        account.publishable_key,
    )
    assert result["type"] == "invalid_request_error"
    assert result["code"] == "resource_missing"


VALIDATOR_CASES = """async () => {
    const v = await import(`${window.SANDBOX}/js/v3/assets/validators.js`);
    const today = new Date(2026, 10, 24);
    return {
      visa: v.validateCardNumber('4242 4242 4242 4242'),
      luhnFails: v.validateCardNumber('4242 4242 4242 4241'),
      short: v.validateCardNumber('4242'),
      amexFormat: v.formatCardNumber('378282246310005'),
      amexCvc: v.validateCvc('123', '378282246310005'),
      expiryFormat: v.formatExpiry('1235'),
      expiryLeadingDigit: v.formatExpiry('4'),
      expiryPast: v.validateExpiry('1025', today),
      expiryThisMonth: v.validateExpiry('1126', today),
      expiryFarFuture: v.validateExpiry('1299', today),
      ibanGermany: v.validateIban('DE89 3704 0044 0532 0130 00'),
      ibanBadChecksum: v.validateIban('DE89370400440532013001'),
      ibanShort: v.validateIban('DE8937040044'),
      ibanFormat: v.formatIban('de89370400440532013000'),
      ibanSwitzerland: v.validateIban('CH9300762011623852957'),
      sortCode: v.formatSortCode('108800'),
      routingTest: v.isValidRoutingNumber('110000000'),
      routingWrong: v.isValidRoutingNumber('110000001'),
      zip: v.validatePostalCode('1234', 'US'),
    };
}"""


def test_validators(page: Page, merchant_site: MerchantSite) -> None:
    page.goto(f"{merchant_site.sandbox_url}/js/v3/locales.json")
    page.evaluate("(base) => { window.SANDBOX = base; }", merchant_site.sandbox_url)
    results = page.evaluate(VALIDATOR_CASES)
    assert results == {
        "visa": None, "luhnFails": "error.number_invalid", "short": "error.number_incomplete",
        "amexFormat": "3782 822463 10005", "amexCvc": "error.cvc_incomplete",
        "expiryFormat": "12 / 35", "expiryLeadingDigit": "04 / ",
        "expiryPast": "error.expiry_past", "expiryThisMonth": None,
        "expiryFarFuture": "error.expiry_year_invalid",
        "ibanGermany": None, "ibanBadChecksum": "error.iban_invalid",
        "ibanShort": "error.iban_incomplete", "ibanFormat": "DE89 3704 0044 0532 0130 00",
        "ibanSwitzerland": None, "sortCode": "10-88-00", "routingTest": True,
        "routingWrong": False, "zip": "error.zip_incomplete",
    }  # fmt: skip


def test_an_unknown_client_secret_reports_loaderror(
    page: Page, merchant_site: MerchantSite
) -> None:
    account = merchant_site.account("US")
    _blank_page(page, merchant_site)
    error = page.evaluate(
        """async (key) => {
        const elements = Stripe(key).elements({clientSecret: 'pi_unknown_secret_nothing'});
        const element = elements.create('payment');
        const failed = new Promise((resolve) => element.on('loaderror', resolve));
        element.mount('#mount-point');
        return (await failed).error;
    }""",
        account.publishable_key,
    )
    assert error["code"] == "resource_missing"
