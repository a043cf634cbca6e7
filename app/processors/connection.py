"""Connecting and disconnecting a merchant's Stripe account, with the rules hosted checkouts follow.

- A merchant has at most one connected account; to connect another, disconnect first.
- One Stripe account serves one merchant of this Kassa (refused without saying who holds it).
- The account's country must be one Kassa offers Stripe processing in (``country_refusal``).
- Keys must be of the mode this Kassa runs in (test or live), and the publishable key must
  belong to the same account as the secret key.
- On connect Kassa registers its webhook endpoint (one per URL; Stripe may refuse it, which
  never fails the connection: ``webhook_setup``); on disconnect it deletes it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.core.crypto import encrypt
from app.core.errors import ServiceError
from app.core.regions import STRIPE_ACCOUNT_COUNTRIES
from app.extensions import DbSession
from app.merchants.models import Merchant, User
from app.processors import webhook_setup
from app.processors.gateway import AccountInfo, GatewayError, GatewayFailure, PaymentGateway
from app.processors.idempotency import idempotency_key
from app.processors.models import ProcessorConnection

log = logging.getLogger("kassa.processors")
GatewayFactory = Callable[[str], PaymentGateway]
LIVE = "live"

WEBHOOK_EVENTS: tuple[str, ...] = (
    "payment_intent.succeeded",
    "payment_intent.processing",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
    "payment_intent.requires_action",
    "charge.succeeded",
    "charge.failed",
    "charge.refunded",
    "charge.dispute.created",
    "charge.dispute.updated",
    "charge.dispute.closed",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
    "refund.updated",
    "refund.failed",
    "charge.refund.updated",
    "mandate.updated",
    "setup_intent.succeeded",
    "setup_intent.setup_failed",
)

# Operator policy: Stripe account countries Kassa refuses, with the reason the merchant sees.
# Every other country where Stripe accounts can be opened is accepted; KASSA_STRIPE_COUNTRIES
# replaces the accepted list altogether.
REFUSED_COUNTRIES = {
    "BR": _l(
        "Stripe accounts in Brazil need a tax id (CPF or CNPJ) on every payment, which Kassa does "
        "not collect yet."
    ),
    "IN": _l(
        "Stripe accounts in India may only take payments with export documentation that Kassa does"
        " not produce."
    ),
}
DEFAULT_REFUSAL = _l("Kassa does not offer Stripe payments for accounts in this country.")


def country_refusal(country: str, accepted_override: tuple[str, ...] = ()) -> str | None:
    """Why an account in ``country`` cannot be connected, or None when it can."""
    if accepted_override:
        return None if country in accepted_override else str(DEFAULT_REFUSAL)
    if country in REFUSED_COUNTRIES:
        return str(REFUSED_COUNTRIES[country])
    return None if country in STRIPE_ACCOUNT_COUNTRIES else str(DEFAULT_REFUSAL)


def key_mode(key: str) -> str | None:
    """``test`` or ``live`` from a Stripe key's prefix (sk_, rk_ or pk_), else None."""
    for prefix in ("sk_", "rk_", "pk_"):
        for mode in ("test", "live"):
            if key.startswith(f"{prefix}{mode}_") and len(key) > len(prefix) + len(mode) + 8:
                return mode
    return None


def key_hint(key: str) -> str:
    """What a page may show of a secret key: its prefix and last four characters."""
    return f"{key[:8]}…{key[-4:]}"


def current_connection(session: DbSession, merchant_id: int) -> ProcessorConnection | None:
    return session.scalar(
        select(ProcessorConnection).where(ProcessorConnection.merchant_id == merchant_id)
    )


@dataclass(frozen=True)
class VerifiedKeys:
    account: AccountInfo
    secret_key: str
    publishable_key: str
    livemode: bool


def _refuse_gateway_error(error: GatewayError) -> ServiceError:
    messages = {
        GatewayFailure.AUTHENTICATION: (
            _l(
                "Stripe did not accept this secret key. Check that it was copied whole and has not"
                " been revoked."
            ),
            "secret_key",
        ),
        GatewayFailure.PERMISSION: (
            _l(
                "This restricted key lacks a permission Kassa needs. Give it write access to "
                "PaymentIntents, SetupIntents and webhook endpoints, and read access to the "
                "account."
            ),
            "secret_key",
        ),
    }
    message, field = messages.get(
        error.failure,
        (_l("Stripe could not be reached just now. Please try again in a minute."), None),
    )
    return ServiceError(message, field)


