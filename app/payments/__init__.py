"""Payments: records of PaymentIntents and their events, webhooks, reconciliation, receipts.

service.py is the only code that changes a payment (``record_intent`` is the one recording
path); webhooks.py verifies, stores and dispatches Stripe's events; tasks.py reconciles.
"""

from flask import Blueprint

blueprint = Blueprint("payments", __name__)

# Routes attach to the blueprint; customer_data registers with the customers package.
from app.payments import customer_data, routes  # noqa: E402,F401

__all__ = ["blueprint"]
