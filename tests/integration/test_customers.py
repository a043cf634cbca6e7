"""A merchant's customers: made and changed in the panel, found by search a page at a time, and
found or made by the one recording path when a buyer pays, once, even when payments of one new
email are recorded at the same moment."""

from __future__ import annotations

import threading

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.core.money import Money
from app.customers.models import Customer, email_key
from app.customers.service import CustomerDetails, create_customer, search_customers
from app.extensions import db
from app.merchants.models import Merchant
from app.payments.models import Payment, PaymentStatus
from app.payments.service import BuyerDetails
from tests.conftest import empty_tables
from tests.integration.test_checkout import shop
from tests.integration.test_payments import record
from tests.support.accounts import post_form, sign_up
from tests.support.customers import (
    CUSTOMER,
    NEW_CUSTOMER,
    add_customer,
    customers_of,
    event_kinds,
    pay_link,
)
from tests.support.engines import examples
from tests.support.payments import merchant_id, open_checkout, pay_as_buyer, payments_of
from tests.support.stripe_sandbox import StripeSandbox

BUYER = {"email": "Ada.Lovelace@Example.com", "name": "Ada Lovelace"}


# Made and changed in the panel


def test_a_customer_made_in_the_panel_keeps_every_field_and_its_history(
    client: FlaskClient, app: Flask
) -> None:
    sign_up(client)
    made = add_customer(client)
    assert made.status_code == 302
    [customer] = customers_of(app)
    assert made.headers["Location"].endswith(f"/panel/customers/{customer.id}")
    assert (customer.name, customer.email, customer.email_key) == (
        "Zebulon Quartermaine", "zebulon.q@example.org", "zebulon.q@example.org",
    )  # fmt: skip
    assert (customer.company, customer.tax_id, customer.phone) == (
        "Quartermaine Konsult", "SE559900112201", "+46709998877",
    )  # fmt: skip
    assert customer.billing_address == {
        "line1": "Kvarnvägen 17", "line2": "Lgh 1102", "postal_code": "27199",
        "city": "Ystadholm", "state": "Skåne", "country": "SE",
    }  # fmt: skip
    assert customer.shipping_address is None
    assert (customer.locale, customer.currency, customer.notes) == ("sv", "SEK", CUSTOMER["notes"])

    page = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "Zebulon Quartermaine added." in page
    assert "Kvarnvägen 17" in page and "Ystadholm" in page and "Allergic to walnuts" in page

    edit = f"/panel/customers/{customer.id}/edit"
    form = client.get(edit).get_data(as_text=True)
    assert 'value="Kvarnvägen 17"' in form  # the stored address fills the form
    changed = post_form(client, edit, edit, {**CUSTOMER, "phone": "+4611223344", "notes": ""})
    assert changed.status_code == 302
    [customer] = customers_of(app)
    assert (customer.phone, customer.notes) == ("+4611223344", "")
    assert event_kinds(app, customer.id) == ["created", "edited"]
    post_form(client, edit, edit, {**CUSTOMER, "phone": "+4611223344", "notes": ""})
    assert event_kinds(app, customer.id) == ["created", "edited"]  # nothing changed, no event


def test_an_email_another_customer_has_is_refused_beside_the_field_whatever_its_case(
    client: FlaskClient, app: Flask
) -> None:
    sign_up(client)
    add_customer(client)
    again = add_customer(client, name="Zeb Q", email="  ZEBULON.Q@example.ORG ")
    body = again.get_data(as_text=True)
    assert again.status_code == 422
    assert 'id="email-error"' in body and "Another customer already has this email" in body
    assert 'value="Zeb Q"' in body and 'value="Kvarnvägen 17"' in body  # nothing typed is lost

    other = add_customer(client, name="Other", email="other@example.org")
    assert other.status_code == 302
    other_id = customers_of(app)[-1].id
    edit = f"/panel/customers/{other_id}/edit"
    taken = post_form(client, edit, edit, {**CUSTOMER, "email": "Zebulon.Q@Example.org"})
    assert taken.status_code == 422 and "Another customer already has this email" in (
        taken.get_data(as_text=True)
    )
    assert [c.email for c in customers_of(app)] == ["zebulon.q@example.org", "other@example.org"]


