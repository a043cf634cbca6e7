"""Payments: records of PaymentIntents and their events, webhooks, reconciliation, receipts.

service.py is the only code that changes a payment (``record_intent`` is the one recording
path); webhooks.py verifies, stores and dispatches Stripe's events; tasks.py reconciles.
"""

from flask import Blueprint

blueprint = Blueprint("payments", __name__)

from app.payments import routes  # noqa: E402,F401  (routes attach to the blueprint)

__all__ = ["blueprint"]
