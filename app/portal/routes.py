"""The portal's pages: the emailed link's page, the portal, and the customer's changes."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from app.checkout.documents import PageLink
from app.checkout.setup import SetupOutcome, confirmable, setup_page
from app.core.clock import utcnow
from app.core.errors import ServiceError
from app.data.clock import scheduler_today
from app.extensions import db, limiter
from app.merchants.models import Merchant
from app.payments.reasons import gateway_failure_message
from app.portal import blueprint, service
from app.portal.forms import AskLinkForm, OpenForm, PortalActionForm, PortalCancelForm
from app.processors.gateway import GatewayError, SetupState
from app.subscriptions import method_setup
from app.subscriptions import service as subscriptions_service
from app.subscriptions.labels import STATUS_LABELS
from app.subscriptions.models import Subscription
from app.web import rate_limits
from app.web.form_views import submit_form
from app.web.rendering import render

VISIT_KEY = "kassa_portal"


def _gone() -> Response:
    return render("portal/gone.html", status=410)


@blueprint.route("/ask/<merchant_id>", methods=["GET", "POST"])
@limiter.limit(rate_limits.PORTAL_LINK_REQUESTS_PER_ADDRESS, methods=["POST"])
@limiter.limit(rate_limits.EMAILS_PER_RECIPIENT, key_func=rate_limits.typed_email, methods=["POST"])
def ask_link(merchant_id: str) -> Response:
    """ "Email me a link": the same answer whether or not the address is a customer's."""
    merchant = service.portal_merchant(db.session, merchant_id)
    if merchant is None:
        abort(404)
    form = AskLinkForm(email=request.args.get("email", "")[:254])
    return submit_form(
        form,
        lambda: service.request_link(db.session, merchant, form.email.data or ""),
        on_success=lambda _done: _link_sent(merchant, form.email.data or ""),
        template="portal/ask_link.html",
        context=lambda: {"form": form, **_seller_shell(merchant)},
    )


def _link_sent(merchant: Merchant, email: str) -> Response:
    return render("portal/link_sent.html", email=email, **_seller_shell(merchant))


@blueprint.route("/open/<token>", methods=["GET", "POST"])
def open_link(token: str) -> Response:
    link = service.usable_link(db.session, token, utcnow())
    if link is None:
        return _gone()
    form = OpenForm()
    if not form.validate_on_submit():
        visit = service.visit_for_link(db.session, link)
        return render("portal/open.html", status=422 if form.is_submitted() else 200,
                      form=form, token=token, **_shell(visit))  # fmt: skip
    visit_token = service.open_link(db.session, token, utcnow())
    if visit_token is None:
        db.session.rollback()
        return _gone()
    db.session.commit()
    session[VISIT_KEY] = visit_token
    return redirect(url_for("portal.portal"))


def _secret_key() -> str:
    return str(current_app.extensions["kassa_settings"].secret_key)


def _visit() -> service.Visit:
    visit = service.visit_of(db.session, session.get(VISIT_KEY), utcnow())
    if visit is None:
        abort(_gone())
    return visit


def _shell(visit: service.Visit) -> dict[str, Any]:
    return _seller_shell(visit.merchant)


def _seller_shell(merchant: Merchant) -> dict[str, Any]:
    return {
        "merchant": merchant,
        "branding": service.branding(db.session, merchant),
        "test_mode": service.in_test_mode(db.session, merchant),
    }


def _page(
    visit: service.Visit,
    action_form: PortalActionForm | None = None,
    cancel_form: tuple[int, PortalCancelForm] | None = None,
) -> dict[str, Any]:
    """The portal's context; a refused change's form (``action_form``, or the cancellation's
    ``cancel_form`` with its subscription's id) shown with its errors."""
    return {
        **_shell(visit),
        "customer": visit.customer,
        "portal_page": service.portal_page(db.session, visit, _secret_key()),
        "status_labels": STATUS_LABELS,
        "cancel_forms": dict([cancel_form]) if cancel_form else {},
        "new_cancel_form": lambda: PortalCancelForm(formdata=None),
        "csrf_form": PortalActionForm(formdata=None),
        "action_form": action_form,  # a refused one-button change, with why
    }


@blueprint.get("/")
def portal() -> Response:
    return render("portal/portal.html", **_page(_visit()))


def _subscription(visit: service.Visit, subscription_id: int) -> Any:
    try:
        return service.customers_subscription(db.session, visit, subscription_id)
    except LookupError:
        abort(404)


