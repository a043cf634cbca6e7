"""Merchant accounts, staff users, login, tenant scoping and the panel shell."""

from flask import Blueprint

blueprint = Blueprint("merchants", __name__)

from app.merchants import auth_routes, panel_routes  # noqa: E402,F401  (routes attach to the blueprint)

__all__ = ["blueprint"]
