"""Payment links: a shareable page that sells fixed lines at a public address: the panel's
pages (``links``), the buyers' address ``/l/<slug>`` (``link_buyers``) and the link as the
checkout sells it (``document``)."""

from flask import Blueprint

blueprint = Blueprint("links", __name__, url_prefix="/panel/links")
buyer_blueprint = Blueprint("link_buyers", __name__, url_prefix="/l")

# Routes attach to the blueprints; the link's document registers with the checkout.
from app.links import buyer_routes, document, merchant_routes  # noqa: E402,F401

__all__ = ["blueprint", "buyer_blueprint"]
