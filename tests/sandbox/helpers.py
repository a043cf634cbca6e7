"""Steps many sandbox tests take: paying by card or SEPA Debit in one call, and posting a
form the way a browser does."""

from __future__ import annotations

from typing import Any

from .conftest import MANDATE_DATA, Account, http

FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}
DEBIT_BILLING = {"name": "J R", "email": "j@example.com"}
ACH_TEST_ACCOUNT = {"routing_number": "110000000", "account_number": "000123456789"}


def post_form(url: str, body: bytes, **headers: str) -> tuple[int, dict[str, str], bytes]:
    """POST a form-encoded ``body`` (without following redirects)."""
    return http("POST", url, data=body, headers={**FORM_HEADERS, **headers})


def card_payment(
    account: Account,
    payment_method: str = "pm_card_visa",
    *,
    amount: int = 1000,
    currency: str = "usd",
    **extra: Any,
) -> Any:
    """A card PaymentIntent created and confirmed in one call with ``payment_method``."""
    return account.client.v1.payment_intents.create(
        params={
            "amount": amount,
            "currency": currency,
            "payment_method_types": ["card"],
            "payment_method": payment_method,
            "confirm": True,
            **extra,
        }
    )


def off_session_card_payment(account: Account, customer_id: str, payment_method: str) -> Any:
    """The merchant charging a customer's saved card while the customer is away."""
    return card_payment(account, payment_method, customer=customer_id, off_session=True)


def sepa_payment(
    account: Account,
    iban: str,
    *,
    amount: int = 1000,
    mandate_data: dict[str, Any] | None = MANDATE_DATA,
) -> Any:
    """A EUR SEPA Debit PaymentIntent created and confirmed in one call, under
    ``mandate_data`` (none when None)."""
    mandate = {} if mandate_data is None else {"mandate_data": mandate_data}
    return account.client.v1.payment_intents.create(
        params={
            "amount": amount,
            "currency": "eur",
            "payment_method_types": ["sepa_debit"],
            "confirm": True,
            **mandate,
            "payment_method_data": {
                "type": "sepa_debit",
                "sepa_debit": {"iban": iban},
                "billing_details": DEBIT_BILLING,
            },
        }
    )
