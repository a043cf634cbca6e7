"""The merchant's subscription pages: the list (filters, search, pages), its CSV export, a
subscription's page, and pause, resume and cancel. The changes are the service's
(``service.pause``, ``resume``, ``cancel_now``, ``cancel_at_period_end``); the edits are
``management``'s (billing address, contact, next charge date) and ``changes``' (lines)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response as FlaskResponse
from flask import redirect, request, stream_with_context, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.core.clock import utcnow
from app.core.money import format_money
from app.core.numbers import page_number
from app.data.clock import scheduler_today
from app.extensions import db
from app.merchants.auth import current_merchant, login_required, signed_in_user
from app.merchants.scoping import get_owned_or_404
from app.portal import service as portal
from app.reports.exports import csv_chunks, export_format
from app.subscriptions import blueprint, changes, listing, management, service
from app.subscriptions.labels import (
    PERIOD_LABELS,
    STATUS_LABELS,
    cancel_reason_label,
    event_label,
    event_summary,
)
from app.subscriptions.models import ChangeChargeStatus, Subscription
from app.subscriptions.panel_forms import (
    ActionForm,
    AddLineForm,
    BillingAddressForm,
    CancelForm,
    ContactForm,
    EditRules,
    LineQuantityForm,
    NextChargeForm,
    PauseForm,
    RemoveLineForm,
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
        "event_summary": event_summary,
        "cancel_reason_label": cancel_reason_label,
        "pause_form": forms.get("pause_form") or PauseForm(formdata=None),
        "resume_form": forms.get("resume_form") or ActionForm(formdata=None),
        "cancel_form": forms.get("cancel_form") or CancelForm(formdata=None),
        "link_form": forms.get("link_form") or ActionForm(formdata=None),
        "method_form": forms.get("method_form") or ActionForm(formdata=None),
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


@blueprint.post("/<int:subscription_id>/ask-for-method")
@login_required
def ask_for_method(subscription_id: int) -> Response:
    """Ask the customer for a new payment method: the portal link, whose page of the
    subscription sets one (a SetupIntent); the log says who asked."""
    found = get_owned_or_404(Subscription, subscription_id)
    form = ActionForm()
    return submit_form(
        form,
        lambda: management.ask_for_method(
            db.session, current_merchant(), found, user_id=signed_in_user().id
        ),
        message=lambda to: _("%(email)s was sent a link to set a new payment method.", email=to),
        on_success=_back(found),
        template="subscriptions/detail.html",
        context=lambda: _page(found, method_form=form),
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


@blueprint.route("/<int:subscription_id>/contact", methods=["GET", "POST"])
@login_required
def contact(subscription_id: int) -> Response:
    found = get_owned_or_404(Subscription, subscription_id)
    form = ContactForm()
    if not form.is_submitted():
        form.name.data, form.email.data = found.customer.name, found.customer.email
    return submit_form(
        form,
        lambda: management.update_contact(
            db.session, found, name=form.name.data or "", email=form.email.data or "",
            today=scheduler_today(db.session), override=bool(form.override.data),
            user_id=signed_in_user().id,
        ),
        message=_("The contact is saved."),
        on_success=_back(found),
        template="subscriptions/contact.html",
        context=lambda: {"subscription": found, "form": form},
    )  # fmt: skip


@blueprint.route("/<int:subscription_id>/next-charge", methods=["GET", "POST"])
@login_required
def next_charge(subscription_id: int) -> Response:
    found = get_owned_or_404(Subscription, subscription_id)
    form = NextChargeForm()
    if not form.is_submitted():
        form.on.data = found.next_charge_on
    return submit_form(
        form,
        lambda: management.move_next_charge(
            db.session, found, form.on.data or found.anchor_on,
            today=scheduler_today(db.session), override=bool(form.override.data),
            user_id=signed_in_user().id,
        ),
        message=_("The next charge is moved."),
        on_success=_back(found),
        template="subscriptions/next_charge.html",
        context=lambda: {"subscription": found, "form": form},
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# The lines


def _with_choices(found: Subscription, form: Any) -> Any:
    """``form`` with the subscription's lines (by place) or products to choose from."""
    if hasattr(form, "line"):
        form.line.choices = [
            (str(position), _("%(line)s, quantity %(n)d", line=line.description, n=line.quantity))
            for position, line in enumerate(found.lines)
        ]
    if hasattr(form, "product"):
        locale = str(get_locale())
        form.product.choices = [("", _("Choose a product"))] + [
            (str(product.id), f"{product.name}, {format_money(price, locale)}")
            for product, price in changes.fitting_products(db.session, found)
        ]
    return _own_ids(form)


