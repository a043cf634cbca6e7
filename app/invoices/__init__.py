"""Invoices: numbered documents addressed to one customer, paid in full or in parts through the
shared checkout, voided with a credit note, delivered by email with their PDF and reminded.
The panel's pages are ``invoices``; the customer's address ``/i/<token>`` is
``invoice_buyers``."""

from flask import Blueprint

blueprint = Blueprint("invoices", __name__, url_prefix="/panel/invoices")
buyer_blueprint = Blueprint("invoice_buyers", __name__, url_prefix="/i")

__all__ = ["blueprint", "buyer_blueprint"]

# The panel's and the customer's routes attach to the blueprints; the invoice's document
# registers with the checkout; a customer's page lists their invoices (and their export and
# erasure include the invoices' emails); the PDF downloads, the
# emails and their tasks.
from app.invoices import (  # noqa: E402, F401
    buyer_routes,
    customer_data,
    customer_section,
    delivery_routes,
    document,
    merchant_routes,
    pdf_routes,
    tasks,
)
