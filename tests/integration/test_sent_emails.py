"""The payment's page lists the emails sent about it: exactly those the SMTP server received
(the buyer's receipt, the owners' notice, the refund, the receipt sent again), with their kind
in the merchant's words; nothing of another payment, and nothing of another merchant's."""

from __future__ import annotations

import html
import re

from flask import Flask
from flask.testing import FlaskClient

from app.core.money import Money
from tests.conftest import csrf_token_from
from tests.integration.test_payments import connected, record
from tests.integration.test_refunds import refund
from tests.support.mailbox import Mailbox
from tests.support.payments import open_checkout, pay_as_buyer, wait_until
from tests.support.stripe_sandbox import StripeSandbox

ROW = re.compile(
    r"<tr><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>"
)


def emails_listed(client: FlaskClient, payment_id: int) -> list[tuple[str, str, str]]:
    """The page's "Emails sent" rows: (kind, recipient, subject)."""
    page = client.get(f"/panel/payments/{payment_id}").get_data(as_text=True)
    section = page.split('id="emails-heading"', 1)[1].split("</section>", 1)[0]
    return [
        (html.unescape(kind), html.unescape(to), html.unescape(subject))
        for kind, to, subject, _status in ROW.findall(section)
    ]


def received(mailbox: Mailbox) -> list[tuple[str, str]]:
    return sorted((", ".join(m.to), m.subject) for m in mailbox.messages())


def test_the_payment_page_lists_exactly_the_emails_sent_about_the_payment(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account, merchant = connected(client, app, stripe_sandbox, "SE", "sek")
    mailbox.clear()  # the sign-up's emails are about no payment
    checkout = open_checkout(app, merchant, Money(12500, "SEK"))
    pay_as_buyer(stripe_sandbox, account, checkout.intent, payment_method="pm_card_visa")
    record(app, merchant, checkout.intent.id)
    payment_id = checkout.payment_id
    wait_until(lambda: len(mailbox.messages()) == 2, what="the receipt and the owner's notice")

    assert refund(client, payment_id, "25").status_code == 302
    wait_until(lambda: len(mailbox.messages()) == 3, what="the refund email")
    page = client.get(f"/panel/payments/{payment_id}").get_data(as_text=True)
    resent = client.post(
        f"/panel/payments/{payment_id}/receipt", data={"csrf_token": csrf_token_from(page)}
    )
    assert resent.status_code == 302
    wait_until(lambda: len(mailbox.messages()) == 4, what="the receipt sent again")

    listed = emails_listed(client, payment_id)
    assert sorted((to, subject) for _kind, to, subject in listed) == received(mailbox)
    kinds = [kind for kind, _to, _subject in listed]
    assert sorted(kinds) == sorted(
        ["Receipt to the buyer", "New payment notice to owners", "Refund notice to the buyer",
         "Receipt sent again"]
    )  # fmt: skip
    assert kinds[-2:] == ["Refund notice to the buyer", "Receipt sent again"]

    other = open_checkout(app, merchant, Money(5000, "SEK"), reference="chk_other")
    pay_as_buyer(stripe_sandbox, account, other.intent, payment_method="pm_card_chargeDeclined")
    record(app, merchant, other.intent.id)
    assert emails_listed(client, other.payment_id) == []
    assert len(emails_listed(client, payment_id)) == 4


def test_the_kinds_are_in_the_merchants_language(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account, merchant = connected(client, app, stripe_sandbox, "SE", "sek")
    checkout = open_checkout(app, merchant, Money(12500, "SEK"))
    pay_as_buyer(stripe_sandbox, account, checkout.intent, payment_method="pm_card_visa")
    record(app, merchant, checkout.intent.id)
    wait_until(lambda: mailbox.messages("buyer@example.com"), what="the receipt")
    page = client.get(
        f"/panel/payments/{checkout.payment_id}", headers={"Accept-Language": "sv"}
    ).get_data(as_text=True)
    assert "Kvitto till köparen" in page
