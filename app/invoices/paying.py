"""What happens to an invoice as the checkout's payments of it move (the invoice document's
hooks, called by the one recording path): each is written to the invoice's event log, a
settled payment lowers the balance, and the owners hear when a customer first opens an invoice
and when they pay it or a part of it.

The recording path calls each hook once per payment and transition (a replay changes nothing,
and two recordings of one payment at once collide on its version), so the balance moves once
per payment: ``claim`` when the money starts to move, then ``settle`` or ``release``.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from typing import Any

from app.customers.models import email_key
from app.extensions import DbSession
from app.invoices import balance
from app.invoices.delivery import send_receipt
from app.invoices.models import Invoice, InvoiceStatus
from app.invoices.service import record_event
from app.mail import email_owners
from app.merchants.models import Merchant
from app.payments.models import Payment, PaymentStatus

log = logging.getLogger("kassa.invoices")


class Movement(enum.StrEnum):
    SETTLED = "settled"  # the payment's money is in
    RELEASED = "released"  # an accepted bank debit bounced
    REFUNDED = "refunded"  # part or all of a settled payment went back (or, below 0, came back)


# What another feature does when a payment of an invoice it issued moves (a quote's schedule
# part is paid by its invoice's payment); invoices import none of them.
# The amount is the payment's for SETTLED and RELEASED, the refund's change for REFUNDED.
# True when the feature answers for the owners' email about it (a subscription's period is
# not emailed about one by one); None or False, the invoice emails them as usual.
PaymentListener = Callable[[DbSession, Invoice, Payment, Movement, int], bool | None]
_listeners: list[PaymentListener] = []


def listen_to_payments(listener: PaymentListener) -> None:
    """Call ``listener`` whenever a checkout payment of an invoice settles, bounces or is
    refunded, in the recording transaction (registered once, at import)."""
    if listener not in _listeners:
        _listeners.append(listener)


def _tell_listeners(
    session: DbSession, invoice: Invoice, payment: Payment, movement: Movement, amount: int
) -> bool:
    """Every listener hears of it; True when one answers for the owners' email."""
    answered = [listener(session, invoice, payment, movement, amount) for listener in _listeners]
    return any(answered)


def payment_taken(session: DbSession, invoice: Invoice, payment: Payment) -> None:
    """A payment of the invoice was accepted: paid, or a bank debit that started (its amount
    stays clearing until it settles)."""
    if payment.status is PaymentStatus.PROCESSING:
        detail = {"payment": payment.id, "amount": payment.amount}
        record_event(session, invoice, "payment_processing", detail)


def payment_settled(session: DbSession, invoice: Invoice, payment: Payment) -> bool:
    """The money of an accepted payment is in: what it claimed counts as paid, and the owners
    are told (paid in full, or a part and what is left). When it paid the invoice in full the
    customer gets the invoice's receipt with its PDF; True when that went to the payer (who
    then needs no second receipt of the payment)."""
    if not balance.settle(session, invoice, payment.amount):
        # Only a payment whose claim was not kept could get here: never lose it silently.
        log.error(
            "settled payment had no claim on the invoice",
            extra={"fields": {"invoice_id": invoice.id, "payment_id": payment.id}},
        )
        return False
    in_full = invoice.status is InvoiceStatus.PAID
    record_event(
        session,
        invoice,
        "paid" if in_full else "paid_in_part",
        {"payment": payment.id, "amount": payment.amount, "balance": invoice.balance},
    )
    if not _tell_listeners(session, invoice, payment, Movement.SETTLED, payment.amount):
        notify_owners(invoice.merchant, "merchant_invoice_paid", invoice, payment=payment)
    if not in_full or send_receipt(session, invoice) is None:
        return False
    return email_key(invoice.customer.email) == email_key(payment.buyer_email)


def payment_released(session: DbSession, invoice: Invoice, payment: Payment) -> None:
    """An accepted bank debit bounced: its amount is payable again."""
    balance.release(session, invoice, payment.amount)
    record_event(
        session, invoice, "payment_failed", {"payment": payment.id, "amount": payment.amount}
    )
    _tell_listeners(session, invoice, payment, Movement.RELEASED, payment.amount)


def payment_refunded(session: DbSession, invoice: Invoice, payment: Payment, change: int) -> None:
    """A refund of a settled payment (from the merchant's Stripe dashboard) is no longer paid:
    a paid invoice is open again for it. A refund that failed gives it back, while that much
    is still payable."""
    if change > 0:
        counted = balance.refund(session, invoice, change)
        kind = "payment_refunded"
    else:
        counted = balance.refund_failed(session, invoice, -change)
        kind = "refund_failed"
    if not counted:
        log.error(
            "a refund's change could not be counted on the invoice",
            extra={
                "fields": {"invoice_id": invoice.id, "payment_id": payment.id, "change": change}
            },
        )
    record_event(
        session, invoice, kind, {"payment": payment.id, "amount": abs(change), "counted": counted}
    )
    if counted:
        _tell_listeners(session, invoice, payment, Movement.REFUNDED, change)


def notify_owners(merchant: Merchant, template: str, invoice: Invoice, **context: Any) -> None:
    """An email about ``invoice`` to each owner of the merchant."""
    email_owners(merchant, template, invoice=invoice, **context)
