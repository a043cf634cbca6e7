"""The portal's pages: the emailed link's page, the portal, and the customer's changes."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, redirect, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.core.clock import utcnow
from app.data.clock import scheduler_today
from app.extensions import db
from app.portal import blueprint, service
from app.portal.forms import OpenForm, PortalActionForm, PortalCancelForm
from app.subscriptions.labels import STATUS_LABELS
from app.web.form_views import submit_form
from app.web.rendering import render

VISIT_KEY = "kassa_portal"


def _gone() -> Response:
    return render("portal/gone.html", status=410)


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
    return {
        "merchant": visit.merchant,
        "branding": service.branding(db.session, visit),
        "test_mode": service.in_test_mode(db.session, visit.merchant),
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
