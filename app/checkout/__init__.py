"""The buyer checkout every document shares: session, summary, details (pay and return next)."""

from flask import Blueprint

blueprint = Blueprint("checkout", __name__)

from app.checkout import buyer_routes  # noqa: E402,F401  (routes attach to the blueprint)

__all__ = ["blueprint"]
