"""Fee and net in the currency Stripe settled in: a Swedish merchant (account in SEK) paid in EUR
sees the gross in EUR and the fee and net in SEK, as the sandbox booked them, with the rate."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.core.money import Money, format_money
from app.extensions import db
from app.payments.models import PaymentEvent, PaymentStatus
from tests.integration.test_payments import connected, record
from tests.support.mailbox import Mailbox
from tests.support.payments import balance_of, open_checkout, pay_as_buyer
from tests.support.stripe_sandbox import StripeSandbox


def fee_events(app: Flask, payment_id: int) -> list[dict]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(PaymentEvent.detail).where(
                    PaymentEvent.payment_id == payment_id, PaymentEvent.kind == "fee_recorded"
                )
            )
        )


def test_a_eur_payment_to_a_sek_account_shows_fee_and_net_in_sek_with_the_rate(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account, merchant = connected(client, app, stripe_sandbox, "SE", "sek")
    checkout = open_checkout(app, merchant, Money(4990, "EUR"))
    paid = pay_as_buyer(stripe_sandbox, account, checkout.intent, payment_method="pm_card_visa")
    assert paid["status"] == "succeeded"
    payment = record(app, merchant, checkout.intent.id)

    balance = balance_of(stripe_sandbox, account, checkout.intent.id)
    assert (balance["currency"], balance["exchange_rate"]) == ("sek", 11.413)
    assert payment.status is PaymentStatus.SUCCEEDED
    assert (payment.amount, payment.currency) == (4990, "EUR")
    assert (payment.fee, payment.net) == (balance["fee"], balance["net"])
    assert (payment.settlement_currency, payment.exchange_rate) == ("SEK", "11.413")
    assert payment.fee_money == Money(balance["fee"], "SEK")
    assert payment.net_money == Money(balance["net"], "SEK")
    assert fee_events(app, payment.id) == [
        {
            "fee": balance["fee"],
            "net": balance["net"],
            "currency": "SEK",
            "exchange_rate": "11.413",
            "balance_status": "pending",
        }
    ]

    fee, net = Money(balance["fee"], "SEK"), Money(balance["net"], "SEK")
    detail = client.get(f"/panel/payments/{payment.id}").get_data(as_text=True)
    assert "Payment of €49.90" in detail
    assert f"<dd>{format_money(fee, 'en')}</dd>" in detail
    assert f"<dd>{format_money(net, 'en')}</dd>" in detail
    assert format_money(fee, "en").startswith("SEK")
    assert "Settled in SEK at 1 EUR = 11.413 SEK" in detail
    assert (
        f"Stripe fee recorded: fee {format_money(fee, 'en')}, net {format_money(net, 'en')}"
        in detail
    )

    swedish = {"Accept-Language": "sv"}
    detail_sv = client.get(f"/panel/payments/{payment.id}", headers=swedish).get_data(as_text=True)
    assert "49,90\xa0€" in detail_sv
    assert f"<dd>{format_money(fee, 'sv')}</dd>" in detail_sv
    assert f"<dd>{format_money(net, 'sv')}</dd>" in detail_sv
    assert "Avräknad i SEK till kursen 1 EUR = 11,413 SEK" in detail_sv

    listing = client.get("/panel/payments", headers=swedish).get_data(as_text=True)
    assert "49,90\xa0€" in listing
    assert format_money(fee, "sv") in listing and format_money(net, "sv") in listing
    assert "Avräknad i SEK till kursen 1 EUR = 11,413 SEK" in listing

    assert record(app, merchant, checkout.intent.id).exchange_rate == "11.413"
    assert len(fee_events(app, payment.id)) == 1, "a replay records nothing new"
    # EUR 49.90 at the documented 11.413 is SEK 569.51: what fee and net add up to.
    assert payment.fee + payment.net == balance["amount"] == 56951


def test_a_payment_in_the_account_currency_shows_no_exchange_line(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account, merchant = connected(client, app, stripe_sandbox, "SE", "sek")
    checkout = open_checkout(app, merchant, Money(12500, "SEK"))
    pay_as_buyer(stripe_sandbox, account, checkout.intent, payment_method="pm_card_visa")
    payment = record(app, merchant, checkout.intent.id)

    balance = balance_of(stripe_sandbox, account, checkout.intent.id)
    assert (balance["currency"], balance["exchange_rate"]) == ("sek", None)
    assert (payment.settlement_currency, payment.exchange_rate) == (None, None)
    assert payment.fee_money == Money(balance["fee"], "SEK")
    assert [event["currency"] for event in fee_events(app, payment.id)] == ["SEK"]

    detail = client.get(f"/panel/payments/{payment.id}").get_data(as_text=True)
    assert f"<dd>{format_money(Money(balance['fee'], 'SEK'), 'en')}</dd>" in detail
    assert "Settled in" not in detail and "Settlement" not in detail
    listing = client.get("/panel/payments").get_data(as_text=True)
    assert "Settled in" not in listing
