"""Stripe's error shape and HTTP statuses.

Stripe answers every failure with ``{"error": {...}}``: ``type`` says which family
(``invalid_request_error``, ``card_error``, ``idempotency_error``, ``api_error``), ``code``
the precise reason, ``param`` the offending parameter, and card errors add ``decline_code``
and the PaymentIntent or SetupIntent they happened on.
"""

from __future__ import annotations

from typing import Any

DOC_URL = "https://stripe.com/docs/error-codes/{code}"


class StripeError(Exception):
    """An error the sandbox answers with Stripe's JSON error body and HTTP status."""

    def __init__(
        self,
        status: int,
        error_type: str,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        extra: dict[str, Any] | None = None,
        should_retry: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message
        self.code = code
        self.param = param
        self.decline_code = decline_code
        self.extra = extra or {}
        self.should_retry = should_retry

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.error_type, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = DOC_URL.format(code=self.code.replace("_", "-"))
        if self.param:
            error["param"] = self.param
        if self.decline_code:
            error["decline_code"] = self.decline_code
        error.update(self.extra)
        return {"error": error}


def invalid_request(
    message: str, *, code: str | None = None, param: str | None = None, status: int = 400
) -> StripeError:
    return StripeError(status, "invalid_request_error", message, code=code, param=param)


def parameter_missing(param: str) -> StripeError:
    return invalid_request(
        f"Missing required param: {param}.", code="parameter_missing", param=param
    )


def parameter_unknown(param: str) -> StripeError:
    return invalid_request(
        f"Received unknown parameter: {param}", code="parameter_unknown", param=param
    )


def resource_missing(kind: str, object_id: str, param: str = "id") -> StripeError:
    return invalid_request(
        f"No such {kind}: '{object_id}'", code="resource_missing", param=param, status=404
    )


def authentication_error(message: str) -> StripeError:
    return StripeError(401, "invalid_request_error", message)


def publishable_key_forbidden() -> StripeError:
    return StripeError(
        401,
        "invalid_request_error",
        "This API call cannot be made with a publishable API key. "
        "Please use a secret API key. You can find a list of your API keys at "
        "https://dashboard.stripe.com/account/apikeys.",
    )


def idempotency_mismatch(key: str) -> StripeError:
    return StripeError(
        400,
        "idempotency_error",
        "Keys for idempotent requests can only be used with the same parameters they were "
        f"first used with. Try using a key other than '{key}' if you meant to execute a "
        "different request.",
    )


def idempotency_in_use(key: str) -> StripeError:
    return StripeError(
        409,
        "invalid_request_error",
        f"There is currently another in-progress request using this Idempotent Key "
        f"(that probably means you submitted twice, and the other request is still going "
        f"through): {key}. Please try again later.",
        code="idempotency_key_in_use",
        should_retry=True,
    )


def lock_timeout() -> StripeError:
    """Another request (or Stripe itself) is working on the object: 429, worth a retry."""
    return StripeError(
        429,
        "invalid_request_error",
        "This object cannot be accessed right now because another API request or Stripe "
        "process is currently accessing it. If you see this error intermittently, retry the "
        "request. If you see this error frequently and are making multiple concurrent requests "
        "to a single object, make your requests serially or at a lower rate.",
        code="lock_timeout",
        should_retry=True,
    )


def rate_limited() -> StripeError:
    """Too many requests too quickly: 429. Stripe's libraries do not retry these by
    themselves (retrying blindly would make it worse); the integration backs off."""
    return StripeError(
        429,
        "invalid_request_error",
        "Request rate limit exceeded. Learn more about rate limits here "
        "https://stripe.com/docs/rate-limits.",
        code="rate_limit",
    )


def api_error() -> StripeError:
    return StripeError(
        500,
        "api_error",
        "An unknown error occurred (injected by the sandbox's fault settings).",
        should_retry=True,
    )


def card_error(
    message: str,
    code: str,
    *,
    decline_code: str | None = None,
    param: str | None = None,
    extra: dict[str, Any] | None = None,
) -> StripeError:
    return StripeError(
        402, "card_error", message, code=code, decline_code=decline_code, param=param, extra=extra
    )
