"""The payments panel (list and detail) and Stripe's webhook endpoint."""

from __future__ import annotations

from flask import request
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.extensions import csrf, db
from app.merchants.auth import login_required
from app.merchants.scoping import get_owned_or_404, scoped_select
from app.payments import blueprint, webhooks
from app.payments.models import Payment, PaymentEvent
from app.web.rendering import render

PAGE_SIZE = 100


@blueprint.get("/panel/payments")
@login_required
def payments() -> Response:
    rows = db.session.scalars(
        scoped_select(Payment)
        .order_by(Payment.created_at.desc(), Payment.id.desc())
        .limit(PAGE_SIZE)
    ).all()
    return render("payments/list.html", payments=rows)


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
