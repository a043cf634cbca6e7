"""The exports' panel pages: the CSV format, the three exports, a background export's progress
and its download."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, send_file, stream_with_context, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.core.clock import utcnow
from app.extensions import db
from app.merchants.auth import current_merchant, login_required, signed_in_user
from app.merchants.scoping import get_owned_or_404
from app.payments.queries import PaymentFilters
from app.reports import blueprint, jobs, tasks
from app.reports.exports import CsvFormat, export_format, export_pieces, save_export_format
from app.reports.forms import ExportForm, ExportFormatForm
from app.reports.models import ExportJob, ExportKind, ExportStatus
from app.settings.service import account_currencies
from app.web.form_views import submit_form
from app.web.rendering import go_to, render


def _export_form() -> ExportForm:
    return ExportForm(currencies=account_currencies(db.session, current_merchant()))


def _format_form() -> ExportFormatForm:
    chosen = export_format(db.session, current_merchant())
    return ExportFormatForm(delimiter=chosen.delimiter,
                            decimal_mark="," if chosen.decimal_comma else ".")  # fmt: skip


def _page(
    format_form: ExportFormatForm | None = None, export_form: ExportForm | None = None
) -> dict[str, Any]:
    """The exports page, with the form posted (with its errors) and a blank other."""
    return {
        "format_form": format_form or _format_form(),
        "export_form": export_form or _export_form(),
        "jobs": jobs.recent_jobs(db.session, current_merchant().id),
        "background_above": jobs.BACKGROUND_ABOVE,
    }


@blueprint.get("/exports")
@login_required
def exports() -> Response:
    return render("reports/exports.html", **_page())


@blueprint.post("/exports/format")
@login_required
def export_format_settings() -> Response:
    form = ExportFormatForm()
    chosen = lambda: CsvFormat(form.delimiter.data, form.decimal_mark.data == ",")  # noqa: E731
    return submit_form(
        form,
        lambda: save_export_format(db.session, current_merchant(), chosen()),
        message=_("Export format saved."),
        on_success=lambda _saved: redirect(url_for("reports.exports")),
        template="reports/exports.html",
        context=lambda: _page(format_form=form),
    )


def _download(kind: ExportKind, filters: PaymentFilters) -> Response:
    """The CSV streamed as it is written: from a server-side cursor, or PostgreSQL's COPY."""
    merchant = current_merchant()
    fmt = export_format(db.session, merchant)
    pieces = export_pieces(db.session, kind, merchant.id, filters, fmt)
    response = Response(stream_with_context(piece.text for piece in pieces), mimetype="text/csv")
    name = f"{kind.value}-{utcnow().date().isoformat()}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blueprint.post("/exports")
@login_required
def start_export() -> Response:
    form = _export_form()

    def start() -> jobs.StartedExport:
        merchant, user, kind = current_merchant(), signed_in_user(), ExportKind(form.kind.data)
        return jobs.start_export(
            db.session, merchant, user, kind, form.filters(), str(get_locale())
        )

    def answer(started: jobs.StartedExport) -> Response:
        if started.job is None:
            return _download(ExportKind(form.kind.data), form.filters())
        tasks.run_export(started.job.id)  # queued now the job is committed (inline in tests)
        return go_to(url_for("reports.export_job", job_id=started.job.id))

    return submit_form(form, start, on_success=answer, template="reports/exports.html",
                       context=lambda: _page(export_form=form))  # fmt: skip


@blueprint.get("/exports/jobs/<int:job_id>")
@login_required
def export_job(job_id: int) -> Response:
    job = get_owned_or_404(ExportJob, job_id)
    ready = jobs.is_downloadable(job, utcnow())
    token = jobs.download_token(job) if ready else None
    return render("reports/export_job.html", "reports/_export_job.html", job=job, token=token,
                  running=job.status in (ExportStatus.QUEUED, ExportStatus.RUNNING))  # fmt: skip


@blueprint.get("/exports/download/<token>")
@login_required
def download_export(token: str) -> Response:
    job = jobs.job_for_token(db.session, token, current_merchant().id)
    if job is None:
        abort(404)
    if not jobs.is_downloadable(job, utcnow()):
        return render("reports/export_expired.html", status=410, job=job)
    name = f"{job.kind.value}-{job.created_at.date().isoformat()}.csv"
    response = send_file(jobs.exports_folder() / job.file_name, mimetype="text/csv",
                         as_attachment=True, download_name=name)  # fmt: skip
    response.headers["Cache-Control"] = "private, no-store"
    return response
