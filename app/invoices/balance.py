"""The money on an invoice: what is settled (``amount_paid``) and what is clearing
(``amount_pending``: bank debits not yet settled).

Every change is one UPDATE whose WHERE clause is the rule, so two payments at once can never
take more than the balance between them: the database applies them one after the other and the
second finds the guard false. Nothing here reads an amount into Python and writes it back.
Each function keeps the session's copy of the invoice current (the UPDATE returns the row) and
returns whether the guard held.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from app.core.clock import utcnow
from app.extensions import DbSession
from app.invoices.models import Invoice, InvoiceStatus

PAYABLE = Invoice.total - Invoice.amount_paid - Invoice.amount_pending


def _guarded(session: DbSession, invoice_id: int, *where: Any, **values: Any) -> bool:
    """One guarded UPDATE; either way the session's copy of the invoice, if it holds one, is
    the row as it is now: read back in the same statement when the guard held (RETURNING),
    else read again."""
    written = session.execute(
        update(Invoice)
        .where(Invoice.id == invoice_id, *where)
        .values(**values)
        .returning(Invoice)
        .execution_options(synchronize_session=False, populate_existing=True)
    ).first()
    if written is None:
        _refresh_loaded(session, invoice_id)
    return written is not None


def _refresh_loaded(session: DbSession, invoice_id: int) -> None:
    """The session's copy of the invoice, if it holds one, reads the row as it is now."""
    loaded = session.identity_map.get(session.identity_key(Invoice, invoice_id))
    if loaded is not None:
        session.refresh(loaded)


def _mark_paid_when_settled(session: DbSession, invoice_id: int) -> None:
    _guarded(
        session,
        invoice_id,
        Invoice.status == InvoiceStatus.OPEN,
        Invoice.amount_paid >= Invoice.total,
        status=InvoiceStatus.PAID,
        paid_at=utcnow(),
    )


def claim(session: DbSession, invoice_id: int, merchant_id: int, amount: int) -> bool:
    """Reserve ``amount`` of an open invoice for a payment being made (it clears until
    ``settle`` or ``release``): refused when the invoice is not open or less than ``amount``
    is still payable."""
    if amount < 1:
        return False
    claimed = _guarded(
        session,
        invoice_id,
        Invoice.merchant_id == merchant_id,
        Invoice.status == InvoiceStatus.OPEN,
        amount <= PAYABLE,
        amount_pending=Invoice.amount_pending + amount,
    )
    return claimed


def settle(session: DbSession, invoice: Invoice, amount: int) -> bool:
    """A claimed payment arrived: clearing becomes paid; the invoice is PAID (and ``paid_at``
    set) when nothing is left to pay."""
    if amount < 1:
        return False
    settled = _guarded(
        session,
        invoice.id,
        Invoice.amount_pending >= amount,
        amount_pending=Invoice.amount_pending - amount,
        amount_paid=Invoice.amount_paid + amount,
    )
    if settled:
        _mark_paid_when_settled(session, invoice.id)
    return settled


def release(session: DbSession, invoice: Invoice, amount: int) -> bool:
    """A claimed payment failed (a bounced debit): its amount is payable again."""
    if amount < 1:
        return False
    released = _guarded(
        session,
        invoice.id,
        Invoice.amount_pending >= amount,
        amount_pending=Invoice.amount_pending - amount,
    )
    return released


def add_paid(session: DbSession, invoice: Invoice, amount: int) -> bool:
    """A payment made outside Stripe (recorded by the merchant), settled at once: refused on an
    invoice that is not open and above what is payable now."""
    if amount < 1:
        return False
    added = _guarded(
        session,
        invoice.id,
        Invoice.status == InvoiceStatus.OPEN,
        amount <= PAYABLE,
        amount_paid=Invoice.amount_paid + amount,
    )
    if added:
        _mark_paid_when_settled(session, invoice.id)
    return added


def refund(session: DbSession, invoice: Invoice, amount: int) -> bool:
    """Part of what was paid went back to the customer: a PAID invoice is open again."""
    if amount < 1:
        return False
    refunded = _guarded(
        session,
        invoice.id,
        Invoice.amount_paid >= amount,
        amount_paid=Invoice.amount_paid - amount,
        amount_refunded=Invoice.amount_refunded + amount,
    )
    if refunded:
        _guarded(
            session,
            invoice.id,
            Invoice.status == InvoiceStatus.PAID,
            Invoice.amount_paid < Invoice.total,
            status=InvoiceStatus.OPEN,
            paid_at=None,
        )
    return refunded


def refund_failed(session: DbSession, invoice: Invoice, amount: int) -> bool:
    """A refund failed and the money came back: paid again (while that much is payable), and
    no longer counted as refunded."""
    counted = add_paid(session, invoice, amount)
    if counted:
        _guarded(
            session,
            invoice.id,
            Invoice.amount_refunded >= amount,
            amount_refunded=Invoice.amount_refunded - amount,
        )
    return counted
