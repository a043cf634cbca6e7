"""A connected merchant's Stripe account, opened with its stored (encrypted) secrets.

The payments package calls these instead of handling keys: the secret key and the webhook
signing secret are decrypted here, used, and never returned or logged.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from app.config import Settings
from app.core.crypto import Purpose, Rotation, decrypt
from app.extensions import DbSession
from app.processors.connection import current_connection
from app.processors.gateway import (
    GatewayError,
    GatewayFailure,
    PaymentGateway,
    WebhookEventData,
    WebhookSignatureError,
)
from app.processors.models import ProcessorConnection
from app.processors.stripe_gateway import StripeGateway, parse_webhook


def _settings() -> Settings:
    return current_app.extensions["kassa_settings"]


def connected_gateway(session: DbSession, merchant_id: int) -> PaymentGateway:
    """The gateway of the merchant's connected account; NOT_FOUND when none is connected."""
    connection = current_connection(session, merchant_id)
    if connection is None:
        raise GatewayError(GatewayFailure.NOT_FOUND, "no payment processor is connected")
    settings = _settings()
    secret_key = decrypt(connection.secret_key_encrypted, settings.secret_key)
    return StripeGateway(secret_key, settings.stripe_api_base)


def verified_webhook(
    connection: ProcessorConnection, payload: bytes, signature_header: str
) -> WebhookEventData:
    """The event, if its signature verifies with this connection's signing secret (of Kassa's
    endpoint, or the one the merchant gave for forwarded events); none verifies without one."""
    if not signature_header:
        raise WebhookSignatureError("no Stripe-Signature header")
    if connection.webhook_secret_encrypted is None:
        raise WebhookSignatureError("no signing secret: events cannot be verified")
    secret = decrypt(connection.webhook_secret_encrypted, _settings().secret_key)
    return parse_webhook(payload, signature_header, secret)


def publishable_key(session: DbSession, merchant_id: int) -> str:
    """The connected account's publishable key, for Stripe.js on the buyer's pay page."""
    connection = current_connection(session, merchant_id)
    if connection is None:
        raise GatewayError(GatewayFailure.NOT_FOUND, "no payment processor is connected")
    return connection.publishable_key


def rotate_stored_secrets(session: DbSession, rotation: Rotation) -> None:
    """Every connection's Stripe secret key and webhook signing secret, re-encrypted with the
    new secret key (``flask kassa rotate-secret-key``)."""
    for connection in session.scalars(select(ProcessorConnection)):
        connection.secret_key_encrypted = rotation.rekey(
            connection.secret_key_encrypted, Purpose.AT_REST
        )
        if connection.webhook_secret_encrypted is not None:  # none while events cannot arrive
            connection.webhook_secret_encrypted = rotation.rekey(
                connection.webhook_secret_encrypted, Purpose.AT_REST
            )
