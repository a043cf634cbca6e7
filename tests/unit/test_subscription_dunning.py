"""Dunning that fits the failure: cards' soft declines retried on the merchant's days, hard
declines never (a new method asked for), bank debits retried once after a new notice unless the
mandate ended; the last try said so."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from app.subscriptions.dunning import Reason, classify, plan_after_failure

DUE = date(2027, 1, 31)


def card_plan(code: str, attempts: int, today: date = DUE, days: tuple[int, ...] = (1, 3, 5, 7)):  # type: ignore[no-untyped-def]
    return plan_after_failure(
        method_type="card", code=code, attempts=attempts, due_on=DUE, today=today,
        card_retry_days=days, retry_bank_debits=True, notice_days=14,
    )  # fmt: skip


def test_a_soft_card_decline_is_retried_on_days_1_3_5_7_then_is_the_last_try() -> None:
    retries = [card_plan("insufficient_funds", attempt).retry_on for attempt in range(1, 6)]
    assert retries == [DUE + timedelta(days=d) for d in (1, 3, 5, 7)] + [None]
    last = card_plan("insufficient_funds", 5)
    assert last.last_try and not last.needs_new_method and last.reason is Reason.SOFT_DECLINE


def test_hard_card_declines_are_never_retried_and_ask_for_a_new_method() -> None:
    for code in ("lost_card", "stolen_card", "expired_card", "authentication_required"):
        plan = card_plan(code, 1)
        assert plan.reason is Reason.HARD_DECLINE and plan.needs_new_method
        assert plan.retry_on is None and not plan.last_try


def test_a_bank_debit_is_retried_once_after_a_new_notice_period() -> None:
    def bank(code: str, attempts: int, retry: bool = True):  # type: ignore[no-untyped-def]
        return plan_after_failure(
            method_type="sepa_debit", code=code, attempts=attempts, due_on=DUE, today=DUE,
            card_retry_days=(1, 3), retry_bank_debits=retry, notice_days=14,
        )  # fmt: skip

    first = bank("insufficient_funds", 1)
    assert first.reason is Reason.INSUFFICIENT_FUNDS and first.retry_on == DUE + timedelta(days=14)
    assert bank("insufficient_funds", 2).last_try
    assert bank("insufficient_funds", 1, retry=False).last_try
    revoked = bank("debit_not_authorized", 1)
    assert revoked.reason is Reason.MANDATE_REVOKED and revoked.needs_new_method
    assert revoked.retry_on is None


def test_classify_by_method() -> None:
    assert classify("card", "processing_error") is Reason.SOFT_DECLINE
    assert classify("card", None) is Reason.SOFT_DECLINE
    assert classify("bacs_debit", "account_closed") is Reason.MANDATE_REVOKED


@given(
    st.lists(st.integers(min_value=1, max_value=60), max_size=8),
    st.integers(min_value=1, max_value=12),
    st.integers(min_value=0, max_value=90),
)
def test_a_retry_is_always_after_today_and_never_after_the_plans_last_day(
    days: list[int], attempts: int, late: int
) -> None:
    today = DUE + timedelta(days=late)
    plan = card_plan("generic_decline", attempts, today, tuple(days))
    if plan.retry_on is not None:
        assert plan.retry_on > today or plan.retry_on > DUE
        assert plan.retry_on >= today + timedelta(days=1)
    retries_left = len({d for d in days}) - (attempts - 1)
    assert (plan.retry_on is None) == (retries_left <= 0)
