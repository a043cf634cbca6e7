"""The boundary between Kassa and the payment processor.

Everything outside ``app/processors/`` talks to Stripe through these plain dataclasses and
functions; only ``stripe_gateway.py`` imports ``stripe`` (DESIGN rule 3).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol


class GatewayFailure(enum.StrEnum):
    """Why a processor call failed, in terms a merchant-facing message can be chosen from."""

    AUTHENTICATION = "authentication"  # the key was refused (wrong, revoked, or of another mode)
    PERMISSION = "permission"  # a restricted key lacks a permission this call needs
    NOT_FOUND = "not_found"  # the object does not exist for this key's account
    INVALID = "invalid"  # the request was refused as invalid
    UNAVAILABLE = "unavailable"  # network trouble, timeouts, the processor's own errors


class GatewayError(Exception):
    def __init__(self, failure: GatewayFailure, detail: str = "") -> None:
        super().__init__(f"{failure}: {detail}")
        self.failure = failure
        self.detail = detail


@dataclass(frozen=True)
class AccountInfo:
    id: str
    country: str
    default_currency: str
    business_name: str
    active_capabilities: frozenset[str]


@dataclass(frozen=True)
class WebhookEndpoint:
    id: str
    url: str
    secret: str


class PaymentGateway(Protocol):
    """What Kassa needs from a processor account, given its secret key."""

    def retrieve_account(self) -> AccountInfo: ...

    def publishable_key_matches(self, publishable_key: str) -> bool: ...

    def create_webhook_endpoint(
        self, url: str, events: tuple[str, ...], idempotency_key: str
    ) -> WebhookEndpoint: ...

    def delete_webhook_endpoint(self, endpoint_id: str) -> None: ...
