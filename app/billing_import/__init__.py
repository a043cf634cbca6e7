"""Moving subscriptions over from Stripe Billing (Settings → Import from Stripe, panel pages
under ``/panel/settings/import-from-stripe``).

eligibility.py decides (pure) which Stripe subscriptions can move and why not; service.py
runs a dry run or an import as a background job (tasks.py) with its progress, moving each
eligible one once; routes.py shows the runs, their progress and their summaries.
"""

from flask import Blueprint

blueprint = Blueprint("billing_import", __name__, url_prefix="/panel/settings/import-from-stripe")

from app.billing_import import routes  # noqa: E402, F401  (registers the routes)

__all__ = ["blueprint"]
