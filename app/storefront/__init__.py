"""The storefront: Settings → Storefront in the panel (``storefront``) and the public shop
with its cart at ``/s/<slug>`` (``shop``); a cart's checkout is its document (``document``)."""

from flask import Blueprint

blueprint = Blueprint("storefront", __name__, url_prefix="/panel/settings/storefront")
shop_blueprint = Blueprint("shop", __name__, url_prefix="/s")

# Routes attach to the blueprints; the cart's document registers with the checkout.
from app.storefront import buyer_routes, document, merchant_routes  # noqa: E402,F401

__all__ = ["blueprint", "shop_blueprint"]
