"""A subscription made straight through the subscription service (no checkout, no money),
for tests of the pages around it: the panel's, the portal's, the tenant and bad-input walks."""

from __future__ import annotations

from datetime import date

from flask import Flask

from app.customers.models import Customer
from app.extensions import db
from app.merchants.models import Merchant
from app.subscriptions.models import SubscriptionSource
from app.subscriptions.service import LineSpec, NewSubscription, start_subscription
from tests.support.invoices import add_customer


def started_subscription(app: Flask, merchant_email: str = "owner@example.com") -> int:
    """A monthly EUR 20 subscription of a new customer (grace@example.com) of the merchant of
    ``merchant_email``, its first charge today: its id."""
    customer_id = add_customer(app, merchant_email)
    with app.app_context():
        customer = db.session.get_one(Customer, customer_id)
        spec = NewSubscription(
            customer=customer, source=SubscriptionSource.CHECKOUT,
            source_reference=f"chk_{customer_id}", currency="EUR", interval="month",
            interval_count=1, anchor_on=date.today(), lines=(LineSpec("Coffee club", 1, 2000),),
            period_amount=2000,
        )  # fmt: skip
        merchant = db.session.get_one(Merchant, customer.merchant_id)
        started = start_subscription(db.session, merchant, spec)
        assert started is not None
        db.session.commit()
        return started.id
