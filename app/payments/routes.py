"""The payments panel (list and detail) and Stripe's webhook endpoint."""

from __future__ import annotations

from typing import Any

from flask import redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.core.clock import utcnow
from app.core.numbers import whole_number
from app.extensions import csrf, db
from app.mail_log.labels import STATUS_LABELS, kind_label
from app.merchants.auth import current_merchant, login_required, signed_in_user
from app.merchants.scoping import get_owned_or_404
from app.payments import blueprint, health, queries, receipts, refunds, webhooks
from app.payments.disputes import disputes_of
from app.payments.documents import document_page
from app.payments.forms import (
    REASON_LABELS,
    PaymentFilterForm,
    RefundForm,
    ReplayEventForm,
    ResendReceiptForm,
)
from app.payments.labels import OUTCOME_LABELS, refund_message, replay_message
from app.payments.models import Payment, WebhookEvent
from app.payments.receipts import purchase_of
from app.payments.refunds import refund_payment, refundable
from app.settings.service import account_currencies
from app.web.form_views import submit_form
from app.web.rendering import render


@blueprint.get("/panel/payments")
@login_required
def payments() -> Response:
    merchant = current_merchant()
    form = PaymentFilterForm(request.args, currencies=account_currencies(db.session, merchant))
    valid = form.validate()
    index = queries.payment_index(db.session, merchant.id, request.args) if valid else None
    return render(
        "payments/list.html", "payments/_results.html", status=200 if valid else 422,
        form=form, index=index, purchase_of=purchase_of, document_page=document_page,
        silent=health.events_silent(db.session, merchant.id, utcnow()),
    )  # fmt: skip


@blueprint.get("/panel/payments/totals")
@login_required
def payment_totals() -> Response:
    merchant = current_merchant()
    form = PaymentFilterForm(request.args, currencies=account_currencies(db.session, merchant))
    valid = form.validate()
    filters = queries.PaymentFilters.from_query(request.args)
    totals = queries.totals_by_currency(db.session, merchant.id, filters) if valid else None
    return render(
        "payments/totals.html", "payments/_totals.html", status=200 if valid else 422,
        form=form, filters=filters, totals=totals,
    )  # fmt: skip


def _payment_page(
    payment: Payment, form: RefundForm | None = None, receipt_form: ResendReceiptForm | None = None
) -> dict[str, Any]:
    return {
        "payment": payment,
        "detail": queries.payment_detail(db.session, payment),
        "document_url": document_page(payment),
        "purchase": purchase_of(payment),
        "refundable": refundable(payment),
        "refund_form": form or RefundForm(payment_currency=payment.currency, formdata=None),
        "refund_reason_labels": REASON_LABELS,
        "receipt_form": receipt_form or ResendReceiptForm(formdata=None),
        "outcome_labels": OUTCOME_LABELS,
        "email_kind_label": kind_label,
        "email_status_labels": STATUS_LABELS,
    }


@blueprint.get("/panel/payments/disputes")
@login_required
def disputes() -> Response:
    return render("payments/disputes.html", disputes=disputes_of(db.session, current_merchant().id))


@blueprint.get("/panel/payments/<int:payment_id>")
@login_required
def payment(payment_id: int) -> Response:
    return render("payments/detail.html", **_payment_page(get_owned_or_404(Payment, payment_id)))


@blueprint.route("/panel/payments/<int:payment_id>/refund", methods=["GET", "POST"])
@login_required
def refund(payment_id: int) -> Response:
    found = get_owned_or_404(Payment, payment_id)
    form = RefundForm(payment_currency=found.currency)
    return submit_form(
        form,
        lambda: refund_payment(
            db.session, current_merchant(), found, amount=form.refund_amount(),
            reason=form.reason.data or None, request_id=form.request.data,
            user_id=signed_in_user().id,
        ),
        message=refund_message,
        on_success=lambda _refund: redirect(url_for("payments.payment", payment_id=found.id)),
        template="payments/detail.html",
        context=lambda: _payment_page(found, form),
    )  # fmt: skip


@blueprint.get("/panel/payments/<int:payment_id>/receipt.pdf")
@login_required
def receipt_download(payment_id: int) -> Response:
    """The payment's receipt as a PDF (for the merchant's books), once it has a number."""
    found = get_owned_or_404(Payment, payment_id)
    return receipts.receipt_download(db.session, current_merchant(), found)


@blueprint.post("/panel/payments/<int:payment_id>/receipt")
@login_required
def resend_receipt(payment_id: int) -> Response:
    found = get_owned_or_404(Payment, payment_id)
    form = ResendReceiptForm()
    return submit_form(
        form,
        lambda: refunds.resend_receipt(db.session, current_merchant(), found),
        message=lambda to: _("The receipt was sent again to %(email)s.", email=to),
        on_success=lambda _to: redirect(url_for("payments.payment", payment_id=found.id)),
        template="payments/detail.html",
        context=lambda: _payment_page(found, receipt_form=form),
    )


def _events_page(form: ReplayEventForm | None = None) -> dict[str, Any]:
    merchant_id = current_merchant().id
    failures_only = request.args.get("show") == "failures"
    before = whole_number(request.args.get("before"))
    events = health.recent_events(
        db.session, merchant_id, failures_only=failures_only, before_id=before
    )
    return {
        "events": events,
        "failures_only": failures_only,
        "older": events[-1].id if len(events) == health.EVENTS_PER_PAGE else None,
        "failure_count": health.failure_count(db.session, merchant_id),
        "health": health.health_of(db.session, merchant_id),
        "silent": health.events_silent(db.session, merchant_id, utcnow()),
        "outcome_labels": OUTCOME_LABELS,
        "replay_form": form or ReplayEventForm(formdata=None),
    }


@blueprint.get("/panel/settings/payments/events")
@login_required
def webhook_events() -> Response:
    return render("payments/events.html", **_events_page())


@blueprint.post("/panel/settings/payments/events/<int:event_id>/replay")
@login_required
def replay_event(event_id: int) -> Response:
    stored = get_owned_or_404(WebhookEvent, event_id)
    form = ReplayEventForm()
    return submit_form(
        form,
        lambda: webhooks.replay(db.session, current_merchant(), stored),
        message=replay_message,
        on_success=lambda _outcome: redirect(url_for("payments.webhook_events")),
        template="payments/events.html",
        context=lambda: _events_page(form),
    )


@blueprint.post("/webhooks/stripe/<merchant_public_id>")
@csrf.exempt
def stripe_webhook(merchant_public_id: str) -> Response:
    answer = webhooks.receive(
        db.session,
        merchant_public_id,
        request.get_data(cache=False),
        request.headers.get("Stripe-Signature", ""),
    )
    return Response(answer.message, status=answer.status, mimetype="text/plain")