def test_customers_without_an_email_may_be_many_and_another_merchant_may_share_one(
    client: FlaskClient, app: Flask
) -> None:
    sign_up(client)
    assert add_customer(client, name="Walk-in one", email="").status_code == 302
    assert add_customer(client, name="Walk-in two", email="").status_code == 302
    other = app.test_client()
    sign_up(other, email="second@example.com", business_name="Second AB")
    assert add_customer(other).status_code == 302
    assert add_customer(client).status_code == 302
    assert len(customers_of(app)) == 4


def test_a_currency_that_is_not_the_merchants_is_refused(client: FlaskClient) -> None:
    sign_up(client)
    refused = add_customer(client, currency="EUR")
    assert refused.status_code == 422
    assert 'id="currency-error"' in refused.get_data(as_text=True)


# Search and paging


def test_search_finds_by_name_email_and_company_in_any_case_and_pages(
    client: FlaskClient, app: Flask
) -> None:
    sign_up(client)
    add_customer(client, name="Åsa Öberg", email="asa@example.org", company="Fjällbacka Fisk")
    add_customer(client, name="Bertil", email="b@EXAMPLE.net", company="100% Ull_AB")
    for number in range(27):
        add_customer(client, name=f"Person {number:02d}", email=f"p{number}@x.com", company="")

    def names(query: str, page: int = 1) -> str:
        response = client.get("/panel/customers/", query_string={"q": query, "page": page})
        assert response.status_code == 200
        return response.get_data(as_text=True)

    assert "Åsa Öberg" in names("åsa") and "Åsa Öberg" in names("ÅSA")
    assert "Åsa Öberg" in names("FJÄLLBACKA") and "Bertil" not in names("fjällbacka")
    assert "Bertil" in names("example.NET")
    assert "Bertil" in names("100%") and "Person" not in names("100%")  # % is no wildcard
    assert "Bertil" in names("l_a") and "Person" not in names("n_0")  # nor is _
    assert "No customer matches your search." in names("nobody")

    first = names("person")
    assert "27 customers" in first and "Page 1 of 2" in first and "Person 24" in first
    assert "Person 25" not in first and 'rel="next"' in first and 'rel="prev"' not in first
    second = names("person", 2)
    assert "Person 25" in second and "Person 26" in second and "Person 24" not in second
    assert "q=person" in second and 'rel="prev"' in second
    assert "Page 2 of 2" in names("person", 99)  # past the end: the last page
    assert "Page 1 of 2" in names("person", -3)


