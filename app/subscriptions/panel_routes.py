"""The merchant's subscription pages: the list (filters, search, pages), its CSV export, a
subscription's page, and pause, resume and cancel. The changes are the service's
(``service.pause``, ``resume``, ``cancel_now``, ``cancel_at_period_end``)."""

from __future__ import annotations

from typing import Any

from flask import Response as FlaskResponse
from flask import redirect, request, stream_with_context, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.core.clock import utcnow
from app.core.numbers import page_number
from app.data.clock import scheduler_today
from app.extensions import db
from app.merchants.auth import current_merchant, login_required, signed_in_user
from app.merchants.scoping import get_owned_or_404
from app.portal import service as portal
from app.reports.exports import csv_chunks, export_format
from app.subscriptions import blueprint, listing, management, service
from app.subscriptions.labels import PERIOD_LABELS, STATUS_LABELS, event_label
from app.subscriptions.models import Subscription
from app.subscriptions.panel_forms import (
    ActionForm,
    BillingAddressForm,
    CancelForm,
    PauseForm,
    SubscriptionFilterForm,
)
from app.web.form_views import submit_form
from app.web.rendering import render


@blueprint.get("/")
@login_required
def subscriptions() -> Response:
    form = SubscriptionFilterForm(request.args)
    valid = form.validate()
    filters = listing.SubscriptionFilters.from_query(request.args)
    page = page_number(request.args.get("page"))
    found = (
        listing.subscription_page(db.session, current_merchant().id, filters, page)
        if valid
        else None
    )
    return render(
        "subscriptions/list.html", "subscriptions/_results.html", status=200 if valid else 422,
        form=form, filters=filters, results=found, status_labels=STATUS_LABELS,
    )  # fmt: skip


@blueprint.get("/export.csv")
@login_required
def export_subscriptions() -> Response:
    merchant = current_merchant()
    filters = listing.SubscriptionFilters.from_query(request.args)
    fmt = export_format(db.session, merchant)
    rows = listing.export_rows(db.session, merchant.id, filters, fmt)
    chunks = csv_chunks(listing.EXPORT_HEADER, rows, fmt)
    response = FlaskResponse(stream_with_context(chunks), mimetype="text/csv")
    name = f"subscriptions-{utcnow().date().isoformat()}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _page(subscription: Subscription, **forms: Any) -> dict[str, Any]:
    return {
        "subscription": subscription,
        "detail": listing.subscription_detail(db.session, subscription),
        "status_labels": STATUS_LABELS,
        "period_labels": PERIOD_LABELS,
        "event_label": event_label,
        "pause_form": forms.get("pause_form") or PauseForm(formdata=None),
        "resume_form": forms.get("resume_form") or ActionForm(formdata=None),
        "cancel_form": forms.get("cancel_form") or CancelForm(formdata=None),
        "link_form": forms.get("link_form") or ActionForm(formdata=None),
    }


@blueprint.get("/<int:subscription_id>")
@login_required
def subscription(subscription_id: int) -> Response:
    return render(
        "subscriptions/detail.html", **_page(get_owned_or_404(Subscription, subscription_id))
    )


def _back(subscription: Subscription) -> Any:
    return lambda _done: redirect(
        url_for("subscriptions.subscription", subscription_id=subscription.id)
    )


@blueprint.post("/<int:subscription_id>/pause")
@login_required
def pause(subscription_id: int) -> Response:
    found = get_owned_or_404(Subscription, subscription_id)
    form = PauseForm()
    return submit_form(
        form,
        lambda: service.pause(
            db.session,
            found,
            until=form.until.data,
            today=scheduler_today(db.session),
            user_id=signed_in_user().id,
        ),
        message=_("The subscription is paused."),
        on_success=_back(found),
        template="subscriptions/detail.html",
        context=lambda: _page(found, pause_form=form),
    )


@blueprint.post("/<int:subscription_id>/resume")
@login_required
def resume(subscription_id: int) -> Response:
    found = get_owned_or_404(Subscription, subscription_id)
    form = ActionForm()
    return submit_form(
        form,
        lambda: service.resume(
            db.session, found, today=scheduler_today(db.session), user_id=signed_in_user().id
        ),
        message=_("The subscription is billed again."),
        on_success=_back(found),
        template="subscriptions/detail.html",
        context=lambda: _page(found, resume_form=form),
    )


@blueprint.post("/<int:subscription_id>/cancel")
@login_required
def cancel(subscription_id: int) -> Response:
    found = get_owned_or_404(Subscription, subscription_id)
    form = CancelForm()
    now = form.when.data == "now"
    cancel_with = service.cancel_now if now else service.cancel_at_period_end
    return submit_form(
        form,
        lambda: cancel_with(
            db.session, found, reason=form.reason.data or "", user_id=signed_in_user().id
        ),
        message=_("The subscription is canceled.") if now
        else _("The subscription ends with the period paid for."),
        on_success=_back(found),
        template="subscriptions/detail.html",
        context=lambda: _page(found, cancel_form=form),
    )  # fmt: skip


@blueprint.post("/<int:subscription_id>/portal-link")
@login_required
def email_portal_link(subscription_id: int) -> Response:
    """Email the customer a one-time link to their portal, where they see their subscriptions
    and make the changes the merchant allows."""
    found = get_owned_or_404(Subscription, subscription_id)
    form = ActionForm()
    return submit_form(
        form,
        lambda: portal.email_portal_link(db.session, current_merchant(), found.customer),
        message=lambda to: _("A link to their subscriptions was sent to %(email)s.", email=to),
        on_success=_back(found),
        template="subscriptions/detail.html",
        context=lambda: _page(found, link_form=form),
    )


@blueprint.route("/<int:subscription_id>/billing-address", methods=["GET", "POST"])
@login_required
def billing_address(subscription_id: int) -> Response:
    found = get_owned_or_404(Subscription, subscription_id)
    form = BillingAddressForm()
    if not form.is_submitted():
        form.fill(found.billing_address)
    return submit_form(
        form,
        lambda: management.update_billing_address(
            db.session,
            found,
            form.address(),
            today=scheduler_today(db.session),
            override=bool(form.override.data),
            user_id=signed_in_user().id,
        ),
        message=_("The billing address is saved."),
        on_success=_back(found),
        template="subscriptions/billing_address.html",
        context=lambda: {"subscription": found, "form": form},
    )
