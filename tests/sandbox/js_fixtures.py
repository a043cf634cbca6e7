"""Fixtures for the Stripe.js stand-in's browser tests.

* ``stripe_sandbox_url``: the sandbox as a real HTTP server (``python -m stripe_sandbox serve``)
  on a free loopback port, for the whole session.
* ``merchant_site``: a tiny merchant shop on another port (so another origin), with a strict
  Content-Security-Policy, that loads ``<sandbox>/js/v3/``, mounts the Payment Element and
  pays. Its server side uses the ``stripe`` library against the sandbox, as Kassa does.

A test module uses them with ``pytest_plugins = ["tests.sandbox.js_fixtures"]``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlencode, urlsplit

import pytest
import stripe
from flask import Flask, Response, request
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import BaseWSGIServer, make_server

from tests.support.servers import free_port, wait_until_healthy

PROJECT_ROOT = Path(__file__).resolve().parents[2]

__all__ = [
    "MerchantSite",
    "SandboxAccount",
    "merchant_site",
    "prefixed_merchant_site",
    "stripe_sandbox_url",
]

SANDBOX_PREFIX = "/_sandbox/stripe"


# ---------------------------------------------------------------------------------------------
# The sandbox, as a real server


@pytest.fixture(scope="session")
def stripe_sandbox_url() -> Iterator[str]:
    """Base URL of a sandbox server started for this test session (or, when the environment
    sets STRIPE_SANDBOX_URL, of one already running)."""
    existing = os.environ.get("STRIPE_SANDBOX_URL", "").rstrip("/")
    if existing:
        yield existing
        return
    port = free_port()
    command = [sys.executable, "-m", "stripe_sandbox", "serve", "--host", "127.0.0.1",
               "--port", str(port)]  # fmt: skip
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=dict(os.environ))
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(f"{url}/js/v3/", process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass
class SandboxAccount:
    """A sandbox account and a ``stripe`` client for it."""

    id: str
    secret_key: str
    publishable_key: str
    client: stripe.StripeClient

    def create_payment_intent(self, **params: Any) -> stripe.PaymentIntent:
        """A PaymentIntent made on the server, as Kassa makes them (``payment_method_types`` is
        no longer in stripe-python's typed parameters, hence the cast)."""
        return self.client.v1.payment_intents.create(params=cast("Any", params))

    def create_setup_intent(self, **params: Any) -> stripe.SetupIntent:
        return self.client.v1.setup_intents.create(params=cast("Any", params))


def create_sandbox_account(sandbox_url: str, country: str = "US") -> SandboxAccount:
    body = urlencode({"country": country}).encode()
    with urllib.request.urlopen(f"{sandbox_url}/_sandbox/accounts", data=body, timeout=10) as reply:
        keys = json.load(reply)
    client = stripe.StripeClient(keys["secret_key"], base_addresses={"api": sandbox_url})
    return SandboxAccount(keys["account"], keys["secret_key"], keys["publishable_key"], client)


# ---------------------------------------------------------------------------------------------
# The merchant shop

CHECKOUT_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Test shop checkout</title>
  <script src="{sandbox}/js/v3/"></script>
  <script src="/merchant.js" defer></script>
</head>
<body>
  <main id="checkout" {data}>
    <h1>Pay the test shop</h1>
    <form id="payment-form">
      <div id="payment-element"></div>
      <p>Selected method: <span id="selected-method">none</span></p>
      <button type="submit" id="pay-button">Pay now</button>
    </form>
    <div id="payment-message" role="alert"></div>
    <div id="payment-result" role="status"></div>
  </main>
</body>
</html>
"""

RETURN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Returned</title>
<script src="{sandbox}/js/v3/"></script><script src="/return.js" defer></script></head>
<body><h1>Thanks</h1><p id="redirect-status">Redirect status: {status}</p>
<p id="returned-intent">{intent}</p><p id="retrieved-status" role="status"></p></body></html>
"""

# The return page reads the intent again, as Kassa's does (publishable key from the query).
RETURN_JS = """
const query = new URLSearchParams(window.location.search);
const stripe = Stripe(query.get('pk'));
const secret = query.get('payment_intent_client_secret') || query.get('setup_intent_client_secret');
const retrieve = secret.startsWith('seti_') ? stripe.retrieveSetupIntent(secret)
  : stripe.retrievePaymentIntent(secret);
retrieve.then(({paymentIntent, setupIntent, error}) => {
  const intent = paymentIntent || setupIntent;
  document.getElementById('retrieved-status').textContent =
    error ? `Error: ${error.message}` : `Retrieved status: ${intent.status}`;
});
"""

NEXT_ACTION_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authenticate</title>
<script src="{sandbox}/js/v3/"></script><script src="/next-action.js" defer></script></head>
<body><main id="next-action" data-publishable-key="{pk}" data-client-secret="{secret}">
<button type="button" id="authenticate">Authenticate</button>
<p id="payment-message" role="alert"></p><p id="payment-result" role="status"></p>
</main></body></html>
"""

# A page with Stripe.js and nothing else, for calling the API surface directly.
BLANK_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Blank</title>
<script src="{sandbox}/js/v3/"></script></head>
<body><main><h1>Blank</h1><div id="mount-point"></div></main></body></html>
"""

# A payment confirmed on the server that needs the buyer: stripe.handleNextAction.
NEXT_ACTION_JS = """
const config = document.getElementById('next-action').dataset;
const stripe = Stripe(config.publishableKey);
document.getElementById('authenticate').addEventListener('click', async () => {
  const {clientSecret} = config;
  const {error, paymentIntent} = await stripe.handleNextAction({clientSecret});
  const message = error ? error.message : `Payment status: ${paymentIntent.status}`;
  document.getElementById(error ? 'payment-message' : 'payment-result').textContent = message;
});
"""

# What a merchant page does with Stripe.js (it is served as a file: the CSP has no inline JS).
MERCHANT_JS = """
const checkout = document.getElementById('checkout');
const config = checkout.dataset;
const stripe = Stripe(config.publishableKey, {locale: config.locale || 'auto'});
const elementsOptions = {appearance: {variables: {colorPrimary: '#7c3aed'}}};
if (config.clientSecret) {
  elementsOptions.clientSecret = config.clientSecret;
} else {
  Object.assign(elementsOptions, {
    mode: 'payment', amount: Number(config.amount), currency: config.currency,
    paymentMethodTypes: config.methods.split(','),
  });
}
const elements = stripe.elements(elementsOptions);
// With data-billing="never" the shop collects the buyer's details itself (as Kassa can).
const billingDetails = {
  name: 'Jenny Rosen', email: 'jenny@example.com',
  address: {line1: 'Unter den Linden 1', city: 'Berlin', postal_code: '10117', country: 'DE'},
};
const paymentElement = elements.create('payment', {
  layout: config.layout || 'tabs',
  ...(config.methodOrder ? {paymentMethodOrder: config.methodOrder.split(',')} : {}),
  wallets: {link: 'never', applePay: 'never', googlePay: 'never'},
  business: {name: 'Test Shop'},
  fields: {billingDetails: config.billing === 'never' ? 'never' : 'auto'},
});
paymentElement.on('ready', () => { checkout.dataset.ready = 'true'; });
paymentElement.on('change', (event) => {
  document.getElementById('selected-method').textContent = event.value.type;
  checkout.dataset.complete = String(event.complete);
});
paymentElement.mount('#payment-element');
window.shop = {stripe, elements, paymentElement};  // for tests that drive the API directly

const form = document.getElementById('payment-form');
const button = document.getElementById('pay-button');
const message = document.getElementById('payment-message');
const result = document.getElementById('payment-result');

async function clientSecretForPayment() {
  if (config.clientSecret) return {clientSecret: config.clientSecret};
  const {error} = await elements.submit();
  if (error) return {error};
  const body = new URLSearchParams(config);
  const response = await fetch('/create-intent', {method: 'POST', body});
  return {clientSecret: (await response.json()).client_secret};
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  button.disabled = true;
  message.textContent = '';
  const {clientSecret, error: submitError} = await clientSecretForPayment();
  if (submitError) {
    message.textContent = submitError.message;
    button.disabled = false;
    return;
  }
  const returnUrl = new URL('/return', window.location.href);
  returnUrl.searchParams.set('pk', config.publishableKey);
  const confirm = clientSecret.startsWith('seti_') ? 'confirmSetup' : 'confirmPayment';
  const {error, paymentIntent, setupIntent} = await stripe[confirm]({
    elements, clientSecret,
    confirmParams: {
      return_url: returnUrl.href,
      ...(config.billing === 'never'
        ? {payment_method_data: {billing_details: billingDetails}} : {}),
    },
    redirect: config.redirect || 'always',
  });
  if (error) {
    message.textContent = error.message;
    message.dataset.code = error.code || error.type;
  } else {
    result.textContent = `Payment status: ${(paymentIntent || setupIntent).status}`;
  }
  button.disabled = false;
});
"""


@dataclass
class MerchantSite:
    """The shop's URL and what it needs to build checkout pages."""

    url: str
    sandbox_url: str
    accounts: dict[str, SandboxAccount] = field(default_factory=dict)

    def account(self, country: str) -> SandboxAccount:
        """One sandbox account per country, created on first use."""
        if country not in self.accounts:
            self.accounts[country] = create_sandbox_account(self.sandbox_url, country)
        return self.accounts[country]

    def checkout_url(self, account: SandboxAccount, **options: Any) -> str:
        """A checkout page; options become data attributes read by the merchant script."""
        return self.page_url("checkout", account, **options)

    def page_url(self, page: str, account: SandboxAccount, **options: Any) -> str:
        query = {"pk": account.publishable_key, **{k: v for k, v in options.items() if v}}
        return f"{self.url}/{page}?{urlencode(query)}"


def _to_data_attribute(name: str) -> str:
    return "data-" + "".join(f"-{c.lower()}" if c.isupper() else c for c in name)


def build_merchant_app(sandbox_url: str, site: MerchantSite) -> Flask:
    shop = Flask("test_shop")
    sandbox_origin = "{0.scheme}://{0.netloc}".format(urlsplit(sandbox_url))
    # What Stripe's CSP guidance asks of a merchant page, for the sandbox's origin: no inline
    # script or style element, only the style attributes Stripe.js writes on its frames.
    policy = (
        f"default-src 'self'; script-src 'self' {sandbox_origin}; frame-src {sandbox_origin}; "
        f"connect-src 'self' {sandbox_origin}; style-src 'self'; "
        f"style-src-attr 'unsafe-inline'; img-src 'self' data:"
    )

    @shop.after_request
    def content_security_policy(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = policy
        return response

    @shop.get("/checkout")
    def checkout() -> str:
        attributes = {"publishableKey": request.args["pk"]}
        for name in (
            "billing",
            "clientSecret",
            "locale",
            "redirect",
            "layout",
            "amount",
            "currency",
            "methods",
            "country",
            "methodOrder",
        ):
            if request.args.get(name):
                attributes[name] = request.args[name]
        data = " ".join(
            f'{_to_data_attribute(name)}="{_escape(value)}"' for name, value in attributes.items()
        )
        return CHECKOUT_PAGE.format(sandbox=sandbox_url, data=data)

    @shop.get("/merchant.js")
    def merchant_js() -> Response:
        return Response(MERCHANT_JS, mimetype="text/javascript")

    @shop.post("/create-intent")
    def create_intent() -> dict[str, str]:
        account = site.account(request.form.get("country", "US"))
        intent = account.create_payment_intent(
            amount=int(request.form["amount"]), currency=request.form["currency"],
            payment_method_types=request.form["methods"].split(","),
        )  # fmt: skip
        return {"client_secret": intent.client_secret or ""}

    @shop.get("/return")
    def returned() -> str:
        intent = request.args.get("payment_intent") or request.args.get("setup_intent", "")
        return RETURN_PAGE.format(
            sandbox=sandbox_url,
            status=_escape(request.args.get("redirect_status", "")),
            intent=_escape(intent),
        )

    @shop.get("/return.js")
    def return_js() -> Response:
        return Response(RETURN_JS, mimetype="text/javascript")

    @shop.get("/next-action")
    def next_action() -> str:
        return NEXT_ACTION_PAGE.format(
            sandbox=sandbox_url, pk=_escape(request.args["pk"]),
            secret=_escape(request.args["clientSecret"]),
        )  # fmt: skip

    @shop.get("/blank")
    def blank() -> str:
        return BLANK_PAGE.format(sandbox=sandbox_url)

    @shop.get("/favicon.ico")
    def favicon() -> Response:
        return Response(status=204)

    @shop.get("/next-action.js")
    def next_action_js() -> Response:
        return Response(NEXT_ACTION_JS, mimetype="text/javascript")

    return shop


def _escape(value: str) -> str:
    return (value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            .replace(">", "&gt;"))  # fmt: skip


@pytest.fixture(scope="session")
def merchant_site(stripe_sandbox_url: str) -> Iterator[MerchantSite]:
    port = free_port()
    site = MerchantSite(f"http://127.0.0.1:{port}", stripe_sandbox_url)
    server = make_server("127.0.0.1", port, build_merchant_app(stripe_sandbox_url, site),
                         threaded=True)  # fmt: skip
    thread = threading.Thread(target=server.serve_forever, name="test-shop", daemon=True)
    thread.start()
    yield site
    server.shutdown()
    thread.join(timeout=5)


def _serve_in_thread(application: Any) -> tuple[str, BaseWSGIServer]:
    port = free_port()
    server = make_server("127.0.0.1", port, application, threaded=True)
    threading.Thread(target=server.serve_forever, name=f"server-{port}", daemon=True).start()
    return f"http://127.0.0.1:{port}", server


@pytest.fixture(scope="session")
def prefixed_merchant_site() -> Iterator[MerchantSite]:
    """The sandbox mounted in-process under /_sandbox/stripe (as the demo mounts it), and a
    shop using it."""
    from stripe_sandbox import create_app

    host = Flask("host_app")
    sandbox_root, sandbox_server = _serve_in_thread(
        DispatcherMiddleware(host, {SANDBOX_PREFIX: create_app()})
    )
    site = MerchantSite("", f"{sandbox_root}{SANDBOX_PREFIX}")
    site.url, shop_server = _serve_in_thread(build_merchant_app(site.sandbox_url, site))
    yield site
    shop_server.shutdown()
    sandbox_server.shutdown()