def test_search_is_the_list_partial_for_htmx(client: FlaskClient) -> None:
    sign_up(client)
    add_customer(client)
    response = client.get("/panel/customers/?q=zebulon", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<section id="customers"' in body and "<html" not in body
    assert "Zebulon Quartermaine" in body


TEXT = st.text(alphabet=st.sampled_from("aAbBåÅßẞ\u0131\u0130%_ éE\u0301-"), max_size=8)


@settings(
    max_examples=examples(30),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    people=st.lists(st.tuples(TEXT, TEXT, TEXT), min_size=1, max_size=6),
    term=TEXT,
    size=st.integers(min_value=1, max_value=4),
)
def test_search_and_paging_find_exactly_what_a_person_would(
    app: Flask, people: list[tuple[str, str, str]], term: str, size: int
) -> None:
    """Every page together holds each customer whose name, email or company contains the term
    (compared as Python folds case), once, on SQLite and PostgreSQL alike."""
    from app.customers.models import search_fold

    try:
        with app.app_context():
            merchant = Merchant(
                public_id="mer_search", name="Shop", country="SE", default_currency="SEK"
            )
            db.session.add(merchant)
            db.session.flush()
            for name, email, company in people:
                details = CustomerDetails(name=name or "n", email="", company=f"{email} {company}")
                create_customer(db.session, merchant, details, None)
            db.session.commit()
            folded = search_fold(term.strip())
            expected = sorted(
                c.id
                for c in db.session.scalars(select(Customer))
                if any(folded in search_fold(v) for v in (c.name, c.email, c.company))
            )
            found: list[int] = []
            page = search_customers(db.session, merchant, term, 1, size)
            found += [c.id for c in page.rows]
            while page.has_next:
                page = search_customers(db.session, merchant, term, page.number + 1, size)
                found += [c.id for c in page.rows]
            assert sorted(found) == expected and len(found) == len(set(found))
            assert page.total == len(expected)
    finally:
        empty_tables(app)


@given(st.emails(), st.sampled_from([str.upper, str.lower, str.title, lambda s: f"  {s}\t"]))
def test_an_address_and_its_other_spellings_have_one_key(email: str, spell: object) -> None:
    assert email_key(spell(email)) == email_key(email)  # type: ignore[operator]


# Found or made when a buyer pays


def test_a_buyer_who_pays_becomes_a_customer_once_and_their_page_shows_what_they_paid(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account = shop(client, app, stripe_sandbox)
    pay_link(app, stripe_sandbox, account, BUYER)
    [customer] = customers_of(app)
    assert (customer.name, customer.email, customer.email_key) == (
        "Ada Lovelace", "Ada.Lovelace@Example.com", "ada.lovelace@example.com",
    )  # fmt: skip
    assert customer.currency == "SEK" and customer.locale == "en"
    assert event_kinds(app, customer.id) == ["created"]
    # A webhook and reconciliation record the same payment again: nothing new.
    [payment] = payments_of(app)
    record(app, merchant_id(app), payment.intent_id)
    assert [p.customer_id for p in payments_of(app)] == [customer.id]

    pay_link(app, stripe_sandbox, account, {"email": "ada.lovelace@example.COM", "name": "A. L."})
    assert [c.id for c in customers_of(app)] == [customer.id]  # the same person, by email
    assert [p.customer_id for p in payments_of(app)] == [customer.id, customer.id]
    assert customers_of(app)[0].name == "Ada Lovelace"  # a payment does not rename them

    payment_page = client.get(f"/panel/payments/{payment.id}").get_data(as_text=True)
    assert f'href="/panel/customers/{customer.id}"' in payment_page
    page = client.get(f"/panel/customers/{customer.id}").get_data(as_text=True)
    assert "SEK1,000.00" in page  # two payments of SEK 500
    assert page.count("/panel/payments/") == 2
    assert "(from a payment)" in page


def test_a_buyer_with_the_email_of_a_customer_made_in_the_panel_is_that_customer(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account = shop(client, app, stripe_sandbox)
    add_customer(client)
    pay_link(app, stripe_sandbox, account, {"email": "ZEBULON.Q@example.org", "name": "Z"})
    [customer] = customers_of(app)
    assert customer.name == "Zebulon Quartermaine"
    assert [p.customer_id for p in payments_of(app)] == [customer.id]


def test_a_payment_declined_or_not_yet_paid_makes_no_customer(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account = shop(client, app, stripe_sandbox)
    merchant = merchant_id(app)
    declined = open_checkout(app, merchant, Money(50000, "SEK"), reference="chk_declined")
    answer = pay_as_buyer(
        stripe_sandbox, account, declined.intent, payment_method="pm_card_chargeDeclined"
    )
    assert answer == {"declined": "card_declined"}
    assert record(app, merchant, declined.intent.id).status is PaymentStatus.FAILED
    unpaid = open_checkout(app, merchant, Money(50000, "SEK"), reference="chk_unpaid")
    assert record(app, merchant, unpaid.intent.id).status is PaymentStatus.PENDING
    assert customers_of(app) == []
    assert {p.customer_id for p in payments_of(app)} == {None}


def test_a_payment_whose_document_named_its_customer_stays_theirs(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    """An invoice's payment carries its customer: the buyer's email does not move it."""
    account = shop(client, app, stripe_sandbox)
    add_customer(client)
    add_customer(client, name="Other buyer", email="other@example.org")
    [billed, other] = customers_of(app)
    merchant = merchant_id(app)
    started = open_checkout(
        app, merchant, Money(50000, "SEK"),
        buyer=BuyerDetails(email="other@example.org", name="Someone", customer_id=billed.id),
    )  # fmt: skip
    pay_as_buyer(stripe_sandbox, account, started.intent, payment_method="pm_card_visa")
    assert record(app, merchant, started.intent.id).customer_id == billed.id
    assert len(customers_of(app)) == 2 and other.id != billed.id


def _pay_without_coming_back(
    app: Flask, sandbox: StripeSandbox, account: object, email: str
) -> tuple[FlaskClient, str]:
    return pay_link(app, sandbox, account, {"email": email, "name": "Ada"}, come_back=False)  # type: ignore[arg-type]


def test_buyers_of_one_new_email_coming_back_at_once_make_one_customer(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    """Four checkouts paid by one new address (spelled differently), recorded at the same
    moment by their return pages: one customer, every payment theirs."""
    account = shop(client, app, stripe_sandbox)
    spellings = ("ada@example.com", "ADA@example.com", "Ada@Example.com", " ada@EXAMPLE.com")
    buyers = [_pay_without_coming_back(app, stripe_sandbox, account, s) for s in spellings]
    start = threading.Barrier(len(buyers))
    answers: list[str] = []

    def come_back(buyer: FlaskClient, page: str) -> None:
        start.wait()
        answers.append(buyer.get(page + "/return").get_data(as_text=True))

    threads = [threading.Thread(target=come_back, args=pair) for pair in buyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert all("Thank you, your payment went through" in body for body in answers)
    [customer] = customers_of(app)
    assert customer.email_key == "ada@example.com"
    paid = payments_of(app)
    assert [p.status for p in paid] == [PaymentStatus.SUCCEEDED] * 4
    assert {p.customer_id for p in paid} == {customer.id}
    assert event_kinds(app, customer.id) == ["created"]


def test_the_customer_page_lists_only_their_own_payments(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account = shop(client, app, stripe_sandbox)
    pay_link(app, stripe_sandbox, account, BUYER)
    pay_link(app, stripe_sandbox, account, {"email": "bo@example.com", "name": "Bo"})
    ada, bo = customers_of(app)
    with app.app_context():
        bos_payment = db.session.scalars(
            select(Payment.id).where(Payment.customer_id == bo.id)
        ).one()
    page = client.get(f"/panel/customers/{ada.id}").get_data(as_text=True)
    assert f"/panel/payments/{bos_payment}" not in page
    assert page.count("/panel/payments/") == 1


def test_the_new_customer_page_offers_the_merchants_currencies_and_languages(
    client: FlaskClient,
) -> None:
    sign_up(client)
    from tests.support.settings import add_currency

    add_currency(client, "EUR")
    form = client.get(NEW_CUSTOMER).get_data(as_text=True)
    assert '<option selected value="SEK">' in form and '<option value="EUR">' in form
    assert '<option value="USD">' not in form
    assert "Svenska" in form
    assert add_customer(client, currency="EUR").status_code == 302


def test_notes_take_5000_characters_and_no_more(client: FlaskClient, app: Flask) -> None:
    sign_up(client)
    assert add_customer(client, notes="n" * 5000).status_code == 302
    refused = add_customer(client, email="", notes="n" * 5001)
    assert refused.status_code == 422
    assert "Use at most 5000 characters." in refused.get_data(as_text=True)
    assert len(customers_of(app)) == 1
