"""Settings → Import from Stripe: start a dry run or an import, follow its progress, read its
summary and every subscription's result."""

from __future__ import annotations

from typing import Any

from flask import url_for
from werkzeug.wrappers import Response

from app.billing_import import blueprint, service, tasks
from app.billing_import.eligibility import refusal_text
from app.billing_import.forms import RUN_KIND_NAMES, StartRunForm
from app.billing_import.labels import OUTCOME_NAMES, interval_text
from app.billing_import.models import BillingImportRun, Outcome, RunKind
from app.extensions import db
from app.merchants.auth import current_merchant, login_required, signed_in_user
from app.merchants.scoping import get_owned_or_404
from app.processors.connection import current_connection
from app.web.form_views import submit_form
from app.web.rendering import go_to, render


def _page(form: StartRunForm | None = None) -> dict[str, Any]:
    merchant = current_merchant()
    return {
        "form": form or StartRunForm(),
        "runs": service.recent_runs(db.session, merchant.id),
        "connected": current_connection(db.session, merchant.id) is not None,
        "kind_names": RUN_KIND_NAMES,
    }


@blueprint.get("/")
@login_required
def index() -> Response:
    return render("billing_import/index.html", **_page())


@blueprint.post("/")
@login_required
def start() -> Response:
    form = StartRunForm()

    def queue() -> BillingImportRun:
        kind, charges = RunKind(form.kind.data), bool(form.import_charges.data)
        return service.start_run(
            db.session, current_merchant(), kind, signed_in_user().id, import_charges=charges
        )

    def answer(run: BillingImportRun) -> Response:
        tasks.run_billing_import(run.id)  # queued now the run is committed (inline in tests)
        return go_to(url_for("billing_import.run", run_id=run.id))

    return submit_form(form, queue, on_success=answer, template="billing_import/index.html",
                       context=lambda: _page(form))  # fmt: skip


@blueprint.get("/runs/<int:run_id>")
@login_required
def run(run_id: int) -> Response:
    found = get_owned_or_404(BillingImportRun, run_id)
    return render("billing_import/run.html", "billing_import/_run.html", run=found,
                  summary=service.summary(found), kind_names=RUN_KIND_NAMES, outcomes=Outcome,
                  outcome_names=OUTCOME_NAMES, refusal_text=refusal_text,
                  interval_text=interval_text)  # fmt: skip
