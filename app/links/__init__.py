"""Payment links: a shareable page that sells fixed lines at a public address."""

from flask import Blueprint

blueprint = Blueprint("links", __name__, url_prefix="/panel/links")

from app.links import merchant_routes  # noqa: E402,F401  (routes attach to the blueprint)

__all__ = ["blueprint"]
