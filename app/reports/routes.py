"""The reports' panel pages."""

from __future__ import annotations

from typing import Any

from flask import request
from werkzeug.wrappers import Response

from app.core.clock import utcnow
from app.extensions import db
from app.merchants.auth import current_merchant, login_required
from app.reports import blueprint, service
from app.reports.forms import RevenueReportForm
from app.reports.labels import EXPORT_NAMES, EXPORT_STATUS_NAMES, document_name
from app.reports.views import period_label, revenue_chart
from app.web.rendering import render


@blueprint.get("/")
@login_required
def revenue() -> Response:
    form = RevenueReportForm(request.args)
    form.fill_defaults(utcnow().date())
    valid = form.validate()
    report = None
    if valid:
        report = service.revenue_report(
            db.session, current_merchant().id, form.first, form.last, form.granularity
        )
    return render("reports/revenue.html", status=200 if valid else 422, form=form, report=report)


@blueprint.context_processor
def report_words() -> dict[str, Any]:
    """What the reports' templates call to name periods, methods and documents."""
    return {
        "period_label": period_label,
        "revenue_chart": revenue_chart,
        "document_name": document_name,
        "export_names": EXPORT_NAMES,
        "export_status_names": EXPORT_STATUS_NAMES,
    }
