"""Quotes: proposals addressed to one customer, sent with a link and a PDF, accepted by a click
or a typed signature (optionally countersigned), paid in full, by a deposit or on a schedule
whose later parts charge the method saved at acceptance, and converted into invoices. The
panel's pages are ``quotes``; the customer's address ``/q/<token>`` is ``quote_buyers``."""

from flask import Blueprint

blueprint = Blueprint("quotes", __name__, url_prefix="/panel/quotes")
buyer_blueprint = Blueprint("quote_buyers", __name__, url_prefix="/q")

__all__ = ["blueprint", "buyer_blueprint"]

# The panel's and the customer's routes attach to the blueprints; the quote's document
# registers with the checkout; a customer's page lists their quotes (and their export and
# erasure include what quotes keep of them); the emails and the periodic task; method_setup
# handles the SetupIntents that save a method with nothing due.
from app.quotes import (  # noqa: E402, F401
    buyer_routes,
    customer_data,
    customer_section,
    delivery,
    document,
    merchant_routes,
    method_setup,
    tasks,
)
