"""The storefront: Settings → Storefront in the panel (``storefront``) and the public shop
with its cart at ``/s/<slug>`` (``shop``)."""

from flask import Blueprint

blueprint = Blueprint("storefront", __name__, url_prefix="/panel/settings/storefront")
shop_blueprint = Blueprint("shop", __name__, url_prefix="/s")

from app.storefront import buyer_routes, merchant_routes  # noqa: E402,F401  (routes attach)

__all__ = ["blueprint", "shop_blueprint"]
