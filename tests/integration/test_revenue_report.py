"""The revenue report: its figures are the sums of the payments a test makes through the
sandbox, per currency; the page shows them by period as a chart and as tables."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient

from app.core.clock import utcnow
from app.core.money import Money
from app.extensions import db
from app.processors.access import connected_gateway
from app.reports.periods import Granularity
from app.reports.service import revenue_report
from tests.integration.test_payments import connected, record
from tests.integration.test_processor_connection import connect
from tests.support.accounts import sign_up
from tests.support.payments import (
    balance_of,
    merchant_id,
    open_checkout,
    pay_as_buyer,
    payment_row,
)
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox


def paid(
    app: Flask,
    sandbox: StripeSandbox,
    account: SandboxAccount,
    merchant: int,
    amount: Money,
    reference: str,
    *,
    card: str = "pm_card_visa",
    document_type: str = "payment_link",
) -> int:
    checkout = open_checkout(
        app, merchant, amount, reference=reference, document_type=document_type
    )
    pay_as_buyer(sandbox, account, checkout.intent, payment_method=card)
    record(app, merchant, checkout.intent.id)
    return checkout.payment_id


def refund(app: Flask, merchant: int, payment_id: int, amount: Money) -> None:
    intent_id = payment_row(app, payment_id).intent_id
    with app.app_context():
        connected_gateway(db.session, merchant).create_refund(
            intent_id, f"payment:{payment_id}:refund:1", amount=amount
        )
    record(app, merchant, intent_id)


def test_the_report_adds_up_the_payments_made_per_currency(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account, merchant = connected(client, app, stripe_sandbox, "SE", "sek")
    link = paid(app, stripe_sandbox, account, merchant, Money(12500, "SEK"), "chk_a")
    cart = paid(app, stripe_sandbox, account, merchant, Money(30000, "SEK"), "chk_b",
                document_type="cart")  # fmt: skip
    refunded = paid(app, stripe_sandbox, account, merchant, Money(10000, "SEK"), "chk_c")
    refund(app, merchant, refunded, Money(2500, "SEK"))
    disputed = paid(app, stripe_sandbox, account, merchant, Money(20000, "SEK"), "chk_d",
                    card="pm_card_createDispute")  # fmt: skip
    euros = paid(app, stripe_sandbox, account, merchant, Money(5000, "EUR"), "chk_e")
    declined = open_checkout(app, merchant, Money(99900, "SEK"), reference="chk_f")
    pay_as_buyer(stripe_sandbox, account, declined.intent, payment_method="pm_card_chargeDeclined")
    record(app, merchant, declined.intent.id)
    open_checkout(app, merchant, Money(77700, "SEK"), reference="chk_g")  # never paid

    assert payment_row(app, disputed).status.value == "disputed"
    sek = [link, cart, refunded, disputed]
    fees = {p: balance_of(stripe_sandbox, account, payment_row(app, p).intent_id) for p in sek}
    sek_fees = sum(fees[p]["fee"] for p in sek)
    euro_balance = balance_of(stripe_sandbox, account, payment_row(app, euros).intent_id)
    assert euro_balance["currency"] == "sek"  # Stripe converted the euros

    today = utcnow().date()
    with app.app_context():
        report = revenue_report(db.session, merchant, today, today, Granularity.WEEK)
    assert [c.currency for c in report.currencies] == ["EUR", "SEK"]
    in_euros, in_kronor = report.currencies
    total = in_kronor.total
    assert (total.gross, total.fees, total.refunds, total.disputes, total.count) == (
        72500, sek_fees, 2500, 20000, 4,
    )  # fmt: skip
    assert total.net == 72500 - sek_fees - 2500 - 20000
    assert in_kronor.periods == [(today - timedelta(days=today.weekday()), total)]
    assert dict(in_kronor.by_document)["cart"].gross == 30000
    assert dict(in_kronor.by_document)["payment_link"].gross == 42500
    assert dict(in_kronor.by_method)["card"] == total
    # The euros' fee was taken in kronor: never added to either currency's figures.
    assert (in_euros.total.gross, in_euros.total.fees, in_euros.total.net) == (5000, 0, 5000)
    assert in_euros.fees_elsewhere == [Money(euro_balance["fee"], "SEK")]

    # When the money is available: the balance transactions' days, with the nets on them.
    expected_days: dict[date, int] = {}
    for balance in [*fees.values(), euro_balance]:
        day = datetime.fromtimestamp(balance["available_on"], UTC).date()
        expected_days[day] = expected_days.get(day, 0) + balance["net"]
    assert {row.available_on: row.net.amount for row in report.availability} == expected_days
    assert (
        payment_row(app, link).available_on
        == datetime.fromtimestamp(fees[link]["available_on"], UTC).date()
    )

    page = client.get(f"/panel/reports/?period=week&start={today}&end={today}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    totals = re.search(r'data-testid="totals-SEK">(.*?)</p>', body, re.S)
    assert (
        totals and "Gross SEK725.00" in totals.group(1) and "disputes SEK200.00" in totals.group(1)
    )
    assert body.count('data-testid="chart"') == 2 and "<desc id=" in body
    assert "Week of" in body and "Storefront" in body and "Payment link" in body
    assert "No subscriptions yet." in body
    assert "999.00" not in body and "777.00" not in body


def test_another_merchants_payments_stay_out_of_the_report(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account, merchant = connected(client, app, stripe_sandbox, "SE", "sek")
    paid(app, stripe_sandbox, account, merchant, Money(4200, "SEK"), "chk_mine")
    other = app.test_client()
    sign_up(other, email="other@example.com", business_name="Other AB")
    other_account = stripe_sandbox.create_account("SE", "sek")
    assert connect(other, other_account).status_code == 302
    other_merchant = merchant_id(app, "other@example.com")
    paid(app, stripe_sandbox, other_account, other_merchant, Money(31400, "SEK"), "chk_theirs")

    body = client.get("/panel/reports/?period=day").get_data(as_text=True)
    assert "SEK42.00" in body and "SEK314.00" not in body


def test_a_range_the_report_cannot_show_is_refused_with_the_reason_and_kept(
    client: FlaskClient, app: Flask
) -> None:
    sign_up(client)
    refusals = {
        "period=week&start=2026-03-01&end=2026-02-01": "Choose a day on or after the first day.",
        "period=day&start=2024-01-01&end=2025-06-01": "Show at most a year by day",
        "period=month&start=2001-01-01&end=2026-01-01": "Choose a range of at most ten years.",
        "period=year&start=2026-01-01&end=2026-02-01": "Choose one of the options.",
        "period=week&start=2026-02-30&end=2026-03-01": "Enter a date like 2026-12-31.",
    }
    for query, reason in refusals.items():
        page = client.get(f"/panel/reports/?{query}")
        body = page.get_data(as_text=True)
        assert page.status_code == 422, query
        assert reason in body and "Correct the choices above" in body, query
        assert 'class="field-error"' in body
    kept = client.get("/panel/reports/?period=day&start=2024-01-01&end=2025-06-01")
    body = kept.get_data(as_text=True)
    assert 'value="2024-01-01"' in body and 'value="2025-06-01"' in body
    assert re.search(r'<input checked[^>]*value="day"', body)
    swedish = client.get(
        "/panel/reports/?period=week&start=2026-03-01&end=2026-02-01",
        headers={"Accept-Language": "sv"},
    ).get_data(as_text=True)
    assert "Välj en dag" in swedish
