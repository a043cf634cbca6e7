"""The payments panel (list and detail) and Stripe's webhook endpoint."""

from __future__ import annotations

from flask import request
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.extensions import csrf, db
from app.merchants.auth import current_merchant, login_required
from app.merchants.scoping import get_owned_or_404
from app.payments import blueprint, queries, webhooks
from app.payments.forms import PaymentFilterForm
from app.payments.models import Payment, PaymentEvent
from app.settings.service import account_currencies
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
        form=form, index=index,
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


@blueprint.get("/panel/payments/<int:payment_id>")
@login_required
def payment(payment_id: int) -> Response:
    found = get_owned_or_404(Payment, payment_id)
    events = db.session.scalars(
        select(PaymentEvent)
        .where(PaymentEvent.merchant_id == found.merchant_id, PaymentEvent.payment_id == found.id)
        .order_by(PaymentEvent.id)
    ).all()
    return render("payments/detail.html", payment=found, events=events)


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
