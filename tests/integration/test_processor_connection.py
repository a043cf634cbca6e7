"""Connecting Stripe: checked against the sandbox over HTTP, refused by every rule, disconnected."""

from __future__ import annotations

import re

import pytest
import stripe
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.core.crypto import decrypt
from app.extensions import db
from app.processors.models import ProcessorConnection
from tests.conftest import SECRET_KEY
from tests.integration.test_invitations import invite_and_join
from tests.support.accounts import post_form, sign_up
from tests.support.mailbox import Mailbox
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox

PAGE = "/panel/settings/payments"
SEALED = re.compile(r'name="sealed" type="hidden" value="([^"]+)"')


def check_keys(client: FlaskClient, secret_key: str, publishable_key: str):  # type: ignore[no-untyped-def]
    return post_form(
        client,
        PAGE,
        PAGE + "/verify",
        {"secret_key": secret_key, "publishable_key": publishable_key},
    )


def connect(client: FlaskClient, account: SandboxAccount):  # type: ignore[no-untyped-def]
    found = check_keys(client, account.secret_key, account.publishable_key)
    assert found.status_code == 200, found.get_data(as_text=True)
    sealed = SEALED.search(found.get_data(as_text=True))
    assert sealed, "no confirmation step"
    return post_form(client, PAGE, PAGE + "/connect", {"sealed": sealed.group(1)})


def webhook_endpoints(sandbox: StripeSandbox, account: SandboxAccount) -> list[dict]:
    client = stripe.StripeClient(account.secret_key, base_addresses={"api": sandbox.api_base})
    return [e.to_dict() for e in client.v1.webhook_endpoints.list().data]


def saved(app: Flask) -> list[ProcessorConnection]:
    with app.app_context():
        rows = db.session.scalars(select(ProcessorConnection)).all()
        db.session.expunge_all()
        return list(rows)


