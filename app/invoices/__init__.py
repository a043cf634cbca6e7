"""Invoices: numbered documents addressed to one customer, paid in full or in parts through the
shared checkout, voided with a credit note, delivered by email with their PDF and reminded.
The panel's pages are ``invoices``; the customer's address ``/i/<token>`` is
``invoice_buyers``."""

from flask import Blueprint

blueprint = Blueprint("invoices", __name__, url_prefix="/panel/invoices")
buyer_blueprint = Blueprint("invoice_buyers", __name__, url_prefix="/i")

__all__ = ["blueprint", "buyer_blueprint"]

# The panel's and the customer's routes attach to the blueprints; the invoice's document
# registers with the checkout.
from app.invoices import buyer_routes, document, merchant_routes  # noqa: E402, F401