@blueprint.post("/subscriptions/<int:subscription_id>/cancel")
def cancel(subscription_id: int) -> Response:
    visit = _visit()
    found = _subscription(visit, subscription_id)
    form = PortalCancelForm()
    return submit_form(
        form,
        lambda: service.cancel_at_period_end(db.session, visit, found, form.reason.data or ""),
        message=_("Your subscription ends with the period you paid for. Nothing more is charged."),
        on_success=lambda _done: redirect(url_for("portal.portal")),
        template="portal/portal.html",
        context=lambda: _page(visit, cancel_form=(subscription_id, form)),
    )


@blueprint.post("/subscriptions/<int:subscription_id>/pause")
def pause(subscription_id: int) -> Response:
    visit = _visit()
    found = _subscription(visit, subscription_id)
    form = PortalActionForm()
    return submit_form(
        form,
        lambda: service.pause(db.session, visit, found, scheduler_today(db.session)),
        message=_("Your subscription is paused. Nothing is charged until it is resumed."),
        on_success=lambda _done: redirect(url_for("portal.portal")),
        template="portal/portal.html",
        context=lambda: _page(visit, form),
    )


# Update the payment method: the checkout's setup mode on the subscription's SetupIntent.

BACK_TO_PORTAL = _l("Back to your subscriptions")
METHOD_SAVED = _l("Your new payment method is saved. Later charges use it.")
METHOD_SAVED_STILL_DUE = _l(
    "Your new payment method is saved, but the amount past due could not be charged to it. "
    "Try another method or contact the seller."
)
METHOD_SAVED_CHARGING = _l(
    "Your new payment method is saved. The amount past due is being charged to it."
)
METHOD_VERIFYING = _l(
    "Your bank account is being verified. The new method is used once that is done."
)


def _back_link() -> PageLink:
    return PageLink(url_for("portal.portal"), BACK_TO_PORTAL)


def _open_method_setup(found: Subscription) -> SetupState | Response:
    """The subscription's SetupIntent to confirm, or back to the portal with the reason."""
    try:
        setup = method_setup.open_method_setup(db.session, found, _back_link())
    except ServiceError as refused:
        flash(str(refused.message), "error")
        return redirect(url_for("portal.portal"))
    except GatewayError as error:
        flash(gateway_failure_message(error), "error")
        return redirect(url_for("portal.portal"))
    db.session.commit()
    return setup


@blueprint.get("/subscriptions/<int:subscription_id>/method")
def method_page(subscription_id: int) -> Response:
    """The Payment Element on the subscription's SetupIntent."""
    visit = _visit()
    found = _subscription(visit, subscription_id)
    setup = _open_method_setup(found)
    if isinstance(setup, Response):
        return setup
    return_url = url_for("portal.method_returned", subscription_id=subscription_id)
    if not confirmable(setup):
        return redirect(return_url)
    document = method_setup.SubscriptionMethodDocument(found, _back_link())
    context = setup_page(db.session, document, setup, return_url=return_url)
    note = method_setup.charge_note(found)
    return render("checkout/setup.html", heading=document.title, updating=True, note=note,
                  **context)  # fmt: skip


@blueprint.get("/subscriptions/<int:subscription_id>/method/return")
def method_returned(subscription_id: int) -> Response:
    """Where Stripe sends the customer after confirming (the address's ``setup_intent`` is not
    trusted: the subscription's own SetupIntent is read)."""
    found = _subscription(_visit(), subscription_id)
    try:
        outcome = method_setup.finish_method_setup(db.session, found)
    except GatewayError as error:
        db.session.rollback()
        flash(gateway_failure_message(error), "error")
        return redirect(url_for("portal.portal"))
    if outcome is SetupOutcome.TRY_AGAIN:
        return redirect(url_for("portal.method_page", subscription_id=subscription_id))
    if outcome is SetupOutcome.VERIFYING:
        flash(str(METHOD_VERIFYING), "info")
    elif found.id in subscriptions_service.charging_now(db.session, [found.id]):
        flash(str(METHOD_SAVED_CHARGING), "info")  # the webhook's task got there first
    elif method_setup.still_due(found):
        flash(str(METHOD_SAVED_STILL_DUE), "error")
    else:
        flash(str(METHOD_SAVED), "success")
    return redirect(url_for("portal.portal"))