def _check_keys_shape(secret_key: str, publishable_key: str, expected_mode: str) -> bool:
    key_kind_mode = key_mode(secret_key) if secret_key.startswith(("sk_", "rk_")) else None
    if key_kind_mode is None:
        raise ServiceError(
            _l("A secret key starts with sk_ (or rk_ for a restricted key)."), "secret_key"
        )
    if key_kind_mode != expected_mode:
        if expected_mode == "test":
            raise ServiceError(
                _l(
                    "This is a live key, but this Kassa takes test payments. Use a test key "
                    "(sk_test_…)."
                ),
                "secret_key",
            )
        raise ServiceError(
            _l(
                "This is a test key, but this Kassa takes live payments. Use a live key "
                "(sk_live_…)."
            ),
            "secret_key",
        )
    if not publishable_key.startswith("pk_") or key_mode(publishable_key) is None:
        raise ServiceError(_l("A publishable key starts with pk_."), "publishable_key")
    if key_mode(publishable_key) != key_kind_mode:
        raise ServiceError(
            _l("The publishable key is of another mode (test or live) than the secret key."),
            "publishable_key",
        )
    return key_kind_mode == LIVE


def _ensure_account_free(session: DbSession, merchant: Merchant, account_id: str) -> None:
    holder = session.scalar(
        select(ProcessorConnection.merchant_id).where(ProcessorConnection.account_id == account_id)
    )
    if holder is not None and holder != merchant.id:
        raise ServiceError(
            _l(
                "This Stripe account is already connected to another Kassa account. A Stripe "
                "account can serve one Kassa account only."
            ),
            "secret_key",
        )


def verify_keys(
    session: DbSession,
    merchant: Merchant,
    secret_key: str,
    publishable_key: str,
    *,
    gateway_factory: GatewayFactory,
    expected_mode: str,
    attempt_id: str,
    accepted_countries: tuple[str, ...] = (),
) -> VerifiedKeys:
    """Check keys against Stripe and every rule; nothing is saved.

    ``attempt_id`` names this connect attempt (the same in the check and the confirmation), so
    the Stripe calls of the check are idempotent per attempt.
    """
    if current_connection(session, merchant.id) is not None:
        raise ServiceError(
            _l("A Stripe account is already connected. Disconnect it before connecting another.")
        )
    livemode = _check_keys_shape(secret_key, publishable_key, expected_mode)
    gateway = gateway_factory(secret_key)
    try:
        account = gateway.retrieve_account()
    except GatewayError as error:
        raise _refuse_gateway_error(error) from error
    refusal = country_refusal(account.country, accepted_countries)
    if refusal:
        raise ServiceError(refusal)
    _ensure_account_free(session, merchant, account.id)
    try:
        matches = gateway.publishable_key_matches(
            publishable_key,
            idempotency_key=f"kassa:{merchant.public_id}:connect:{attempt_id}:key-check",
        )
    except GatewayError as error:
        raise _refuse_gateway_error(error) from error
    if not matches:
        raise ServiceError(
            _l("This publishable key belongs to another Stripe account than the secret key."),
            "publishable_key",
        )
    return VerifiedKeys(account, secret_key, publishable_key, livemode)


def _register(
    session: DbSession,
    merchant: Merchant,
    gateway: PaymentGateway,
    webhook_url: str,
    registration_id: str,
    known_endpoint_id: str | None = None,
) -> webhook_setup.Registration:
    return webhook_setup.register_endpoint(
        gateway,
        webhook_url,
        WEBHOOK_EVENTS,
        registration_id=registration_id,
        idempotency_key=idempotency_key(
            session, "merchant", merchant.public_id, "webhook", registration_id
        ),
        known_endpoint_id=known_endpoint_id,
    )


def _apply(
    connection: ProcessorConnection,
    registration: webhook_setup.Registration,
    encryption_key: str,
) -> None:
    """The registration's outcome on the connection: a registered endpoint replaces whatever
    secret was there; a failed one keeps it (a secret the merchant gave still works)."""
    connection.webhook_problem = registration.problem
    if registration.endpoint_id is None:
        return
    connection.webhook_endpoint_id = registration.endpoint_id
    if registration.secret is not None:
        connection.webhook_secret_encrypted = encrypt(registration.secret, encryption_key)


