"""Quote emails: the quote itself (link and PDF), the reminder before it expires, the
confirmation of an acceptance to the customer and to the merchant's owners (with the signed
PDF, which shows the evidence), and for a schedule's later parts the notice before each charge
and "payment failed, update your method" (with the link to the quote's page). A paid part's
receipt is its invoice's (``invoices.delivery.send_receipt``, with the invoice's PDF).

As with invoices, each email is a ``QuoteDelivery`` row first, queued in the caller's
transaction and sent by the ``deliver`` task once that transaction committed
(``data.after_commit``); the row is ``sent`` only when the SMTP server accepted it, else
``failed`` with the error, which the quote's page shows. A reminder's row is unique per
(quote, kind, day): a second run of the periodic task cannot insert it again, so it sends
nothing.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.clock import utcnow
from app.core.errors import ServiceError
from app.data.after_commit import after_commit
from app.extensions import DbSession, db, huey
from app.mail import Attachment, Email, public_url_for, render_email, transmit
from app.merchants.business import seller_details
from app.processors.access import connected_gateway
from app.processors.gateway import GatewayError
from app.quotes.models import (
    Quote,
    QuoteDelivery,
    QuoteDeliveryKind,
    QuotePaymentPart,
    QuoteSettings,
    QuoteStatus,
)
from app.quotes.notice import charge_from, notice_days
from app.quotes.pdf import quote_download_name, quote_pdf
from app.quotes.service import buyer_token, current_quantities, instalments
from app.settings.labels import method_name
from app.settings.service import checkout_settings

log = logging.getLogger("kassa.quotes")


def _queue(session: DbSession, delivery: QuoteDelivery) -> QuoteDelivery:
    session.add(delivery)
    session.flush()
    delivery_id = delivery.id
    after_commit(session, lambda: deliver(delivery_id))  # type: ignore[arg-type]
    return delivery


def _new(quote: Quote, kind: QuoteDeliveryKind, to: str, once: str | None = None) -> QuoteDelivery:
    return QuoteDelivery(
        merchant_id=quote.merchant_id, quote_id=quote.id, kind=kind, recipient=to, once_key=once
    )


def send_quote_email(session: DbSession, quote: Quote) -> QuoteDelivery:
    """Queue the quote email (link and PDF) to the customer."""
    if quote.status is not QuoteStatus.OPEN:
        raise ServiceError(_l("Only an open quote can be sent."))
    if not quote.customer.email:
        raise ServiceError(_l("This customer has no email address to send the quote to."))
    return _queue(session, _new(quote, QuoteDeliveryKind.QUOTE, quote.customer.email))


def send_acceptance(session: DbSession, quote: Quote) -> list[QuoteDelivery]:
    """Queue the confirmation of an acceptance, with the signed PDF, to the customer and to
    each owner of the merchant; each once (unique per quote, kind and recipient)."""
    recipients = [("customer", quote.customer.email)] if quote.customer.email else []
    recipients += [
        (f"user-{user.id}", user.email) for user in quote.merchant.users if user.is_owner
    ]
    queued = []
    for once, to in recipients:
        try:
            with session.begin_nested():
                delivery = _new(quote, QuoteDeliveryKind.ACCEPTED, to, once=once)
                session.add(delivery)
        except IntegrityError:
            continue
        queued.append(_queue(session, delivery))
    return queued


def _once_to_customer(
    session: DbSession, quote: Quote, kind: QuoteDeliveryKind, once: str
) -> QuoteDelivery | None:
    """Queue ``kind`` to the customer unless a delivery with ``once`` went before (a second
    run's insert fails on the unique row and sends nothing)."""
    if not quote.customer.email or quote.customer.erased_at is not None:
        return None
    try:
        with session.begin_nested():
            delivery = _new(quote, kind, quote.customer.email, once=once)
            session.add(delivery)
    except IntegrityError:
        return None
    return _queue(session, delivery)


def send_notice(session: DbSession, quote: Quote, part: QuotePaymentPart) -> QuoteDelivery | None:
    """The notice before a later part is charged: amount, date and method; once per part."""
    return _once_to_customer(session, quote, QuoteDeliveryKind.NOTICE, f"part-{part.id}")


def send_part_failed(
    session: DbSession, quote: Quote, part: QuotePaymentPart
) -> QuoteDelivery | None:
    """ "Payment failed, update your method", with the link to the quote; once per attempt."""
    once = f"part-{part.id}-{part.attempts}"
    return _once_to_customer(session, quote, QuoteDeliveryKind.PAYMENT_FAILED, once)


def deliveries_of(session: DbSession, quote: Quote) -> list[QuoteDelivery]:
    query = select(QuoteDelivery).where(QuoteDelivery.quote_id == quote.id)
    return list(session.scalars(query.order_by(QuoteDelivery.id.desc())))


# Reminders before expiry


def queue_expiry_reminders(session: DbSession, today: date) -> int:
    """Queue the reminder of every open quote whose expiry is the merchant's days ahead (3
    by default) or fewer; each quote and day once. Returns how many were queued."""
    queued = 0
    days_of: dict[int, list[int]] = {}
    soon = today + timedelta(days=60)
    rows = session.scalars(
        select(Quote)
        .where(
            Quote.status == QuoteStatus.OPEN,
            Quote.expires_on.is_not(None),
            Quote.expires_on >= today,
            Quote.expires_on <= soon,
        )
        .order_by(Quote.id)
    )
    for quote in rows:
        if quote.merchant_id not in days_of:
            days_of[quote.merchant_id] = _reminder_days(session, quote.merchant_id)
        assert quote.expires_on is not None
        left = (quote.expires_on - today).days
        due = [day for day in days_of[quote.merchant_id] if left <= day]
        if not due or not quote.customer.email:
            continue
        try:
            with session.begin_nested():
                delivery = _new(
                    quote, QuoteDeliveryKind.REMINDER, quote.customer.email, once=str(min(due))
                )
                session.add(delivery)
        except IntegrityError:
            continue
        _queue(session, delivery)
        queued += 1
    return queued


def _reminder_days(session: DbSession, merchant_id: int) -> list[int]:
    days = session.scalar(
        select(QuoteSettings.reminder_days_before).where(QuoteSettings.merchant_id == merchant_id)
    )
    return list([3] if days is None else days)


# Composing (in the task)

_TEMPLATES = {
    QuoteDeliveryKind.QUOTE: "quote",
    QuoteDeliveryKind.REMINDER: "quote_reminder",
    QuoteDeliveryKind.ACCEPTED: "quote_accepted",
    QuoteDeliveryKind.NOTICE: "quote_part_notice",
    QuoteDeliveryKind.PAYMENT_FAILED: "quote_part_failed",
}
# About one part of the schedule: no PDF of the quote with them.
_PART_KINDS = (QuoteDeliveryKind.NOTICE, QuoteDeliveryKind.PAYMENT_FAILED)


def buyer_address(token: str) -> str:
    """The customer's address ``/q/<token>`` on ``KASSA_PUBLIC_URL``."""
    return public_url_for("quote_buyers.quote_page", token=token)


def compose(session: Session, delivery: QuoteDelivery) -> Email:
    """The delivery's message in the quote's language (the merchant's for an owner's copy),
    branded, the quote's PDF attached."""
    quote = session.get_one(Quote, delivery.quote_id)
    merchant = quote.merchant
    branding = checkout_settings(session, merchant)
    logo = branding.logo_filename
    secret_key = current_app.extensions["kassa_settings"].secret_key
    to_customer = delivery.kind is not QuoteDeliveryKind.ACCEPTED or delivery.once_key == "customer"
    context = {
        "quote": quote,
        "merchant": merchant,
        "seller_name": branding.display_name or merchant.name,
        "seller": seller_details(merchant),
        "accent": branding.accent_color,
        "logo_url": public_url_for("uploads.media", name=logo) if logo else None,
        "link": (
            buyer_address(buyer_token(quote, secret_key))
            if to_customer and quote.token_encrypted
            else public_url_for("quotes.quote", quote_id=quote.id)
        ),
        "to_customer": to_customer,
        "quantities": current_quantities(quote),
        "instalments": instalments(quote),
    }
    locale = quote.locale if to_customer else merchant.default_locale
    if delivery.kind in _PART_KINDS:
        context.update(_part_context(session, quote, delivery))
        return render_email(delivery.recipient, _TEMPLATES[delivery.kind], locale, context)
    attachments = (Attachment(quote_download_name(quote), quote_pdf(quote)),)
    return render_email(delivery.recipient, _TEMPLATES[delivery.kind], locale, context, attachments)


def _part_context(session: Session, quote: Quote, delivery: QuoteDelivery) -> dict[str, object]:
    """The part a notice or a failure is about (its id is in the ``once_key``), its charge
    date and the saved method as it may be shown (brand or bank, last four)."""
    part_id = int((delivery.once_key or "").split("-")[1])
    part = session.get_one(QuotePaymentPart, part_id)
    settings = session.scalar(
        select(QuoteSettings).where(QuoteSettings.merchant_id == quote.merchant_id)
    )
    method = quote.saved_method_type
    return {
        "part": part,
        "part_number": part.position + 1,
        "part_count": len(quote.parts),
        "amount": quote.money(part.amount),
        "charge_on": charge_from(part, notice_days(settings, method), method) or part.due_on,
        **_method_shown(session, quote),
    }


def _method_shown(session: Session, quote: Quote) -> dict[str, object]:
    """The saved method as it may be shown: its name (the card's brand, else the method's
    label, rendered in the email's language) and last four (none when Stripe cannot be asked
    now)."""
    kind = method_name(quote.saved_method_type)
    try:
        gateway = connected_gateway(session, quote.merchant_id)
        details = gateway.retrieve_method(quote.saved_method_id)
    except GatewayError:
        return {"method_name": kind, "method_last4": None}
    brand = (details.brand or "").title() if details.type == "card" else ""
    return {"method_name": brand or kind, "method_last4": details.last4}


@huey.task()
def deliver(delivery_id: int) -> str:
    """Send one queued delivery; ``sent`` only once the SMTP server accepted it (in a session
    of its own: in immediate mode it runs inside the commit of the request that queued it)."""
    with Session(db.engine) as session:
        delivery = session.get(QuoteDelivery, delivery_id, with_for_update=True)
        if delivery is None or delivery.status != "queued":
            return "skipped"
        try:
            transmit(compose(session, delivery))
        except Exception as error:  # whatever stopped it, the merchant is told
            log.warning("quote email failed", exc_info=True)
            delivery.status = "failed"
            delivery.error = f"{type(error).__name__}: {error}"[:1000]
        else:
            delivery.status = "sent"
            delivery.sent_at = utcnow()
            if delivery.kind is QuoteDeliveryKind.QUOTE:
                quote = session.get_one(Quote, delivery.quote_id)
                quote.sent_at = quote.sent_at or delivery.sent_at
        session.commit()
        return delivery.status
