"""The buyer checkout every document shares: session, summary, details (pay and return next)."""

from flask import Blueprint

blueprint = Blueprint("checkout", __name__)

# Routes attach to the blueprint; confirmation registers the recording path's checkout hooks,
# customer_data what a customer's export and erasure cover of their checkouts.
from app.checkout import buyer_routes, confirmation, customer_data  # noqa: E402,F401

__all__ = ["blueprint"]
