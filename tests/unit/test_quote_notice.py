"""The notice before a schedule's later charge: never cut short, in calendar days or, for Bacs,
working days; the merchant's own period wins over the scheme's."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from app.quotes.models import QuotePaymentPart, QuoteSettings
from app.quotes.notice import add_notice, charge_from, notice_days, notice_from

METHODS = st.sampled_from(["card", "sepa_debit", "us_bank_account", "bacs_debit"])
DAYS = st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31))


def working_days_between(start: date, end: date) -> int:
    """Mondays to Fridays after ``start`` up to and including ``end``."""
    return sum(
        1 for n in range(1, (end - start).days + 1) if (start + timedelta(days=n)).weekday() < 5
    )


def test_the_schemes_rules_unless_the_merchant_set_a_period() -> None:
    assert [notice_days(None, m) for m in ("sepa_debit", "bacs_debit", "card")] == [14, 10, 3]
    assert notice_days(None, "us_bank_account") == 3
    mine = QuoteSettings(notice_days={"sepa_debit": 5})
    assert notice_days(mine, "sepa_debit") == 5 and notice_days(mine, "card") == 3


def test_a_bacs_notice_on_a_friday_runs_to_the_second_friday_after() -> None:
    friday = date(2026, 12, 4)
    assert add_notice(friday, 10, "bacs_debit") == date(2026, 12, 18)
    assert add_notice(friday, 14, "sepa_debit") == date(2026, 12, 18)
    assert add_notice(friday, 3, "card") == date(2026, 12, 7)


@given(DAYS, st.integers(min_value=0, max_value=30), METHODS)
def test_a_charge_is_never_before_its_notice_has_run(
    notified: date, days: int, method: str
) -> None:
    due = notified - timedelta(days=5)  # the date passed already: the notice still runs
    part = QuotePaymentPart(
        due_on=due, notified_at=datetime(notified.year, notified.month, notified.day, tzinfo=UTC)
    )
    charge = charge_from(part, days, method)
    assert charge is not None and charge >= due
    if method == "bacs_debit":
        assert working_days_between(notified, charge) == days
        assert days == 0 or charge.weekday() < 5
    else:
        assert (charge - notified).days == days


@given(DAYS, st.integers(min_value=1, max_value=30), METHODS)
def test_a_notice_sent_on_its_first_day_lets_the_charge_fall_on_the_date(
    due: date, days: int, method: str
) -> None:
    first = notice_from(due, days, method)
    charge = add_notice(first, days, method)
    assert first < due
    if method != "bacs_debit":
        assert charge == due
    else:  # the first working day on or after the date
        assert charge >= due and charge.weekday() < 5
        assert all((due + timedelta(days=n)).weekday() >= 5 for n in range((charge - due).days))
