"""Settings → Payments: connect a Stripe account, see it, disconnect it."""

from __future__ import annotations

import secrets
from typing import Any

from flask import current_app, flash, redirect, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.config import Settings
from app.core.clock import utcnow
from app.core.crypto import InvalidToken, decrypt, seal, unseal
from app.core.errors import ServiceError
from app.extensions import db
from app.merchants.auth import current_merchant, login_required, owner_required, signed_in_user
from app.merchants.models import Merchant
from app.payments import service as payment_service
from app.processors import blueprint, connection, webhook_setup
from app.processors.access import connected_gateway
from app.processors.forms import (
    ConfirmConnectionForm,
    DisconnectForm,
    RegisterWebhookForm,
    SigningSecretForm,
    StripeKeysForm,
)
from app.processors.gateway import PaymentGateway
from app.processors.models import ProcessorConnection
from app.processors.stripe_gateway import StripeGateway
from app.web.form_views import submit_form
from app.web.i18n import money
from app.web.rendering import render

SEAL_LIFETIME_SECONDS = 600


def _settings() -> Settings:
    return current_app.extensions["kassa_settings"]


def _gateway(secret_key: str) -> PaymentGateway:
    return StripeGateway(secret_key, _settings().stripe_api_base)


def _verify(keys: dict[str, str]) -> connection.VerifiedKeys:
    """Check the keys of one connect attempt (``keys["attempt"]`` names it)."""
    settings = _settings()
    return connection.verify_keys(
        db.session,
        current_merchant(),
        keys["secret_key"],
        keys["publishable_key"],
        gateway_factory=_gateway,
        expected_mode=settings.stripe_mode,
        attempt_id=keys["attempt"],
        accepted_countries=settings.stripe_countries,
    )


def _webhook_url(merchant: Merchant) -> str:
    return f"{_settings().public_url}/webhooks/stripe/{merchant.public_id}"


def _events_context(connected: ProcessorConnection | None, merchant: Merchant) -> dict[str, Any]:
    """How Stripe's events reach Kassa, for the page's "Events from Stripe" section."""
    if connected is None:
        return {}
    url = _webhook_url(merchant)
    return {
        "delivery": webhook_setup.event_delivery(connected),
        "webhook_url": url,
        "webhook_problem": webhook_setup.problem_message(connected, url),
        "register_form": RegisterWebhookForm(formdata=None),
    }


def _page_context(**context: Any) -> dict[str, Any]:
    merchant = current_merchant()
    connected = connection.current_connection(db.session, merchant.id)
    context.setdefault("secret_form", SigningSecretForm(formdata=None))
    return {
        "connected": connected,
        "stripe_mode": _settings().stripe_mode,
        **_events_context(connected, merchant),
        **context,
    }


def _page(status: int = 200, **context: Any) -> Response:
    return render("processors/payments.html", status=status, **_page_context(**context))


@blueprint.get("/panel/settings/payments")
@login_required
def payments() -> Response:
    return _page(form=StripeKeysForm(formdata=None))


@blueprint.post("/panel/settings/payments/verify")
@login_required
@owner_required
def verify() -> Response:
    form = StripeKeysForm()
    keys = {
        "secret_key": form.secret_key.data or "",
        "publishable_key": form.publishable_key.data or "",
        "attempt": secrets.token_urlsafe(12),
    }
    return submit_form(
        form,
        lambda: _verify(keys),
        on_success=lambda verified: _page(
            form=form,
            found=verified.account,
            livemode=verified.livemode,
            confirm=ConfirmConnectionForm(sealed=seal(keys, _settings().secret_key)),
        ),
        template="processors/payments.html",
        context=lambda: _page_context(form=form),
    )


SEALED_FIELDS = ("secret_key", "publishable_key", "attempt")


def _unsealed_keys(confirm: ConfirmConnectionForm) -> dict[str, str] | None:
    """The keys verified in the first step, if the token is intact, recent and complete."""
    if not confirm.validate_on_submit():
        return None
    try:
        payload = unseal(confirm.sealed.data or "", _settings().secret_key, SEAL_LIFETIME_SECONDS)
    except (InvalidToken, ValueError):
        return None
    if not all(isinstance(payload.get(name), str) for name in SEALED_FIELDS):
        return None
    return {name: payload[name] for name in SEALED_FIELDS}


