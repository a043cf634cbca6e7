"""The customer portal: a customer opens it from an emailed one-time link (15 minutes, single
use; no account or password) and sees their subscriptions, with the changes the merchant
allows (cancel at the period's end, pause)."""

from flask import Blueprint

blueprint = Blueprint("portal", __name__, url_prefix="/portal")

__all__ = ["blueprint"]

from app.portal import routes  # noqa: E402, F401
