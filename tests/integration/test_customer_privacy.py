"""A customer's personal data: exported as JSON by anyone of the team, erased by an owner after
a confirmation. After erasure no value the customer gave is left in any text or JSON column of
the database, while amounts, dates and currencies stay; both are in the customer's history."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import JSON, String, Text, select

from app.customers.models import Customer
from app.extensions import db
from tests.integration.test_checkout import shop
from tests.integration.test_invitations import invite_and_join
from tests.support.accounts import post_form, sign_up
from tests.support.customers import CUSTOMER, add_customer, customers_of, event_kinds, pay_link
from tests.support.mailbox import Mailbox
from tests.support.payments import payments_of
from tests.support.settings import add_custom_field
from tests.support.stripe_sandbox import StripeSandbox

# What the buyer types at checkout: each a value no other row of the database holds.
BUYER = {
    "email": "Zebulon.Q@Example.org",
    "name": "Zebulon Quartermaine",
    "answer_1": "Tapir-42 allergy",
}
PERSONAL = [
    "Zebulon Quartermaine", "zebulon.q@example.org", "Quartermaine Konsult", "SE559900112201",
    "+46709998877", "Kvarnvägen 17", "Lgh 1102", "Ystadholm", "27199", "Allergic to walnuts",
    "Tapir-42",
]  # fmt: skip


def customer_paid_twice(client: FlaskClient, app: Flask, sandbox: StripeSandbox) -> Customer:
    """The customer made in the panel, who then paid the merchant's link twice, answering the
    merchant's question at checkout."""
    account = shop(client, app, sandbox)
    assert add_custom_field(client, "Dietary needs").status_code == 302
    add_customer(client)
    pay_link(app, sandbox, account, BUYER)
    pay_link(app, sandbox, account, {**BUYER, "email": "zebulon.q@example.org"})
    [customer] = customers_of(app)
    return customer


def export(client: FlaskClient, customer_id: int) -> Any:
    page = f"/panel/customers/{customer_id}"
    return post_form(client, page, f"{page}/export", {})


def every_text_in_the_database(app: Flask) -> list[tuple[str, str, str]]:
    """(table, column, value) of every text and JSON value of every row of every table."""
    found = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
            if not columns:
                continue
            for row in db.session.execute(select(*columns)):
                for column, value in zip(columns, row, strict=True):
                    if value is not None:
                        text = value if isinstance(value, str) else json.dumps(value)
                        found.append((table.name, column.name, text))
    return found


def test_the_export_holds_the_customer_their_payments_answers_and_history(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    customer = customer_paid_twice(client, app, stripe_sandbox)
    response = export(client, customer.id)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="customer-{customer.id}-zebulon-quartermaine.json"'
    )
    data = json.loads(response.get_data(as_text=True))
    assert data["customer"]["name"] == "Zebulon Quartermaine"
    assert data["customer"]["billing_address"]["line1"] == "Kvarnvägen 17"
    assert data["customer"]["tax_id"] == "SE559900112201"
    assert data["customer"]["notes"] == "Allergic to walnuts"
    assert [p["buyer_email"] for p in data["payments"]] == [
        "Zebulon.Q@Example.org", "zebulon.q@example.org",
    ]  # fmt: skip
    assert {(p["amount"], p["currency"], p["status"]) for p in data["payments"]} == {
        (50000, "SEK", "succeeded")
    }
    answers = [a for checkout in data["checkouts"] for a in checkout["answers"]]
    assert answers == [{"question": "Dietary needs", "answer": "Tapir-42 allergy"}] * 2
    assert [e["kind"] for e in data["events"]] == ["created", "exported"]
    assert event_kinds(app, customer.id) == ["created", "exported"]


def test_staff_may_export_but_only_an_owner_may_erase(
    client: FlaskClient, app: Flask, mailbox: Mailbox
) -> None:
    sign_up(client)
    add_customer(client)
    [customer] = customers_of(app)
    staff = invite_and_join(client, app, mailbox, "staff@example.com")
    page = f"/panel/customers/{customer.id}"
    assert "Erase personal data" not in staff.get(page).get_data(as_text=True)
    assert export(staff, customer.id).status_code == 200
    assert staff.get(f"{page}/erase").status_code == 403
    assert client.get(f"{page}/erase").status_code == 200
    refused = post_form(staff, page, f"{page}/erase", {"confirm": "y"})
    assert refused.status_code == 403
    assert customers_of(app)[0].erased_at is None


def test_erasure_asks_for_confirmation_first(client: FlaskClient, app: Flask) -> None:
    sign_up(client)
    add_customer(client)
    [customer] = customers_of(app)
    page = f"/panel/customers/{customer.id}/erase"
    unconfirmed = post_form(client, page, page, {})
    assert unconfirmed.status_code == 422
    assert "Tick the box to confirm the erasure." in unconfirmed.get_data(as_text=True)
    assert customers_of(app)[0].erased_at is None


def test_after_erasure_nothing_they_gave_is_left_and_the_ledger_is_unchanged(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    customer = customer_paid_twice(client, app, stripe_sandbox)
    export(client, customer.id)
    before = {(p.id, p.amount, p.currency, p.status, p.created_at) for p in payments_of(app)}
    page = f"/panel/customers/{customer.id}"
    erased = post_form(client, f"{page}/erase", f"{page}/erase", {"confirm": "y"})
    assert erased.status_code == 302 and erased.headers["Location"].endswith(page)

    left = [
        (table, column, value)
        for table, column, value in every_text_in_the_database(app)
        for personal in PERSONAL
        if personal.lower() in value.lower()
    ]
    assert left == []
    assert {(p.id, p.amount, p.currency, p.status, p.created_at) for p in payments_of(app)} == (
        before
    )
    assert {p.customer_id for p in payments_of(app)} == {customer.id}
    [erased_customer] = customers_of(app)
    assert erased_customer.erased_at is not None and erased_customer.email_key is None
    assert erased_customer.name == "erased"
    assert event_kinds(app, customer.id) == ["created", "exported", "erased"]

    shown = client.get(page).get_data(as_text=True)
    assert "personal data was erased on" in shown
    assert "Edit customer" not in shown and "SEK1,000.00" in shown
    edit = f"{page}/edit"
    assert post_form(client, page, edit, CUSTOMER).status_code == 422
    again = post_form(client, page, f"{page}/erase", {"confirm": "y"})
    assert again.status_code == 422
    assert "was erased already" in again.get_data(as_text=True)
    data = json.loads(export(client, customer.id).get_data(as_text=True))
    assert data["customer"]["email"] == "" and data["customer"]["erased_at"]


def test_a_new_payment_from_an_erased_customers_email_makes_a_new_customer(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account = shop(client, app, stripe_sandbox)
    pay_link(app, stripe_sandbox, account, BUYER)
    [first] = customers_of(app)
    page = f"/panel/customers/{first.id}"
    post_form(client, f"{page}/erase", f"{page}/erase", {"confirm": "y"})
    pay_link(app, stripe_sandbox, account, BUYER)
    erased, new = customers_of(app)
    assert erased.id == first.id and erased.erased_at is not None
    assert (new.email, new.erased_at) == ("Zebulon.Q@Example.org", None)
    assert [p.customer_id for p in payments_of(app)] == [first.id, new.id]
    assert add_customer(client, email="zebulon.q@example.org").status_code == 422  # new's
