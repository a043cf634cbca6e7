"""The panel's first page, which gathers from several features; so it sits above them, and the
merchants package (below every feature) stays free of them."""

from flask import Blueprint

blueprint = Blueprint("dashboard", __name__)

from app.dashboard import routes  # noqa: E402,F401  (routes attach to the blueprint)

__all__ = ["blueprint"]