def test_keys_are_checked_shown_then_saved_encrypted(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    sign_up(client)
    account = stripe_sandbox.create_account("SE", "sek", name="Lindqvist Keramik")

    found = check_keys(client, account.secret_key, account.publishable_key)
    page = found.get_data(as_text=True)
    assert "Is this the right account?" in page
    assert account.id in page and "Lindqvist Keramik" in page and "Sweden" in page
    assert account.secret_key not in page
    assert saved(app) == []

    sealed = SEALED.search(page)
    assert sealed
    response = post_form(client, PAGE, PAGE + "/connect", {"sealed": sealed.group(1)})
    assert response.status_code == 302
    page = client.get(PAGE).get_data(as_text=True)
    assert "Stripe is connected. Buyers can now pay you." in page
    assert account.secret_key not in page
    assert f"{account.secret_key[:8]}…{account.secret_key[-4:]}" in page

    (row,) = saved(app)
    assert (row.account_id, row.country, row.default_currency, row.livemode) == (
        account.id,
        "SE",
        "SEK",
        False,
    )
    assert "card_payments" in row.capabilities and "sepa_debit_payments" in row.capabilities
    assert account.secret_key not in row.secret_key_encrypted
    assert decrypt(row.secret_key_encrypted, SECRET_KEY) == account.secret_key

    key_checks = stripe.StripeClient(
        account.secret_key, base_addresses={"api": stripe_sandbox.api_base}
    )
    (check,) = key_checks.v1.setup_intents.list().data  # checked twice, made once (idempotent)
    assert check.status == "canceled"

    (endpoint,) = webhook_endpoints(stripe_sandbox, account)
    assert endpoint["id"] == row.webhook_endpoint_id
    assert endpoint["url"] == f"http://localhost/webhooks/stripe/{_merchant_public_id(app)}"
    assert "payment_intent.succeeded" in endpoint["enabled_events"]
    assert decrypt(row.webhook_secret_encrypted, SECRET_KEY).startswith("whsec_")


def _merchant_public_id(app: Flask) -> str:
    from app.merchants.models import Merchant

    with app.app_context():
        return db.session.scalars(select(Merchant.public_id)).one()


def test_a_wrong_secret_key_is_refused_and_nothing_is_saved(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    sign_up(client)
    account = stripe_sandbox.create_account()
    response = check_keys(client, account.secret_key[:-4] + "XXXX", account.publishable_key)
    assert response.status_code == 422
    assert "Stripe did not accept this secret key." in response.get_data(as_text=True)
    assert saved(app) == []


def test_a_publishable_key_of_another_account_is_refused(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    sign_up(client)
    mine, theirs = stripe_sandbox.create_account(), stripe_sandbox.create_account()
    response = check_keys(client, mine.secret_key, theirs.publishable_key)
    assert response.status_code == 422
    assert "This publishable key belongs to another Stripe account" in response.get_data(
        as_text=True
    )
    assert saved(app) == []


@pytest.mark.parametrize(
    ("secret_key", "publishable_key", "message"),
    [
        (
            "sk_live_" + "a" * 40,
            "pk_live_" + "b" * 40,
            "This is a live key, but this Kassa takes test payments.",
        ),
        ("sk_test_" + "a" * 40, "pk_live_" + "b" * 40, "The publishable key is of another mode"),
        ("pk_test_" + "a" * 40, "pk_test_" + "b" * 40, "A secret key starts with sk_"),
        ("sk_test_" + "a" * 40, "sk_test_" + "b" * 40, "A publishable key starts with pk_."),
    ],
)
def test_keys_of_the_wrong_kind_or_mode_are_refused(
    client: FlaskClient, secret_key: str, publishable_key: str, message: str
) -> None:
    sign_up(client)
    response = check_keys(client, secret_key, publishable_key)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_live_mode_refuses_test_keys(
    app_settings: dict[str, str], stripe_sandbox: StripeSandbox
) -> None:
    from app import create_app

    live = create_app({**app_settings, "KASSA_STRIPE_MODE": "live"}).test_client()
    sign_up(live)
    account = stripe_sandbox.create_account()
    response = check_keys(live, account.secret_key, account.publishable_key)
    assert "This is a test key, but this Kassa takes live payments." in response.get_data(
        as_text=True
    )


def test_an_account_another_merchant_holds_is_refused_without_naming_them(
    app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    first, second = app.test_client(), app.test_client()
    sign_up(first, email="first@example.com", business_name="First Holder AB")
    sign_up(second, email="second@example.com", business_name="Second AB")
    account = stripe_sandbox.create_account()
    assert connect(first, account).status_code == 302

    response = check_keys(second, account.secret_key, account.publishable_key)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "already connected to another Kassa account" in body
    assert "First Holder" not in body and "first@example.com" not in body
    assert len(saved(app)) == 1


def test_an_unsupported_country_is_refused_with_the_reason(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    sign_up(client)
    account = stripe_sandbox.create_account("BR", "brl")
    response = check_keys(client, account.secret_key, account.publishable_key)
    assert response.status_code == 422
    assert "Stripe accounts in Brazil need a tax id" in response.get_data(as_text=True)
    assert saved(app) == []


def test_the_operator_can_replace_the_accepted_countries(
    app_settings: dict[str, str], stripe_sandbox: StripeSandbox
) -> None:
    from app import create_app

    nordic = create_app({**app_settings, "KASSA_STRIPE_COUNTRIES": "SE, NO"}).test_client()
    sign_up(nordic)
    account = stripe_sandbox.create_account("DE", "eur")
    response = check_keys(nordic, account.secret_key, account.publishable_key)
    assert (
        "Kassa does not offer Stripe payments for accounts in this country."
        in response.get_data(as_text=True)
    )


def test_one_account_at_a_time_then_disconnect_and_reconnect(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    sign_up(client)
    first, second = stripe_sandbox.create_account(), stripe_sandbox.create_account("DE", "eur")
    connect(client, first)

    page = client.get(PAGE).get_data(as_text=True)
    assert "To connect another Stripe account, disconnect this one first." in page
    refused = check_keys(client, second.secret_key, second.publishable_key)
    assert "Disconnect it before connecting another." in refused.get_data(as_text=True)

    confirmation = client.get(PAGE + "/disconnect").get_data(as_text=True)
    assert "Open payment links, quotes and invoices can no longer be paid." in confirmation
    assert "Refunds must be made in your Stripe dashboard." in confirmation
    done = post_form(client, PAGE + "/disconnect", PAGE + "/disconnect", {})
    assert done.status_code == 302
    assert saved(app) == []
    assert webhook_endpoints(stripe_sandbox, first) == []

    assert connect(client, second).status_code == 302
    (row,) = saved(app)
    assert row.account_id == second.id
    assert len(webhook_endpoints(stripe_sandbox, second)) == 1


def test_an_expired_or_altered_confirmation_is_refused(client: FlaskClient, app: Flask) -> None:
    sign_up(client)
    response = post_form(
        client, PAGE, PAGE + "/connect", {"sealed": "not-a-real-token"}, follow_redirects=True
    )
    assert "The check of your keys expired. Please enter them again." in response.get_data(
        as_text=True
    )
    assert saved(app) == []


def test_staff_see_the_connection_but_cannot_change_it(
    client: FlaskClient, app: Flask, mailbox: Mailbox, stripe_sandbox: StripeSandbox
) -> None:
    sign_up(client)
    staff = invite_and_join(client, app, mailbox, "staff@example.com")
    account = stripe_sandbox.create_account()
    assert "The account owner can connect one." in staff.get(PAGE).get_data(as_text=True)
    assert check_keys(staff, account.secret_key, account.publishable_key).status_code == 403
    connect(client, account)
    assert account.id in staff.get(PAGE).get_data(as_text=True)
    assert staff.get(PAGE + "/disconnect").status_code == 403


def test_disconnect_works_when_the_stored_key_cannot_be_read(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    sign_up(client)
    connect(client, stripe_sandbox.create_account())
    with app.app_context():
        row = db.session.scalars(select(ProcessorConnection)).one()
        row.secret_key_encrypted = "written-with-a-key-this-server-no-longer-has"
        db.session.commit()

    page = post_form(client, PAGE + "/disconnect", PAGE + "/disconnect", {}, follow_redirects=True)
    body = page.get_data(as_text=True)
    assert "Stripe is disconnected." in body
    assert "Delete the webhook endpoint in your Stripe dashboard." in body
    assert saved(app) == []
