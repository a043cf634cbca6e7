"""Dunning that fits the failure: what happens after a period's charge failed depends on the
method and the decline reason, not on one schedule for all. Pure: no database, no Flask.

Cards
    A soft decline (insufficient funds, a processing error, a generic decline) is retried on
    the merchant's days after the charge date (1, 3, 5 and 7 by default). A hard decline (lost,
    stolen, expired, a card that needs its holder, fraud) is never retried on that card: the
    customer is asked at once for a new method.
Bank debits (SEPA, Bacs, ACH)
    Insufficient funds (and other returns) are retried once, after the next notice period (the
    customer is told the new date). A revoked mandate (or a closed account) stops: the
    customer is asked for a new method.
After the last try the period is uncollectible and the subscription is canceled or left past
due, as the merchant chose.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from app.core.methods import PaymentMethod
from app.core.notice import add_notice

# Declines that another try with the same card cannot fix.
HARD_CARD_DECLINES = frozenset(
    {
        "lost_card",
        "stolen_card",
        "expired_card",
        "authentication_required",
        "pickup_card",
        "fraudulent",
        "restricted_card",
        "card_not_supported",
        "incorrect_number",
        "invalid_account",
        "new_account_information_available",
        "revocation_of_authorization",
        "revocation_of_all_authorizations",
        "stop_payment_order",
    }
)
# Bank returns that end the mandate (or the account): no debit will work again.
MANDATE_ENDED = frozenset(
    {
        "debit_not_authorized",
        "mandate_revoked",
        "revocation_of_authorization",
        "account_closed",
        "no_account",
        "invalid_account_number",
        "bank_account_restricted",
        "debit_authorization_not_match",
    }
)
CARD_METHODS = frozenset({PaymentMethod.CARD.value})


class Reason(enum.StrEnum):
    """Why a charge failed, as the log and the emails name it."""

    SOFT_DECLINE = "soft_decline"
    HARD_DECLINE = "hard_decline"
    INSUFFICIENT_FUNDS = "insufficient_funds"  # a bank debit returned
    MANDATE_REVOKED = "mandate_revoked"


@dataclass(frozen=True)
class Plan:
    """What follows a failed attempt: a retry on ``retry_on`` (None: no retry), whether the
    customer must set a new method, and whether that was the last try."""

    reason: Reason
    retry_on: date | None
    needs_new_method: bool

    @property
    def last_try(self) -> bool:
        return self.retry_on is None and not self.needs_new_method


def classify(method_type: str, code: str | None) -> Reason:
    code = code or ""
    if method_type in CARD_METHODS:
        return Reason.HARD_DECLINE if code in HARD_CARD_DECLINES else Reason.SOFT_DECLINE
    return Reason.MANDATE_REVOKED if code in MANDATE_ENDED else Reason.INSUFFICIENT_FUNDS


def plan_after_failure(
    *,
    method_type: str,
    code: str | None,
    attempts: int,
    due_on: date,
    today: date,
    card_retry_days: Sequence[int],
    retry_bank_debits: bool,
    notice_days: int,
) -> Plan:
    """The plan after attempt number ``attempts`` (1 is the charge on its date) failed."""
    reason = classify(method_type, code)
    if reason in (Reason.HARD_DECLINE, Reason.MANDATE_REVOKED):
        return Plan(reason, None, needs_new_method=True)
    if reason is Reason.SOFT_DECLINE:
        days = sorted({int(day) for day in card_retry_days if int(day) > 0})
        later = [due_on + timedelta(days=day) for day in days[attempts - 1 :]]
        return Plan(reason, max(later[0], today + timedelta(days=1)) if later else None, False)
    if retry_bank_debits and attempts == 1:
        return Plan(reason, add_notice(today, notice_days, method_type), False)
    return Plan(reason, None, needs_new_method=False)
