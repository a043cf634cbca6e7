"""The Stripe implementation of the gateway: the only module that imports ``stripe``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import stripe

from app.processors.gateway import AccountInfo, GatewayError, GatewayFailure, WebhookEndpoint

# Pinned by the library version in pyproject.toml: every request states the version it speaks.
STRIPE_API_VERSION = stripe.api_version
NETWORK_RETRIES = 2
TIMEOUT_SECONDS = 20
T = TypeVar("T")


@contextmanager
def _translated_errors() -> Iterator[None]:
    """Stripe's exceptions as our ``GatewayError``, so callers never import ``stripe``."""
    try:
        yield
    except stripe.AuthenticationError as error:
        raise GatewayError(
            GatewayFailure.AUTHENTICATION, str(error.user_message or error)
        ) from error
    except stripe.PermissionError as error:
        raise GatewayError(GatewayFailure.PERMISSION, str(error.user_message or error)) from error
    except stripe.InvalidRequestError as error:
        failure = (
            GatewayFailure.NOT_FOUND if error.code == "resource_missing" else GatewayFailure.INVALID
        )
        raise GatewayError(failure, str(error.user_message or error)) from error
    except stripe.StripeError as error:
        raise GatewayError(GatewayFailure.UNAVAILABLE, str(error.user_message or error)) from error


def _client(api_key: str, api_base: str) -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key,
        stripe_version=STRIPE_API_VERSION,
        base_addresses={"api": api_base},
        max_network_retries=NETWORK_RETRIES,
        http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS),
    )


class StripeGateway:
    """One Stripe account, reached with its secret (or restricted) key."""

    def __init__(self, secret_key: str, api_base: str) -> None:
        self._api_base = api_base
        self._client = _client(secret_key, api_base)

    def _call(self, operation: Callable[[], T]) -> T:
        with _translated_errors():
            return operation()

    def retrieve_account(self) -> AccountInfo:
        account = self._call(lambda: self._client.v1.accounts.retrieve_current())
        data: dict[str, Any] = account.to_dict()
        capabilities = data.get("capabilities") or {}
        profile = data.get("business_profile") or {}
        settings = data.get("settings") or {}
        return AccountInfo(
            id=data["id"],
            country=str(data.get("country") or "").upper(),
            default_currency=str(data.get("default_currency") or "").upper(),
            business_name=profile.get("name")
            or (settings.get("dashboard") or {}).get("display_name")
            or "",
            active_capabilities=frozenset(
                name for name, state in capabilities.items() if state == "active"
            ),
        )

    def publishable_key_matches(self, publishable_key: str) -> bool:
        """Does this publishable key belong to the same account as the secret key?

        Stripe has no endpoint that answers this directly, so we do what Stripe.js will do: a
        SetupIntent made with the secret key is read back with the publishable key and its client
        secret. Another account's key gets "not found". The SetupIntent is then canceled.
        """
        check: Any = {
            "payment_method_types": ["card"],
            "usage": "off_session",
            "metadata": {"kassa": "key-check"},
        }
        intent = self._call(lambda: self._client.v1.setup_intents.create(params=check))
        try:
            public = _client(publishable_key, self._api_base)
            with _translated_errors():
                secret: Any = {"client_secret": intent.client_secret}
                public.v1.setup_intents.retrieve(intent.id, params=secret)
            return True
        except GatewayError as error:
            if error.failure in (GatewayFailure.NOT_FOUND, GatewayFailure.AUTHENTICATION):
                return False
            raise
        finally:
            self._call(lambda: self._client.v1.setup_intents.cancel(intent.id))

    def create_webhook_endpoint(
        self, url: str, events: tuple[str, ...], idempotency_key: str
    ) -> WebhookEndpoint:
        params: Any = {
            "url": url,
            "enabled_events": list(events),
            "api_version": STRIPE_API_VERSION,
            "description": "Kassa",
        }
        endpoint = self._call(
            lambda: self._client.v1.webhook_endpoints.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        )
        return WebhookEndpoint(id=endpoint.id, url=endpoint.url, secret=endpoint.secret or "")

    def delete_webhook_endpoint(self, endpoint_id: str) -> None:
        self._call(lambda: self._client.v1.webhook_endpoints.delete(endpoint_id))
