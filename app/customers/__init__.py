"""Customers: the people and companies a merchant bills (invoices, quotes, subscriptions), found
or created by email when a buyer pays any document, with their own page, search, export and
erasure. The panel's pages are ``customers``."""

from flask import Blueprint

blueprint = Blueprint("customers", __name__, url_prefix="/panel/customers")

from app.customers import routes  # noqa: E402, F401  (registers the routes)

__all__ = ["blueprint"]
