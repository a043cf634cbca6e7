"""Subscriptions billed by Kassa: started by a checkout with recurring lines (or a paid
quote's recurring lines), charged off-session every period by the billing run, with dunning
by method and decline reason, notices before each charge, pause, resume and cancellation.
The panel's pages are ``subscriptions`` (the billing settings here)."""

from flask import Blueprint

blueprint = Blueprint("subscriptions", __name__, url_prefix="/panel/subscriptions")

__all__ = ["blueprint"]

# The checkout's later charges start subscriptions; the billing run and its emails; the
# revenue report's figures; the merchant's billing settings; the list, a subscription's page and
# its actions (``panel_routes``); a new method saved by SetupIntent (``method_setup``); what a
# customer's export and erasure include of their subscriptions.
from app.subscriptions import (  # noqa: E402, F401
    billing,
    customer_data,
    delivery,
    figures,
    merchant_routes,
    method_setup,
    panel_routes,
    starting,
    tasks,
)