def _shown(found: Subscription, form: Any) -> Any:
    """A lines form as the page shows it (not posted): with the change counter of now."""
    form.version.data = str(found.change_count)
    return _with_choices(found, form)


LINE_FORM_IDS = {LineQuantityForm: "change", RemoveLineForm: "remove", AddLineForm: "add"}


def _own_ids(form: Any) -> Any:
    """The three line forms share a page and field names: each field's id (and its label's
    ``for``) gets the form's word in front, so no two ids on the page are the same."""
    word = LINE_FORM_IDS[type(form)]
    for each in form:
        each.id = f"{word}-{each.name}"
        each.label.field_id = each.id
    return form


def _lines_page(found: Subscription, **forms: Any) -> dict[str, Any]:
    return {
        "subscription": found,
        "quantity_form": forms.get("quantity_form")
        or _shown(found, LineQuantityForm(formdata=None)),
        "remove_form": forms.get("remove_form") or _shown(found, RemoveLineForm(formdata=None)),
        "add_form": forms.get("add_form") or _shown(found, AddLineForm(formdata=None)),
    }


@blueprint.get("/<int:subscription_id>/lines")
@login_required
def lines(subscription_id: int) -> Response:
    return render(
        "subscriptions/lines.html", **_lines_page(get_owned_or_404(Subscription, subscription_id))
    )


def _change_lines(
    found: Subscription, form: Any, name: str, new_lines: Callable[[], list[service.LineSpec]]
) -> Response:
    rules: EditRules = form
    return submit_form(
        form,
        lambda: changes.change_lines(
            db.session, found, new_lines(), seen_change=rules.seen_change(),
            prorate=rules.prorated, today=scheduler_today(db.session),
            override=bool(form.override.data), user_id=signed_in_user().id,
        ),
        message=lambda outcome: _changed_message(found, outcome),
        on_success=_back(found),
        template="subscriptions/lines.html",
        context=lambda: _lines_page(found, **{name: form}),
    )  # fmt: skip


def _changed_message(found: Subscription, outcome: changes.ChangeOutcome) -> str:
    locale = str(get_locale())
    status = outcome.charge_status
    if status is ChangeChargeStatus.FAILED:
        return _(
            "The lines are changed, but the difference could not be charged: invoice "
            "%(number)s is open for the customer to pay.",
            number=outcome.invoice_number,
        )
    if status is ChangeChargeStatus.CHARGING:
        return _(
            "The lines are changed; Stripe has not answered yet about the difference (invoice "
            "%(number)s): it is asked again within the hour, never charged twice.",
            number=outcome.invoice_number,
        )
    if status is ChangeChargeStatus.CHARGED:
        return _(
            "The lines are changed and the difference was charged: invoice %(number)s.",
            number=outcome.invoice_number,
        )
    if outcome.carried:
        carried = format_money(found.money(abs(outcome.carried)), locale)
        if outcome.carried < 0:
            return _(
                "The lines are changed; %(amount)s is credited on the next invoice.", amount=carried
            )
        return _("The lines are changed; %(amount)s is added to the next invoice.", amount=carried)
    return _("The lines are changed; the next invoice has them.")


@blueprint.post("/<int:subscription_id>/lines/quantity")
@login_required
def change_quantity(subscription_id: int) -> Response:
    found = get_owned_or_404(Subscription, subscription_id)
    form = _with_choices(found, LineQuantityForm())
    return _change_lines(
        found, form, "quantity_form",
        lambda: changes.with_quantity(found, int(form.line.data), form.quantity.value or 0),
    )  # fmt: skip


@blueprint.post("/<int:subscription_id>/lines/remove")
@login_required
def remove_line(subscription_id: int) -> Response:
    found = get_owned_or_404(Subscription, subscription_id)
    form = _with_choices(found, RemoveLineForm())
    return _change_lines(
        found, form, "remove_form", lambda: changes.without_line(found, int(form.line.data))
    )


@blueprint.post("/<int:subscription_id>/lines/add")
@login_required
def add_line(subscription_id: int) -> Response:
    found = get_owned_or_404(Subscription, subscription_id)
    form = _with_choices(found, AddLineForm())
    return _change_lines(
        found, form, "add_form",
        lambda: changes.with_product(
            db.session, found, int(form.product.data), form.quantity.value or 0
        ),
    )  # fmt: skip
