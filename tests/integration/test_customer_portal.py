"""The customer portal: the merchant emails a one-time link (15 minutes, single use); the
customer opens it with a button (a mail scanner fetching the address does not use it up) and
sees their subscription; they cancel it at the period's end when the merchant allows it, and
may not pause it unless the merchant allows that. A used or expired link, or a browser
without the visit, gets nothing; a visit reaches only its own customer's subscriptions."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from app.extensions import db
from app.invoices.models import Invoice
from app.portal.models import PortalLink
from app.subscriptions.models import Subscription, SubscriptionStatus
from tests.conftest import csrf_token_from
from tests.integration.test_subscription_pages import act
from tests.support.accounts import emailed_link
from tests.support.invoice_buyers import invoicing_merchant
from tests.support.mailbox import Mailbox
from tests.support.schedules import advance_clock
from tests.support.stripe_sandbox import StripeSandbox
from tests.support.subscriptions import (
    BUYER,
    add_link,
    add_product,
    run_billing_task,
    subscribe,
    the_subscription,
)


@pytest.fixture
def subscription(client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox) -> Subscription:
    account, _merchant = invoicing_merchant(client, app, stripe_sandbox)
    slug = add_link(client, app, add_product(client))
    _buyer, _page, body = subscribe(app, stripe_sandbox, account, slug)
    assert "Thank you, your payment went through" in body, body
    return the_subscription(app)


def emailed_portal_link(client: FlaskClient, subscription: Subscription) -> str:
    """The merchant presses "Email the customer a link"; the path the customer gets."""
    sent = act(client, subscription, "portal-link")
    assert sent.status_code == 302, sent.get_data(as_text=True)
    return urlsplit(emailed_link(BUYER, path="/portal/open/")).path


def open_portal(browser: FlaskClient, path: str):  # type: ignore[no-untyped-def]
    page = browser.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    return browser.post(path, data={"csrf_token": csrf_token_from(page.get_data(as_text=True))})


def test_the_link_opens_the_portal_once(
    client: FlaskClient, app: Flask, subscription: Subscription, mailbox: Mailbox
) -> None:
    path = emailed_portal_link(client, subscription)
    customer = app.test_client()
    opened = open_portal(customer, path)
    assert opened.status_code == 302 and opened.headers["Location"].endswith("/portal/")
    portal = customer.get("/portal/").get_data(as_text=True)
    assert "Coffee club" in portal and "€20.00" in portal and "4242" in portal
    assert f'data-testid="portal-status-{subscription.id}">Active' in portal
    assert "No invoices yet." in portal  # the first period was paid at the checkout

    assert customer.get(path).status_code == 410  # used
    another = app.test_client()
    assert another.get(path).status_code == 410
    assert another.get("/portal/").status_code == 410  # no visit in this browser


def test_two_openings_at_once_one_wins(
    client: FlaskClient, app: Flask, subscription: Subscription, mailbox: Mailbox
) -> None:
    path = emailed_portal_link(client, subscription)
    first, second = app.test_client(), app.test_client()
    pages = [b.get(path).get_data(as_text=True) for b in (first, second)]
    answers = [
        b.post(path, data={"csrf_token": csrf_token_from(p)}).status_code
        for b, p in zip((first, second), pages, strict=True)
    ]
    assert sorted(answers) == [302, 410]


def test_an_expired_link_opens_nothing(
    client: FlaskClient, app: Flask, subscription: Subscription, mailbox: Mailbox
) -> None:
    path = emailed_portal_link(client, subscription)
    with app.app_context():  # sent 16 minutes ago
        db.session.execute(
            update(PortalLink).values(expires_at=PortalLink.expires_at - timedelta(minutes=16))
        )
        db.session.commit()
    customer = app.test_client()
    assert customer.get(path).status_code == 410
    token = csrf_token_from(customer.get("/login").get_data(as_text=True))
    assert customer.post(path, data={"csrf_token": token}).status_code == 410
    assert customer.get("/portal/").status_code == 410
    assert app.test_client().get("/portal/open/not-a-token").status_code == 410


def test_cancel_at_period_end_allowed_pause_refused(
    client: FlaskClient, app: Flask, subscription: Subscription, mailbox: Mailbox
) -> None:
    customer = app.test_client()
    open_portal(customer, emailed_portal_link(client, subscription))
    portal = customer.get("/portal/").get_data(as_text=True)
    assert "Pause until I resume it" not in portal  # the merchant does not allow it
    token = csrf_token_from(portal)
    refused = customer.post(f"/portal/subscriptions/{subscription.id}/pause",
                            data={"csrf_token": token})  # fmt: skip
    assert refused.status_code == 422
    assert "Ask the seller to pause this subscription." in refused.get_data(as_text=True)
    assert the_subscription(app).status is SubscriptionStatus.ACTIVE

    canceled = customer.post(
        f"/portal/subscriptions/{subscription.id}/cancel",
        data={"csrf_token": token, "reason": "Too much coffee"},
    )
    assert canceled.status_code == 302
    ended = the_subscription(app)
    assert ended.cancel_at_period_end and ended.canceled_by == "customer"
    assert ended.cancel_reason == "Too much coffee"
    assert "ends with the period paid for" in customer.get("/portal/").get_data(as_text=True)


def test_a_visit_reaches_only_its_customers_subscriptions(
    client: FlaskClient, app: Flask, subscription: Subscription, mailbox: Mailbox
) -> None:
    customer = app.test_client()
    open_portal(customer, emailed_portal_link(client, subscription))
    token = csrf_token_from(customer.get("/portal/").get_data(as_text=True))
    for other_id in (subscription.id + 1, 999_999):
        posted = customer.post(f"/portal/subscriptions/{other_id}/cancel",
                               data={"csrf_token": token})  # fmt: skip
        assert posted.status_code == 404
        for method_path in ("method", "method/return"):
            page = customer.get(f"/portal/subscriptions/{other_id}/{method_path}")
            assert page.status_code == 404


def test_a_customer_without_email_gets_no_link_and_the_merchant_is_told(
    client: FlaskClient, app: Flask, subscription: Subscription, mailbox: Mailbox
) -> None:
    with app.app_context():
        from app.customers.models import Customer

        db.session.execute(update(Customer).values(email=""))
        db.session.commit()
    refused = act(client, subscription, "portal-link")
    assert refused.status_code == 422
    assert "This customer has no email address to send the link to." in refused.get_data(
        as_text=True
    )


def test_the_portal_lists_the_billed_periods_invoices_with_their_pdf(
    client: FlaskClient, app: Flask, subscription: Subscription, mailbox: Mailbox
) -> None:
    advance_clock(app, (subscription.period_start(1) - date.today()).days)
    assert run_billing_task(app).charged  # the second month, charged off-session
    [invoice] = invoices_of(app)
    customer = app.test_client()
    open_portal(customer, emailed_portal_link(client, subscription))
    section = customer.get("/portal/").get_data(as_text=True).split('id="invoices-heading"')[1]
    assert invoice.number and invoice.number in section and "Paid" in section
    pdf = re.search(r'href="(/i/[^"]+/pdf)"', section)
    assert pdf is not None
    assert app.test_client().get(pdf.group(1)).mimetype == "application/pdf"


def invoices_of(app: Flask) -> list[Invoice]:
    with app.app_context():
        rows = list(db.session.scalars(select(Invoice).order_by(Invoice.id)))
        db.session.expunge_all()
        return rows
