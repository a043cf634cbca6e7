"""Rotating KASSA_SECRET_KEY (issue #18, 9): the operator sets the new key, keeps the old one in
KASSA_OLD_SECRET_KEY and runs ``flask kassa rotate-secret-key``. Before it, the new key opens no
stored secret; after it, the Stripe connection works with the new key only, and buyers' checkout
addresses (and the emails linking to them) still lead to their checkouts."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import create_app
from app.checkout.service import checkout_by_token
from app.core.crypto import InvalidToken
from app.extensions import db
from app.invoices.service import buyer_token, invoice_by_token
from app.processors.access import connected_gateway
from app.processors.models import ProcessorConnection
from tests.conftest import SECRET_KEY
from tests.integration.test_checkout import open_as_buyer, shop
from tests.integration.test_webhook_probes import endpoint_and_secret, post_signed
from tests.support.accounts import sign_up
from tests.support.invoices import open_invoice
from tests.support.payments import merchant_id
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox

NEW_SECRET_KEY = "the-new-secret-key-after-rotation-0123456789"


def an_event_about(intent_id: str) -> bytes:
    """A signed delivery the merchant's endpoint must verify (its signing secret) and act on
    (re-read the intent with its Stripe secret key: "not found", so acknowledged as ignored)."""
    return json.dumps({
        "id": f"evt_{intent_id}", "object": "event", "type": "payment_intent.succeeded",
        "data": {"object": {"id": intent_id, "object": "payment_intent"}},
    }).encode()  # fmt: skip


def stripe_account_seen(kassa: Flask, merchant: int) -> str:
    with kassa.app_context():
        return connected_gateway(db.session, merchant).retrieve_account().id


def stored_secrets(app: Flask) -> tuple[str, str]:
    with app.app_context():
        connection = db.session.scalars(select(ProcessorConnection)).one()
        return connection.secret_key_encrypted, connection.webhook_secret_encrypted


@pytest.fixture
def rotated_app(app_settings: dict[str, str]) -> Flask:
    """Kassa restarted with the new key (the same database)."""
    return create_app({**app_settings, "KASSA_SECRET_KEY": NEW_SECRET_KEY})


def test_rotating_the_secret_key_reencrypts_every_stored_secret(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, rotated_app: Flask
) -> None:
    account: SandboxAccount = shop(client, app, stripe_sandbox)
    merchant = merchant_id(app)
    buyer = app.test_client()
    page = open_as_buyer(app, buyer)
    url, signing_secret = endpoint_and_secret(app, merchant)
    new_kassa = rotated_app.test_client()

    # The new key alone opens nothing that is stored.
    assert post_signed(new_kassa, url, an_event_about("pi_1"), signing_secret)[0] == 400
    with pytest.raises(InvalidToken):
        stripe_account_seen(rotated_app, merchant)

    rotated = rotated_app.test_cli_runner().invoke(
        args=["kassa", "rotate-secret-key"], env={"KASSA_OLD_SECRET_KEY": SECRET_KEY}
    )
    assert rotated.exit_code == 0, rotated.output
    assert "Stored secrets re-encrypted with the new key: 3 (0 already were)." in rotated.output

    assert post_signed(new_kassa, url, an_event_about("pi_2"), signing_secret) == (200, "ignored")
    assert stripe_account_seen(rotated_app, merchant) == account.id
    assert new_kassa.get(page).status_code == 200  # the buyer's address still opens it
    with rotated_app.app_context():
        checkout = checkout_by_token(db.session, page.rsplit("/", 1)[-1])
        assert checkout is not None and page == f"/c/{checkout.token}"  # emails link to it
    with pytest.raises(InvalidToken):  # the old key opens nothing any more
        stripe_account_seen(app, merchant)

    again = rotated_app.test_cli_runner().invoke(
        args=["kassa", "rotate-secret-key", "--old-key", SECRET_KEY]
    )
    assert again.exit_code == 0, again.output
    assert "Stored secrets re-encrypted with the new key: 0 (3 already were)." in again.output


def test_a_wrong_old_key_changes_nothing(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, rotated_app: Flask
) -> None:
    shop(client, app, stripe_sandbox)
    merchant = merchant_id(app)
    before = stored_secrets(app)

    refused = rotated_app.test_cli_runner().invoke(
        args=["kassa", "rotate-secret-key", "--old-key", "not-the-old-key"]
    )

    assert refused.exit_code != 0
    assert "Stored secrets that open with neither key: 2; nothing was changed." in refused.output
    assert stored_secrets(app) == before
    assert stripe_account_seen(app, merchant)  # still works with the key it was made with
    same = rotated_app.test_cli_runner().invoke(
        args=["kassa", "rotate-secret-key", "--old-key", NEW_SECRET_KEY]
    )
    assert same.exit_code != 0 and "set a new KASSA_SECRET_KEY" in same.output


def test_a_connection_whose_events_cannot_arrive_is_rotated_too(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, rotated_app: Flask
) -> None:
    """Stripe refused Kassa's endpoint (a private address, the cap): there is no signing
    secret to re-encrypt, and the Stripe secret key still is."""
    account = shop(client, app, stripe_sandbox)
    merchant = merchant_id(app)
    with app.app_context():
        db.session.scalars(select(ProcessorConnection)).one().webhook_secret_encrypted = None
        db.session.commit()

    rotated = rotated_app.test_cli_runner().invoke(
        args=["kassa", "rotate-secret-key", "--old-key", SECRET_KEY]
    )

    assert rotated.exit_code == 0, rotated.output
    assert "Stored secrets re-encrypted with the new key: 1 (0 already were)." in rotated.output
    assert stripe_account_seen(rotated_app, merchant) == account.id


def test_invoice_addresses_survive_a_rotation(
    client: FlaskClient, app: Flask, rotated_app: Flask
) -> None:
    """An invoice's address is kept sealed (for the emails that re-send it): rotating re-seals
    it, and the address the customer holds still opens the invoice."""
    sign_up(client)
    invoice_id, token = open_invoice(app)

    rotated = rotated_app.test_cli_runner().invoke(
        args=["kassa", "rotate-secret-key"], env={"KASSA_OLD_SECRET_KEY": SECRET_KEY}
    )
    assert rotated.exit_code == 0, rotated.output
    assert "Stored secrets re-encrypted with the new key: 1 (0 already were)." in rotated.output

    with rotated_app.app_context():
        invoice = invoice_by_token(db.session, token)
        assert invoice is not None and invoice.id == invoice_id
        assert buyer_token(invoice, NEW_SECRET_KEY) == token
        with pytest.raises(InvalidToken):
            buyer_token(invoice, SECRET_KEY)
