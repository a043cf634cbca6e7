"""The product library: products and their prices."""

from flask import Blueprint

blueprint = Blueprint("catalog", __name__, url_prefix="/panel/products")

from app.catalog import routes  # noqa: E402,F401  (routes attach to the blueprint)

__all__ = ["blueprint"]
