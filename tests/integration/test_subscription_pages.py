"""The merchant's subscription pages: the list (status filter, customer search, pages), its
CSV, a subscription's page (lines, periods with their invoice and payment, history), and
pause, resume and cancel from it; refused changes say why and change nothing; another
merchant sees none of it."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from app.extensions import db
from app.subscriptions.models import Subscription, SubscriptionStatus
from tests.conftest import csrf_token_from
from tests.support.accounts import post_form, sign_up
from tests.support.invoice_buyers import invoicing_merchant
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox
from tests.support.subscriptions import BUYER, add_link, add_product, subscribe, the_subscription


@pytest.fixture
def subscription(client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox) -> Subscription:
    """A monthly EUR subscription a buyer started by paying a link, as the merchant's client
    sees it."""
    account: SandboxAccount
    account, _merchant = invoicing_merchant(client, app, stripe_sandbox)
    slug = add_link(client, app, add_product(client))
    _buyer, _page, body = subscribe(app, stripe_sandbox, account, slug)
    assert "Thank you, your payment went through" in body, body
    return the_subscription(app)


def page_of(client: FlaskClient, subscription: Subscription) -> str:
    response = client.get(f"/panel/subscriptions/{subscription.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def act(client: FlaskClient, subscription: Subscription, action: str, **data: str):  # type: ignore[no-untyped-def]
    page = f"/panel/subscriptions/{subscription.id}"
    return post_form(client, page, f"{page}/{action}", data)


def test_the_list_filters_searches_and_exports(
    client: FlaskClient, app: Flask, subscription: Subscription
) -> None:
    listed = client.get("/panel/subscriptions/").get_data(as_text=True)
    assert f"/panel/subscriptions/{subscription.id}" in listed and "Grace Hopper" in listed
    active = client.get("/panel/subscriptions/?status=active").get_data(as_text=True)
    assert f"/panel/subscriptions/{subscription.id}" in active
    paused = client.get("/panel/subscriptions/?status=paused").get_data(as_text=True)
    assert f"/panel/subscriptions/{subscription.id}" not in paused
    assert "No subscription matches these filters." in paused
    found = client.get("/panel/subscriptions/", query_string={"q": "GRACE@"})
    assert f"/panel/subscriptions/{subscription.id}" in found.get_data(as_text=True)
    missed = client.get("/panel/subscriptions/", query_string={"q": "nobody%"})
    assert f"/panel/subscriptions/{subscription.id}" not in missed.get_data(as_text=True)

    exported = client.get("/panel/subscriptions/export.csv?status=active")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    text = exported.get_data(as_text=True).lstrip("\ufeff")
    delimiter = ";" if text.startswith("id;") else ","
    rows = list(csv.DictReader(io.StringIO(text), delimiter=delimiter))
    assert [(r["id"], r["status"], r["email"], r["currency"], r["amount"]) for r in rows] == [
        (str(subscription.id), "active", BUYER, "EUR", "20,00" if delimiter == ";" else "20.00")
    ]
    none = client.get("/panel/subscriptions/export.csv?status=canceled").get_data(as_text=True)
    assert len(none.strip().splitlines()) == 1  # the header alone


def test_the_page_shows_lines_periods_with_invoice_and_payment_and_history(
    client: FlaskClient, subscription: Subscription
) -> None:
    page = page_of(client, subscription)
    assert "Coffee club" in page and "€20.00" in page
    assert "/panel/invoices/" in page and "/panel/payments/" in page
    assert "Paid" in page
    assert 'data-testid="subscription-status">Active' in page


def test_pause_until_a_day_then_resume(
    client: FlaskClient, app: Flask, subscription: Subscription
) -> None:
    until = (date.today() + timedelta(days=40)).isoformat()
    paused = act(client, subscription, "pause", until=until)
    assert paused.status_code == 302
    assert the_subscription(app).status is SubscriptionStatus.PAUSED
    page = page_of(client, subscription)
    assert "The subscription is paused." in page and "Resume billing" in page

    assert act(client, subscription, "resume").status_code == 302
    resumed = the_subscription(app)
    assert resumed.status is SubscriptionStatus.ACTIVE and resumed.next_charge_on is not None
    page = page_of(client, subscription)
    assert "The subscription is billed again." in page
    history = page.split('id="history-heading"', 1)[1]
    assert history.index("Resumed") < history.index("Paused")  # newest first


def test_pause_indefinitely_and_bad_dates_are_refused(
    client: FlaskClient, app: Flask, subscription: Subscription
) -> None:
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    for bad, says in (("tomorrow", "Enter a date like 2026-12-31."), (yesterday, "")):
        refused = act(client, subscription, "pause", until=bad)
        assert refused.status_code == 422
        assert says in refused.get_data(as_text=True)
        assert f'value="{bad}"' in refused.get_data(as_text=True)  # what was typed is kept
        assert the_subscription(app).status is SubscriptionStatus.ACTIVE
    assert act(client, subscription, "pause", until="").status_code == 302
    paused = the_subscription(app)
    assert paused.status is SubscriptionStatus.PAUSED and paused.paused_until is None
    again = act(client, subscription, "pause", until="")
    assert again.status_code == 422  # paused already: refused, said on the page


def test_cancel_at_period_end_then_now(
    client: FlaskClient, app: Flask, subscription: Subscription
) -> None:
    later = act(client, subscription, "cancel", when="period_end", reason="Moving abroad")
    assert later.status_code == 302
    scheduled = the_subscription(app)
    assert scheduled.cancel_at_period_end and scheduled.status is SubscriptionStatus.ACTIVE
    assert "ends with the period paid for" in page_of(client, subscription)

    assert act(client, subscription, "cancel", when="now").status_code == 302
    ended = the_subscription(app)
    assert ended.status is SubscriptionStatus.CANCELED and ended.next_charge_on is None
    page = page_of(client, subscription)
    assert "The subscription is canceled." in page and "Cancel the subscription" not in page
    assert act(client, subscription, "cancel", when="now").status_code == 422
    assert act(client, subscription, "resume").status_code == 422


def test_a_bad_choice_or_filter_is_refused_in_words(
    client: FlaskClient, app: Flask, subscription: Subscription
) -> None:
    refused = act(client, subscription, "cancel", when="yesterday")
    assert refused.status_code == 422
    assert "Choose one of the options." in refused.get_data(as_text=True)
    assert the_subscription(app).status is SubscriptionStatus.ACTIVE
    listed = client.get("/panel/subscriptions/?status=bogus")
    assert listed.status_code == 422
    assert "Choose one of the options." in listed.get_data(as_text=True)
    too_long = client.get("/panel/subscriptions/", query_string={"q": "x" * 101})
    assert too_long.status_code == 422


def test_another_merchant_sees_and_changes_nothing(app: Flask, subscription: Subscription) -> None:
    other = app.test_client()
    sign_up(other, email="other@example.com", business_name="Other AB")
    assert other.get(f"/panel/subscriptions/{subscription.id}").status_code == 404
    listed = other.get("/panel/subscriptions/").get_data(as_text=True)
    assert f"/panel/subscriptions/{subscription.id}" not in listed
    assert BUYER not in other.get("/panel/subscriptions/export.csv").get_data(as_text=True)
    for action, data in (("pause", {"until": ""}), ("resume", {}), ("cancel", {"when": "now"})):
        token_page = other.get("/panel/customers/new").get_data(as_text=True)
        posted = other.post(
            f"/panel/subscriptions/{subscription.id}/{action}",
            data={"csrf_token": csrf_token_from(token_page), **data},
        )
        assert posted.status_code == 404
    assert the_subscription(app).status is SubscriptionStatus.ACTIVE


ADDRESS = {"billing_line1": "Storgatan 1", "billing_line2": "", "billing_postal_code": "111 22",
           "billing_city": "Stockholm", "billing_state": "", "billing_country": "SE"}  # fmt: skip


def charge_in(app: Flask, subscription: Subscription, days: int) -> None:
    """The next charge ``days`` from today (as the billing run will have moved it)."""
    with app.app_context():
        db.session.execute(
            update(Subscription)
            .where(Subscription.id == subscription.id)
            .values(next_charge_on=date.today() + timedelta(days=days))
        )
        db.session.commit()


def test_the_billing_address_is_edited_but_not_within_2_days_of_a_charge_unless_told(
    client: FlaskClient, app: Flask, subscription: Subscription
) -> None:
    page = f"/panel/subscriptions/{subscription.id}/billing-address"
    charge_in(app, subscription, 20)
    saved = post_form(client, page, page, ADDRESS)
    assert saved.status_code == 302
    assert the_subscription(app).billing_address["city"] == "Stockholm"
    assert "The billing address is saved." in page_of(client, subscription)

    charge_in(app, subscription, 1)
    moved = {**ADDRESS, "billing_city": "Uppsala"}
    refused = post_form(client, page, page, moved)
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "The next charge is less than 2 days away." in body and 'value="Uppsala"' in body
    assert the_subscription(app).billing_address["city"] == "Stockholm"

    overridden = post_form(client, page, page, {**moved, "override": "y"})
    assert overridden.status_code == 302
    assert the_subscription(app).billing_address["city"] == "Uppsala"
    history = page_of(client, subscription).split('id="history-heading"', 1)[1]
    assert history.count("Billing address changed") == 2


def test_an_ended_subscription_is_not_edited(
    client: FlaskClient, app: Flask, subscription: Subscription
) -> None:
    assert act(client, subscription, "cancel", when="now").status_code == 302
    page = f"/panel/subscriptions/{subscription.id}/billing-address"
    refused = post_form(client, page, page, ADDRESS)
    assert refused.status_code == 422
    assert "This subscription has ended" in refused.get_data(as_text=True)
    assert "Change the billing address" not in page_of(client, subscription)