@blueprint.post("/panel/settings/payments/connect")
@login_required
@owner_required
def connect() -> Response:
    keys = _unsealed_keys(ConfirmConnectionForm())
    if keys is None:
        flash(_("The check of your keys expired. Please enter them again."), "error")
        return redirect(url_for("processors.payments"))
    form = StripeKeysForm(formdata=None, data=keys)
    try:
        verified = _verify(keys)
        connected = connection.connect(
            db.session,
            current_merchant(),
            signed_in_user(),
            verified,
            gateway_factory=_gateway,
            webhook_url=_webhook_url(current_merchant()),
            attempt_id=keys["attempt"],
            encryption_key=_settings().secret_key,
        )
    except ServiceError as refusal:
        form.add_error(refusal.field, str(refusal.message))
        return _page(422, form=form)
    db.session.commit()
    flash(_("Stripe is connected. Buyers can now pay you."), "success")
    if connected.webhook_problem:
        flash(_("Stripe's events cannot reach Kassa yet: see Events from Stripe."), "error")
    return redirect(url_for("processors.payments"))


@blueprint.post("/panel/settings/payments/webhooks/secret")
@login_required
@owner_required
def give_signing_secret() -> Response:
    form = SigningSecretForm()
    return submit_form(
        form,
        lambda: connection.use_signing_secret(
            db.session,
            current_merchant(),
            form.signing_secret.data or "",
            encryption_key=_settings().secret_key,
        ),
        message=_("Kassa now checks Stripe's events with the signing secret you gave."),
        on_success=lambda _result: redirect(url_for("processors.payments")),
        template="processors/payments.html",
        context=lambda: _page_context(secret_form=form),
    )


@blueprint.post("/panel/settings/payments/webhooks/register")
@login_required
@owner_required
def register_webhook() -> Response:
    merchant = current_merchant()
    current = connection.current_connection(db.session, merchant.id)
    secret_key = _stored_secret_key(current) if current is not None else None
    if secret_key is not None and RegisterWebhookForm().validate_on_submit():
        registration = connection.register_webhook_again(
            db.session,
            merchant,
            gateway=_gateway(secret_key),
            webhook_url=_webhook_url(merchant),
            registration_id=secrets.token_urlsafe(12),
            encryption_key=_settings().secret_key,
        )
        db.session.commit()
        if registration.problem is None:
            flash(_("Kassa's endpoint is registered: Stripe sends it events."), "success")
    return redirect(url_for("processors.payments"))


def _stored_secret_key(current: ProcessorConnection) -> str | None:
    """The connected account's secret key; None when it can no longer be decrypted."""
    try:
        return decrypt(current.secret_key_encrypted, _settings().secret_key)
    except InvalidToken:
        return None


def _settle(merchant: Merchant, *, key_readable: bool) -> payment_service.Settlement:
    """Record what Stripe says of the merchant's unsettled payments while the keys still work."""
    lookup = connected_gateway if key_readable else None
    return payment_service.settle_before_disconnect(
        db.session, merchant, utcnow(), gateway_for=lookup
    )


def _clearing_list(settlement: payment_service.Settlement) -> str:
    """The payments still clearing, one phrase each, for the message after disconnecting."""
    return "; ".join(
        _(
            "%(amount)s from %(buyer)s on %(date)s",
            amount=money(payment.gross),
            buyer=payment.buyer_email or "—",
            date=format_date(payment.created_at),
        )
        for payment in settlement.still_clearing
    )


@blueprint.route("/panel/settings/payments/disconnect", methods=["GET", "POST"])
@login_required
@owner_required
def disconnect() -> Response:
    """Settle first: each visit re-reads the unsettled payments, so the page lists what is
    really still clearing, and the confirmation does it again just before forgetting the keys."""
    merchant = current_merchant()
    current = connection.current_connection(db.session, merchant.id)
    if current is None:
        return redirect(url_for("processors.payments"))
    secret_key = _stored_secret_key(current)
    settlement = _settle(merchant, key_readable=secret_key is not None)
    db.session.commit()
    form = DisconnectForm()
    if not form.validate_on_submit():
        return render(
            "processors/disconnect.html", form=form, connected=current, settlement=settlement
        )
    removed = connection.disconnect(
        db.session, merchant, gateway_factory=_gateway, secret_key=secret_key
    )
    db.session.commit()
    flash(_("Stripe is disconnected."), "info")
    if settlement.still_clearing:
        flash(
            _(
                "These payments were still clearing: %(payments)s. Kassa can no longer follow "
                "them; their outcome will be in your Stripe dashboard.",
                payments=_clearing_list(settlement),
            ),
            "info",
        )
    if not removed:
        flash(
            _(
                "Stripe could not be told to stop sending events to Kassa. Delete the webhook "
                "endpoint in your Stripe dashboard."
            ),
            "error",
        )
    return redirect(url_for("processors.payments"))
