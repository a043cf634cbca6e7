"""Two Kassa installations on one Stripe account: two databases (so two installation ids) whose
checkouts have the same ids and versions pay with no idempotency error, before and after the
sandbox is reset, because Stripe (and the sandbox) keep an account's idempotency keys."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
import stripe
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select

from app import create_app
from app.checkout.models import CheckoutSession
from app.extensions import db
from app.processors.idempotency import idempotency_key, installation_id
from tests.integration.test_checkout_return import at_pay_step
from tests.integration.test_processor_connection import connect
from tests.support.accounts import sign_up
from tests.support.payments import confirm_as_browser
from tests.support.servers import free_port
from tests.support.settings import add_payment_link
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox, start_stripe_sandbox

# One account, made again with the same id and keys after a reset (as a seed file does).
SHARED_ACCOUNT = {
    "account": "acct_sharedinstalls01",
    "secret_key": "sk_test_" + "s" * 40,
    "publishable_key": "pk_test_" + "s" * 40,
}


@pytest.fixture
def own_sandbox() -> Iterator[StripeSandbox]:
    """A sandbox of this test's own, which it may reset."""
    sandbox = start_stripe_sandbox(free_port())
    yield sandbox
    sandbox.stop()


def installation(app_settings: dict[str, str], database: Path, sandbox: StripeSandbox) -> Flask:
    """Kassa on a database of its own, migrated, talking to ``sandbox``."""
    kassa = create_app(
        {
            **app_settings,
            "KASSA_DATABASE_URL": f"sqlite:///{database}",
            "KASSA_STRIPE_API_BASE": sandbox.api_base,
            "KASSA_STRIPE_JS_URL": sandbox.js_url,
        }
    )
    with kassa.app_context():
        upgrade()
    return kassa


def pay_a_link(kassa: Flask, sandbox: StripeSandbox, account: SandboxAccount, amount: str) -> str:
    """A merchant of this installation connects the shared account and sells a link; a buyer
    pays it by card. Returns the idempotency key its pay step made the intent with."""
    merchant = kassa.test_client()
    sign_up(merchant, country="SE")
    assert connect(merchant, account).status_code == 302
    assert add_payment_link(merchant, amount=amount).status_code == 302
    buyer = kassa.test_client()
    page, intent = at_pay_step(kassa, buyer)
    confirmed = confirm_as_browser(
        sandbox, account, intent.id, intent.client_secret, payment_method="pm_card_visa"
    )
    assert confirmed["status"] == "succeeded", confirmed
    receipt = buyer.get(page + "/return").get_data(as_text=True)
    assert "Thank you, your payment went through" in receipt
    with kassa.app_context():
        checkout = db.session.scalars(select(CheckoutSession)).one()
        assert (checkout.id, checkout.intent_version) == (1, 1)  # the same in both databases
        return idempotency_key(db.session, "checkout", checkout.id, "intent", 1)


def test_two_installations_share_an_account_and_its_keys_outlive_a_reset(
    app_settings: dict[str, str], tmp_path: Path, own_sandbox: StripeSandbox
) -> None:
    first = installation(app_settings, tmp_path / "first.db", own_sandbox)
    second = installation(app_settings, tmp_path / "second.db", own_sandbox)
    account = own_sandbox.create_account("SE", "sek", **SHARED_ACCOUNT)
    first_key = pay_a_link(first, own_sandbox, account, amount="400")

    own_sandbox.control("POST", "/_sandbox/reset")
    assert own_sandbox.create_account("SE", "sek", **SHARED_ACCOUNT) == account

    second_key = pay_a_link(second, own_sandbox, account, amount="500")
    with first.app_context():
        first_installation = installation_id(db.session)
    with second.app_context():
        second_installation = installation_id(db.session)
    assert first_installation != second_installation
    assert first_key.replace(first_installation, "") == second_key.replace(second_installation, "")

    # The first installation's key is still the account's after the reset: reused with other
    # parameters it is refused, as Stripe refuses it.
    merchant_stripe = stripe.StripeClient(
        account.secret_key, base_addresses={"api": own_sandbox.api_base}
    )
    with pytest.raises(stripe.IdempotencyError):
        merchant_stripe.v1.payment_intents.create(
            params=cast(
                "Any", {"amount": 50000, "currency": "sek", "payment_method_types": ["card"]}
            ),
            options={"idempotency_key": first_key},
        )
