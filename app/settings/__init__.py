"""Checkout configuration: currencies, payment methods, addresses, fees, taxes, policies,
branding, custom fields and discounts."""

from flask import Blueprint

blueprint = Blueprint("settings", __name__, url_prefix="/panel/settings")

from app.settings import routes  # noqa: E402,F401  (routes attach to the blueprint)

__all__ = ["blueprint"]
