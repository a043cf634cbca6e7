"""The subscriptions' pages of the merchant panel: the billing settings (dunning plans,
reminders and notices). The list and the subscription's page come with the merchant pages."""

from __future__ import annotations

from flask import redirect, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.extensions import db
from app.merchants.auth import current_merchant, login_required
from app.subscriptions import blueprint, service
from app.subscriptions.forms import BillingSettingsForm
from app.subscriptions.models import AfterLastTry
from app.web.form_views import submit_form


def _settings_form() -> BillingSettingsForm:
    settings = service.billing_settings(db.session, current_merchant().id)
    form = BillingSettingsForm()
    if not form.is_submitted():
        form.card_retry_days.data = ", ".join(str(day) for day in settings.card_retry_days)
        form.retry_bank_debits.data = settings.retry_bank_debits
        form.after_last_try.data = AfterLastTry(settings.after_last_try).value
        for interval in ("week", "month", "quarter", "year"):
            days = (settings.reminder_days or {}).get(interval, 0)
            form[f"reminder_{interval}"].data = str(days)
        form.customers_may_cancel.data = settings.customers_may_cancel
        form.customers_may_pause.data = settings.customers_may_pause
    return form


@blueprint.route("/settings", methods=["GET", "POST"])
@login_required
def billing_settings() -> Response:
    form = _settings_form()
    return submit_form(
        form,
        lambda: service.save_billing_settings(
            db.session,
            current_merchant().id,
            service.BillingSettingsInput(
                card_retry_days=form.retry_days,
                retry_bank_debits=bool(form.retry_bank_debits.data),
                after_last_try=AfterLastTry(form.after_last_try.data),
                reminder_days=form.reminders(),
                customers_may_cancel=bool(form.customers_may_cancel.data),
                customers_may_pause=bool(form.customers_may_pause.data),
            ),
        ),
        message=_("Billing settings saved."),
        on_success=lambda _saved: redirect(url_for("subscriptions.billing_settings")),
        template="subscriptions/settings.html",
        context=lambda: {"form": form},
    )
