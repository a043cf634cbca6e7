"""Reports and exports: the revenue report and the CSV exports for accounting (panel pages
under ``/panel/reports/``).

service.py adds up payments (one grouped query per report); views.py names periods and lays out
the charts; charts.py is the charts' pure geometry; subscriptions.py is where subscription
figures will join; exports.py writes the CSV files, jobs.py runs the large ones in the
background (tasks.py) and hands out their expiring links.
"""

from flask import Blueprint

blueprint = Blueprint("reports", __name__, url_prefix="/panel/reports")

from app.reports import export_routes, routes  # noqa: E402, F401  (registers the routes)

__all__ = ["blueprint"]