def connect(
    session: DbSession,
    merchant: Merchant,
    user: User,
    verified: VerifiedKeys,
    *,
    gateway_factory: GatewayFactory,
    webhook_url: str,
    attempt_id: str,
    encryption_key: str,
) -> ProcessorConnection:
    """Register Kassa's webhook endpoint with the account and save the connection.

    ``attempt_id`` names this connect attempt, so a repeated submit replays the same endpoint
    creation at Stripe (idempotency key) instead of registering a second endpoint. When Stripe
    refuses the endpoint the account is connected all the same, with the reason recorded
    (``webhook_problem``) for the panel to show.
    """
    gateway = gateway_factory(verified.secret_key)
    registration = _register(session, merchant, gateway, webhook_url, attempt_id)
    account = verified.account
    connection = ProcessorConnection(
        merchant_id=merchant.id,
        account_id=account.id,
        livemode=verified.livemode,
        country=account.country,
        default_currency=account.default_currency,
        business_name=account.business_name,
        capabilities=sorted(account.active_capabilities),
        secret_key_encrypted=encrypt(verified.secret_key, encryption_key),
        secret_key_hint=key_hint(verified.secret_key),
        publishable_key=verified.publishable_key,
        connected_by_id=user.id,
    )
    _apply(connection, registration, encryption_key)
    session.add(connection)
    try:
        session.flush()
        session.expire(merchant, ["processor_connection"])
    except IntegrityError as error:
        session.rollback()
        raise ServiceError(
            _l(
                "This Stripe account is already connected to another Kassa account. A Stripe "
                "account can serve one Kassa account only."
            )
        ) from error
    log.info(
        "processor connected",
        extra={
            "fields": {
                "merchant_id": merchant.id,
                "account": account.id,
                "webhook_problem": registration.problem,
            }
        },
    )
    return connection


def _connected(session: DbSession, merchant: Merchant) -> ProcessorConnection:
    connection = current_connection(session, merchant.id)
    if connection is None:
        raise ServiceError(_l("No Stripe account is connected."))
    return connection


def register_webhook_again(
    session: DbSession,
    merchant: Merchant,
    *,
    gateway: PaymentGateway,
    webhook_url: str,
    registration_id: str,
    encryption_key: str,
) -> webhook_setup.Registration:
    """Try again to register Kassa's endpoint (after the address or the account changed):
    the endpoint Kassa knows is kept and updated, none is ever added beside it."""
    connection = _connected(session, merchant)
    registration = _register(
        session,
        merchant,
        gateway,
        webhook_url,
        registration_id,
        known_endpoint_id=connection.webhook_endpoint_id,
    )
    _apply(connection, registration, encryption_key)
    session.flush()
    return registration


def use_signing_secret(
    session: DbSession, merchant: Merchant, secret: str, *, encryption_key: str
) -> None:
    """Verify Stripe's events with a secret the merchant gives: that of events forwarded to
    Kassa another way (``stripe listen``), or of an endpoint they made in the dashboard.

    Refused while Kassa's own endpoint is registered: its events would then fail to verify.
    """
    connection = _connected(session, merchant)
    if not webhook_setup.looks_like_signing_secret(secret):
        raise ServiceError(_l("A webhook signing secret starts with whsec_."), "signing_secret")
    if connection.webhook_endpoint_id is not None:
        raise ServiceError(
            _l(
                "Kassa's own webhook endpoint receives Stripe's events already; a signing "
                "secret is only needed when there is none."
            ),
            "signing_secret",
        )
    connection.webhook_secret_encrypted = encrypt(secret, encryption_key)
    session.flush()
    log.info("webhook signing secret given", extra={"fields": {"merchant_id": merchant.id}})


def disconnect(
    session: DbSession,
    merchant: Merchant,
    *,
    gateway_factory: GatewayFactory,
    secret_key: str | None,
) -> bool:
    """Delete the webhook endpoint at Stripe and forget the account; True when Stripe confirmed.

    The local disconnect happens even when Stripe cannot be reached or the key was revoked:
    the merchant must always be able to leave. The caller says so when it returns False.
    """
    connection = _connected(session, merchant)
    endpoint_id = connection.webhook_endpoint_id
    removed = endpoint_id is None  # nothing Kassa registered to remove
    if endpoint_id is not None and secret_key is not None:  # None: the key cannot be decrypted
        try:
            gateway_factory(secret_key).delete_webhook_endpoint(endpoint_id)
            removed = True
        except GatewayError as error:
            removed = error.failure is GatewayFailure.NOT_FOUND
    session.delete(connection)
    session.flush()
    session.expire(merchant, ["processor_connection"])
    log.info(
        "processor disconnected",
        extra={"fields": {"merchant_id": merchant.id, "webhook_removed": removed}},
    )
    return removed


def payment_dashboard_url(account_id: str, intent_id: str, livemode: bool) -> str:
    """Where Stripe's dashboard shows a PaymentIntent: under the account, in test or live mode."""
    mode = "" if livemode else "test/"
    return f"https://dashboard.stripe.com/{account_id}/{mode}payments/{intent_id}"
