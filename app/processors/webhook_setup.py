"""How Stripe's events reach Kassa: the webhook endpoint Kassa registers, or a signing secret
the merchant gives for events forwarded some other way, or nothing (the panel says so).

Stripe refuses endpoints it cannot reach from the internet (loopback, private addresses) and
keeps at most ``MAX_WEBHOOK_ENDPOINTS`` per account. So registering never fails the
connection: when Stripe refuses, the connection records why, and the merchant can give the
signing secret of events forwarded to Kassa by other means (the Stripe CLI's
``stripe listen --forward-to``, whose secret it prints), or register again later. Without
either, reconciliation and the buyers' return to the checkout are the only ways payments are
recorded.

One endpoint per URL: the account's endpoints are listed first. The one Kassa knows (its id
is stored) is updated and kept; any other for Kassa's URL was made elsewhere (an earlier
connection whose disconnect could not reach Stripe, or by hand), and its secret cannot be
read back (Stripe shows it only at creation and has no API to roll it), so it is deleted and
one new endpoint takes its place.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.processors.gateway import (
    MAX_WEBHOOK_ENDPOINTS,
    GatewayError,
    GatewayFailure,
    PaymentGateway,
)
from app.processors.models import ProcessorConnection

# Metadata naming the registration that made an endpoint, so a repeated submit of the same
# registration recognises its own endpoint (and replays its creation) instead of replacing it.
REGISTRATION_METADATA = "kassa_registration"
SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix Stripe gives every signing secret


class EventDelivery(enum.StrEnum):
    ENDPOINT = "endpoint"  # Kassa's own endpoint: Stripe posts to KASSA_PUBLIC_URL
    FORWARDED = "forwarded"  # a secret the merchant gave: events are forwarded some other way
    NONE = "none"  # no way for events to arrive: reconciliation only


class WebhookProblem(enum.StrEnum):
    """Why Kassa could not register its endpoint."""

    URL_REFUSED = "url_refused"  # not reachable from the internet (Stripe's url_invalid)
    ENDPOINT_LIMIT = "endpoint_limit"  # the account already has Stripe's maximum
    PERMISSION = "permission"  # a restricted key without webhook endpoint access
    REFUSED = "refused"  # any other refusal (logged with Stripe's words)
    UNAVAILABLE = "unavailable"  # Stripe could not be reached


PROBLEM_MESSAGES = {
    WebhookProblem.URL_REFUSED: _l(
        "Stripe refused Kassa's address for events, %(url)s, because it cannot be reached from "
        "the internet. Run Kassa at a public address (the KASSA_PUBLIC_URL setting) and "
        "register again, or forward the events yourself and give their signing secret below."
    ),
    WebhookProblem.ENDPOINT_LIMIT: _l(
        "Your Stripe account already has %(limit)s webhook endpoints, the most Stripe allows. "
        "Delete one you no longer use in the Stripe dashboard, then register again."
    ),
    WebhookProblem.PERMISSION: _l(
        "Your restricted key may not manage webhook endpoints. Give it write access to webhook "
        "endpoints and register again, or give the signing secret of an endpoint you made."
    ),
    WebhookProblem.REFUSED: _l(
        "Stripe refused to register Kassa's endpoint for events. Register again, or give the "
        "signing secret of an endpoint you made in the Stripe dashboard."
    ),
    WebhookProblem.UNAVAILABLE: _l(
        "Stripe could not be reached when Kassa tried to register its endpoint for events. "
        "Register again in a minute."
    ),
}


@dataclass(frozen=True)
class Registration:
    """The outcome of registering: an endpoint (with its secret when Stripe just made it; None
    when an endpoint Kassa knows was kept, so the stored secret holds), or why not."""

    endpoint_id: str | None = None
    secret: str | None = None
    problem: WebhookProblem | None = None


def _problem(error: GatewayError) -> WebhookProblem:
    if error.failure is GatewayFailure.INVALID and error.code == "url_invalid":
        return WebhookProblem.URL_REFUSED
    if error.failure is GatewayFailure.PERMISSION:
        return WebhookProblem.PERMISSION
    if error.failure in (GatewayFailure.INVALID, GatewayFailure.NOT_FOUND):
        return WebhookProblem.REFUSED
    return WebhookProblem.UNAVAILABLE


def register_endpoint(
    gateway: PaymentGateway,
    url: str,
    events: tuple[str, ...],
    *,
    registration_id: str,
    idempotency_key: str,
    known_endpoint_id: str | None = None,
) -> Registration:
    """Make sure exactly one endpoint of the account posts ``events`` to ``url``.

    ``registration_id`` and ``idempotency_key`` name this registration (the same for a
    repeated submit of it); ``known_endpoint_id`` is the endpoint whose secret Kassa holds.
    """
    try:
        endpoints = gateway.list_webhook_endpoints()
        ours = [endpoint for endpoint in endpoints if endpoint.url == url]
        known = next((e for e in ours if e.id == known_endpoint_id), None)
        this_registration = [
            e for e in ours if e.metadata.get(REGISTRATION_METADATA) == registration_id
        ]
        for endpoint in ours:
            if endpoint is not known and endpoint not in this_registration:
                gateway.delete_webhook_endpoint(endpoint.id)  # its secret is unknown
        if known is not None:
            gateway.update_webhook_endpoint(known.id, events, f"{idempotency_key}:update")
            return Registration(endpoint_id=known.id)
        if len(endpoints) - len(ours) >= MAX_WEBHOOK_ENDPOINTS:
            return Registration(problem=WebhookProblem.ENDPOINT_LIMIT)
        made = gateway.create_webhook_endpoint(
            url, events, idempotency_key, metadata={REGISTRATION_METADATA: registration_id}
        )
    except GatewayError as error:
        return Registration(problem=_problem(error))
    return Registration(endpoint_id=made.id, secret=made.secret)


def event_delivery(connection: ProcessorConnection) -> EventDelivery:
    if connection.webhook_secret_encrypted is None:
        return EventDelivery.NONE
    if connection.webhook_endpoint_id is None:
        return EventDelivery.FORWARDED
    return EventDelivery.ENDPOINT


def problem_message(connection: ProcessorConnection, url: str) -> str | None:
    """Why Kassa's endpoint is not registered, in the merchant's words; None when it is."""
    if connection.webhook_problem is None:
        return None
    problem = WebhookProblem(connection.webhook_problem)
    return str(PROBLEM_MESSAGES[problem] % {"url": url, "limit": MAX_WEBHOOK_ENDPOINTS})


def looks_like_signing_secret(secret: str) -> bool:
    return secret.startswith(SECRET_PREFIX) and len(secret) > len(SECRET_PREFIX) + 8
