"""The payments index (Panel → Payments): filters from the URL, search, sort, keyset pages and
the totals per currency, on SQLite and PostgreSQL.

Most payments here are rows as the recording path leaves them (the sandbox would take minutes
for the hundreds a page walk needs); the first test pays through the sandbox and finds the
payment by what Stripe recorded (last four digits, PaymentIntent and charge ids)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.core.money import Money
from app.customers.models import Customer
from app.extensions import db
from app.merchants.models import Merchant
from app.payments.models import Payment, PaymentStatus
from app.payments.queries import (
    Cursor,
    PaymentFilters,
    Sort,
    filtered_payments,
    page_of,
    totals_by_currency,
)
from app.payments.totals import move_totals, share
from tests.conftest import empty_tables
from tests.integration.test_payments import connected, record
from tests.support.accounts import sign_up
from tests.support.engines import examples
from tests.support.mailbox import Mailbox
from tests.support.payments import merchant_id, open_checkout, pay_as_buyer
from tests.support.stripe_sandbox import StripeSandbox

DAY = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
_intents = itertools.count(1)


def add_payment(app: Flask, merchant: int, **values: Any) -> int:
    """A payment as the recording path leaves it: a card payment that succeeded, unless told."""
    status = values.pop("status", PaymentStatus.SUCCEEDED)
    amount = values.pop("amount", 10000)
    defaults: dict[str, Any] = {
        "intent_id": f"pi_index_{next(_intents)}",
        "currency": "SEK",
        "method_type": "card",
        "method_details": {"type": "card", "brand": "visa", "last4": "4242"},
        "document_type": "payment_link",
        "document_id": "1",
        "buyer_email": "ada@example.com",
        "buyer_name": "Ada Lovelace",
        "created_at": DAY,
        "fee": amount // 50 if status is not PaymentStatus.FAILED else None,
    }
    defaults.update(values)
    if defaults["fee"] is not None and "net" not in values:
        defaults["net"] = amount - defaults["fee"]
    with app.app_context():
        payment = Payment(merchant_id=merchant, status=status, amount=amount, **defaults)
        db.session.add(payment)
        db.session.flush()
        move_totals(db.session, [], share(payment))  # the daily totals, as recording keeps them
        db.session.commit()
        return payment.id


def listed(client: FlaskClient, **query: str) -> str:
    response = client.get("/panel/payments", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def totals_page(client: FlaskClient, **query: str) -> str:
    response = client.get("/panel/payments/totals", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True).replace("\xa0", "")


def ids_found(app: Flask, merchant: int, filters: PaymentFilters) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(filtered_payments(merchant, filters).with_only_columns(Payment.id))
        )


def test_a_paid_payment_is_found_by_what_stripe_recorded(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account, merchant = connected(client, app, stripe_sandbox, "SE", "sek")
    checkout = open_checkout(app, merchant, Money(12500, "SEK"))
    pay_as_buyer(stripe_sandbox, account, checkout.intent, payment_method="pm_card_visa")
    payment = record(app, merchant, checkout.intent.id)
    assert payment.last4 == "4242" and payment.latest_charge_id

    for term in ("4242", checkout.intent.id, payment.latest_charge_id, "ADA BUY", "buyer@EX"):
        page = listed(client, q=term)
        assert f"/panel/payments/{payment.id}" in page, term
    for term in ("4243", "pi_unknown", "someone else"):
        assert f"/panel/payments/{payment.id}" not in listed(client, q=term), term


def test_an_abandoned_checkout_is_not_a_payment(client: FlaskClient, app: Flask) -> None:
    sign_up(client)
    merchant = merchant_id(app)
    no_method = {"method_type": "", "method_details": {}, "fee": None}
    abandoned = add_payment(app, merchant, status=PaymentStatus.PENDING, **no_method)
    canceled = add_payment(app, merchant, status=PaymentStatus.CANCELED, **no_method)
    challenge_open = add_payment(app, merchant, status=PaymentStatus.PENDING, fee=None)
    declined = add_payment(app, merchant, status=PaymentStatus.FAILED)
    paid = add_payment(app, merchant)

    found = set(ids_found(app, merchant, PaymentFilters()))
    assert found == {challenge_open, declined, paid}
    page = listed(client)
    assert (
        f'/panel/payments/{abandoned}"' not in page and f'/panel/payments/{canceled}"' not in page
    )
    # Only the paid one took money.
    assert "SEK100.00" in totals_page(client)


def test_each_filter_narrows_the_index(client: FlaskClient, app: Flask) -> None:
    sign_up(client)
    merchant = merchant_id(app)
    with app.app_context():
        ada = Customer(merchant_id=merchant, name="Ada", email="ada@example.com")
        db.session.add(ada)
        db.session.commit()
        ada_id = ada.id
    card = add_payment(app, merchant, customer_id=ada_id)
    sepa = add_payment(
        app, merchant, currency="EUR", method_type="sepa_debit",
        method_details={"type": "sepa_debit", "last4": "3000"}, created_at=DAY - timedelta(days=3),
    )  # fmt: skip
    refunded = add_payment(
        app, merchant, status=PaymentStatus.REFUNDED, amount_refunded=10000,
        document_type="invoice", document_number="INV-2026-0007",
        created_at=DAY + timedelta(days=2),
    )  # fmt: skip
    failed = add_payment(app, merchant, status=PaymentStatus.FAILED, document_type="cart")

    def found(**query: str) -> set[int]:
        return set(ids_found(app, merchant, PaymentFilters.from_query(query)))

    assert found() == {card, sepa, refunded, failed}
    assert found(status="refunded") == {refunded}
    assert found(method="sepa_debit") == {sepa}
    assert found(currency="EUR") == {sepa}
    assert found(document="invoice") == {refunded}
    assert found(document="cart") == {failed}
    assert found(customer=str(ada_id)) == {card}
    assert found(q="inv-2026-0007") == {refunded}
    assert found(q="3000") == {sepa}
    # The day range includes both its days, whole (UTC).
    assert found(start="2026-11-07", end="2026-11-07") == {sepa}
    assert found(start="2026-11-10") == {card, refunded, failed}
    assert found(end="2026-11-10") == {card, sepa, failed}
    assert found(start="2026-11-08", end="2026-11-11", method="card") == {card, failed}

    page = listed(client, status="refunded", currency="SEK")
    assert f"/panel/payments/{refunded}" in page and f"/panel/payments/{card}" not in page
    assert "Invoice INV-2026-0007" in page
    assert '<option selected value="refunded">' in page


def test_another_merchants_customer_or_search_finds_nothing_of_theirs(
    client: FlaskClient, app: Flask
) -> None:
    other = app.test_client()
    sign_up(other, email="other@example.com", business_name="Other AB")
    other_merchant = merchant_id(app, "other@example.com")
    with app.app_context():
        theirs = Customer(merchant_id=other_merchant, name="Bo Hemlig", email="bo@example.com")
        db.session.add(theirs)
        db.session.commit()
        their_customer = theirs.id
    their_payment = add_payment(
        app, other_merchant, customer_id=their_customer, buyer_email="bo@example.com",
        buyer_name="Bo Secret",
    )  # fmt: skip
    sign_up(client)
    mine = add_payment(app, merchant_id(app))

    page = listed(client, customer=str(their_customer))
    # (their name and email, not "Bo" alone: a page's random tokens may hold those letters)
    assert "This customer was not found." in page
    assert "Bo Hemlig" not in page and "bo@example.com" not in page
    assert f"/panel/payments/{their_payment}" not in page and f"/panel/payments/{mine}" not in page
    assert "Bo Secret" not in listed(client, q="bo secret")
    assert "Bo Secret" not in listed(client)


def test_a_customers_page_links_to_their_payments(client: FlaskClient, app: Flask) -> None:
    sign_up(client)
    merchant = merchant_id(app)
    with app.app_context():
        ada = Customer(merchant_id=merchant, name="Ada Lovelace", email="ada@example.com")
        db.session.add(ada)
        db.session.commit()
        ada_id = ada.id
    add_payment(app, merchant, customer_id=ada_id)
    page = client.get(f"/panel/customers/{ada_id}").get_data(as_text=True)
    assert f'href="/panel/payments?customer={ada_id}"' in page
    assert "Payments of Ada Lovelace." in listed(client, customer=str(ada_id))


def test_totals_are_per_currency_and_never_added_across_currencies(
    client: FlaskClient, app: Flask
) -> None:
    sign_up(client)
    merchant = merchant_id(app)
    add_payment(app, merchant, amount=10000, fee=300, net=9700)
    add_payment(
        app, merchant, amount=20000, fee=500, net=19500, amount_refunded=5000,
        status=PaymentStatus.PARTIALLY_REFUNDED,
    )  # fmt: skip
    add_payment(app, merchant, amount=4000, currency="EUR", fee=100, net=3900)
    # Charged in EUR, paid out in SEK: its fee and net count in SEK, its refund in EUR.
    add_payment(
        app, merchant, amount=1000, currency="EUR", fee=200, net=11000,
        settlement_currency="SEK", exchange_rate="11.2", amount_refunded=1000,
        status=PaymentStatus.REFUNDED,
    )  # fmt: skip
    add_payment(app, merchant, amount=99900, status=PaymentStatus.FAILED, fee=None)
    add_payment(app, merchant, amount=77700, status=PaymentStatus.PROCESSING, fee=None)

    with app.app_context():
        totals = totals_by_currency(db.session, merchant, PaymentFilters())
    by_currency = {row.currency: row for row in totals.by_currency}
    assert set(by_currency) == {"EUR", "SEK"}
    sek, eur = by_currency["SEK"], by_currency["EUR"]
    assert (sek.count, sek.gross, sek.refunds) == (2, Money(30000, "SEK"), Money(5000, "SEK"))
    assert (sek.fees, sek.net) == (Money(1000, "SEK"), Money(9700 + 19500 + 11000 - 5000, "SEK"))
    assert (eur.count, eur.gross, eur.refunds) == (2, Money(5000, "EUR"), Money(1000, "EUR"))
    assert (eur.fees, eur.net) == (Money(100, "EUR"), Money(3900, "EUR"))
    assert totals.converted_refunds == 1

    page = totals_page(client, currency="EUR")
    assert 'data-testid="totals-EUR"' in page and "€50.00" in page
    assert "paid out in another currency" in page
    assert 'href="/panel/payments?currency=EUR"' in page  # back to the same payments
    index = listed(client, currency="EUR")
    assert 'hx-get="/panel/payments/totals?currency=EUR"' in index
    assert 'href="/panel/payments/totals?currency=EUR"' in index  # without JavaScript
    refused = client.get("/panel/payments/totals?start=1999-12-31")
    assert refused.status_code == 422 and "Correct the filters" in refused.get_data(as_text=True)


def test_the_index_is_a_partial_for_htmx_and_refuses_bad_filters_with_reasons(
    client: FlaskClient, app: Flask
) -> None:
    sign_up(client)
    payment = add_payment(app, merchant_id(app))
    partial = client.get("/panel/payments?status=succeeded", headers={"HX-Request": "true"})
    body = partial.get_data(as_text=True)
    assert partial.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith('<section id="payments-results"')
    assert f"/panel/payments/{payment}" in body
    assert "Vary" in partial.headers and "HX-Request" in partial.headers["Vary"]

    refused = client.get(
        "/panel/payments", query_string={"start": "2026-12-01", "end": "2026-11-01", "q": "ada"}
    )
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Choose a day on or after the first day." in text and 'value="ada"' in text
    bad_htmx = client.get(
        "/panel/payments?status=shipped", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert (
        "Correct the filters to see payments" in bad_htmx
        and "Choose one of the options." in bad_htmx
    )

    for cursor in ("x", "1.2.3", "-" * 30, "99999999999999999999999.1", "1." + "9" * 30):
        for name in ("after", "before"):
            response = client.get("/panel/payments", query_string={name: cursor})
            assert response.status_code == 200, (name, cursor)


def test_pages_follow_each_other_keep_the_filters_and_go_back(
    client: FlaskClient, app: Flask
) -> None:
    sign_up(client)
    merchant = merchant_id(app)
    made = [
        add_payment(app, merchant, amount=1000 + i, created_at=DAY + timedelta(minutes=i))
        for i in range(120)
    ]
    first = listed(client, currency="SEK")
    assert f'/panel/payments/{made[-1]}"' in first and f'/panel/payments/{made[-51]}"' not in first
    assert "Previous page" not in first
    next_link = first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert "currency=SEK" in next_link and "after=" in next_link
    second = client.get(next_link.replace("&amp;", "&")).get_data(as_text=True)
    assert (
        f'/panel/payments/{made[-51]}"' in second and f'/panel/payments/{made[-1]}"' not in second
    )
    back_link = second.split('rel="prev"')[0].rsplit('href="', 1)[1].split('"')[0]
    back = client.get(back_link.replace("&amp;", "&")).get_data(as_text=True)
    assert f'/panel/payments/{made[-1]}"' in back and f'/panel/payments/{made[-51]}"' not in back


SORTS = {
    Sort.NEWEST: lambda p: (-p.created_at.timestamp(), -p.id),
    Sort.OLDEST: lambda p: (p.created_at.timestamp(), p.id),
    Sort.LARGEST: lambda p: (-p.amount, -p.id),
    Sort.SMALLEST: lambda p: (p.amount, p.id),
}


@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 4), st.sampled_from(["SEK", "EUR"])),
        max_size=14,
    ),
    sort=st.sampled_from(list(Sort)),
    size=st.integers(min_value=1, max_value=4),
    currency=st.sampled_from([None, "SEK"]),
)
def test_keyset_pages_walk_every_payment_once_in_order_both_ways(
    app: Flask, rows: list[tuple[int, int, str]], sort: Sort, size: int, currency: str | None
) -> None:
    """Ties in date and amount are many here (a few values each): every page walk forward holds
    each matching payment once, in the order Python sorts them, and walking back from the end
    gives the same pages."""
    try:
        with app.app_context():
            merchant = Merchant(
                public_id="mer_pages", name="Shop", country="SE", default_currency="SEK"
            )
            db.session.add(merchant)
            db.session.flush()
            for minutes, amount, code in rows:
                db.session.add(
                    Payment(
                        merchant_id=merchant.id, intent_id=f"pi_page_{next(_intents)}",
                        status=PaymentStatus.SUCCEEDED, currency=code, amount=100 * amount,
                        method_type="card", created_at=DAY + timedelta(minutes=minutes),
                    )
                )  # fmt: skip
            db.session.commit()
            filters = PaymentFilters(currency=currency, sort=sort)
            everything = [
                p for p in db.session.scalars(select(Payment)) if currency in (None, p.currency)
            ]
            for payment in everything:
                payment.created_at = payment.created_at.replace(tzinfo=UTC)
            expected = [p.id for p in sorted(everything, key=SORTS[sort])]

            pages = [page_of(db.session, merchant.id, filters, size=size)]
            while pages[-1].next is not None:
                pages.append(
                    page_of(db.session, merchant.id, filters, after=pages[-1].next, size=size)
                )
            walked = [p.id for page in pages for p in page.rows]
            assert walked == expected
            assert all(len(page.rows) == size for page in pages[:-1])
            assert pages[0].previous is None

            for index in range(len(pages) - 1, 0, -1):
                before = pages[index].previous
                assert before is not None
                back = page_of(db.session, merchant.id, filters, before=before, size=size)
                assert [p.id for p in back.rows] == [p.id for p in pages[index - 1].rows]
                assert (back.previous is None) == (index == 1)
    finally:
        empty_tables(app)


def test_a_cursor_survives_its_text() -> None:
    cursor = Cursor(1_762_000_000_123_456, 42)
    assert Cursor.parse(str(cursor)) == cursor
    assert Cursor.parse("") is None and Cursor.parse("1.") is None


@given(st.dictionaries(st.sampled_from(["status", "method", "currency", "start", "end",
                                        "document", "customer", "q", "sort"]),
                       st.text(max_size=12)))  # fmt: skip
def test_any_query_string_reads_as_filters_that_write_back_the_same(query: dict[str, str]) -> None:
    filters = PaymentFilters.from_query(query)
    assert PaymentFilters.from_query(filters.query_args()) == filters
    assert filters.start is None or filters.start >= date(2000, 1, 1)
