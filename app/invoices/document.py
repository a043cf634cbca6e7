"""An invoice as the checkout sells it, registered with the checkout as ``invoice``.

One line, "Invoice INV-2026-0001" (or "Payment towards invoice ..." for a part), priced at what
the customer pays now: the payable balance, or the part they chose on the invoice page (kept in
the checkout's ``quoted``, never above what is payable when the checkout is priced). The
invoice's taxes and discounts are inside its total, so the line carries none, and the invoice
takes neither discount codes nor the merchant's payment-method fees.

The confirmation claims the amount of each payment from the balance (``balance.claim``: one
guarded UPDATE, so two customers paying the same balance at once never collect more than it;
the second payment is refused and refunded), settles it when the money is in (a card at once,
a bank debit when it clears) and gives it back when a debit bounces.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app.checkout.documents import (
    Closed,
    Document,
    DocumentLine,
    KnownBuyer,
    PageLink,
    register_document_type,
)
from app.checkout.models import CheckoutSession
from app.core import pricing
from app.core.methods import PaymentMethod
from app.core.money import Money
from app.data.sessions import merchant_row
from app.extensions import DbSession
from app.invoices import balance
from app.invoices.models import Invoice, InvoiceStatus
from app.invoices.paying import (
    payment_refunded,
    payment_released,
    payment_settled,
    payment_taken,
)
from app.invoices.service import DOCUMENT_TYPE, buyer_token
from app.payments.models import Payment
from app.payments.service import Rejection
from app.settings.labels import BUYER_SETTING_REFUSALS
from app.settings.service import accepted_methods
from app.web.i18n import money

# What the customer reads instead of the checkout when the invoice cannot be paid now.
CLOSED: dict[str, Closed] = {
    "draft": Closed("draft", _l("This invoice is not ready to be paid yet. Nothing was charged.")),
    "void": Closed(
        "void", _l("This invoice was cancelled, so it cannot be paid. Nothing was charged.")
    ),
    "uncollectible": Closed(
        "uncollectible",
        _l(
            "This invoice can no longer be paid here. Nothing was charged. Please contact the "
            "seller."
        ),
    ),
    "paid": Closed("paid", _l("This invoice is paid. Nothing more is due.")),
    "processing": Closed(
        "processing",
        _l(
            "A payment of this invoice is being processed, so nothing more can be paid now. "
            "Nothing was charged."
        ),
    ),
}

BUYER_REFUSALS: dict[pricing.Refusal, LazyString] = {
    pricing.Refusal.EMPTY_CART: _l("There is nothing to pay on this invoice."),
    pricing.Refusal.NOTHING_TO_PAY: _l("There is nothing to pay on this invoice."),
    pricing.Refusal.LATER_CHARGES_UNSUPPORTED: _l(
        "This invoice cannot be paid here. Please contact the seller."
    ),
    pricing.Refusal.BELOW_MINIMUM: _l(
        "The amount is below the smallest payment we can take in this currency, so it cannot "
        "be paid here. Please contact the seller."
    ),
    pricing.Refusal.ABOVE_MAXIMUM: _l(
        "The amount is above the largest payment we can take at once. Pay the invoice in parts, "
        "or contact the seller."
    ),
    pricing.Refusal.FEE_ABOVE_MAXIMUM: _l(
        "The amount is above the largest payment we can take at once. Pay the invoice in parts, "
        "or contact the seller."
    ),
    **BUYER_SETTING_REFUSALS,
}

LINE_ID = 1  # the invoice's one line in the checkout (quantities are kept by line id)


def closed_reason(invoice: Invoice) -> Closed | None:
    """Why the customer cannot pay ``invoice`` now: not issued, cancelled, written off, paid,
    or everything still due is a bank debit clearing."""
    if invoice.status is not InvoiceStatus.OPEN:
        return CLOSED[invoice.status.value]
    if invoice.payable <= 0:
        return CLOSED["paid" if invoice.balance <= 0 else "processing"]
    return None


class InvoiceDocument(Document):
    """An open invoice, paid in full or, when it allows, in a part the customer chose."""

    type = DOCUMENT_TYPE
    refusal_messages = BUYER_REFUSALS
    takes_discount_codes = False
    takes_fees = False
    claim_refusal = Rejection.BALANCE_PAID
    tells_owners = True  # "Invoice … is paid" or a part of it (invoices.paying)

    def __init__(self, invoice: Invoice, part: int | None = None) -> None:
        self.invoice = invoice
        self.part = part
        self.id = str(invoice.id)
        self.merchant = invoice.merchant
        self.currency = invoice.currency
        self.reader_locale = invoice.locale
        self.amount = min(part, invoice.payable) if part is not None else invoice.payable
        number = self.number = invoice.number or ""
        if self.amount < invoice.payable or invoice.amount_paid or invoice.amount_pending:
            self.title = _("Payment towards invoice %(number)s", number=number)
        else:
            self.title = _("Invoice %(number)s", number=number)
        self.lines = [DocumentLine(LINE_ID, self.title, 1)]
        customer = invoice.customer
        if customer.email and customer.erased_at is None:
            self.known_buyer = KnownBuyer(customer.email, customer.name)

    @property
    def back_link(self) -> PageLink:  # type: ignore[override]
        return PageLink(self.address, _l("Back to the invoice"))

    @property
    def edit_link(self) -> PageLink | None:  # type: ignore[override]
        if not self.invoice.allow_partial:
            return None
        return PageLink(self.address, _l("Change the amount to pay"))

    @property
    def address(self) -> str:
        token = buyer_token(self.invoice, current_app.extensions["kassa_settings"].secret_key)
        return url_for("invoice_buyers.invoice_page", token=token)

    def cart(self, quantities: dict[int, int], today: date, **extras: Any) -> pricing.Cart:
        price = pricing.Price(str(LINE_ID), Money(self.amount, self.currency))
        return pricing.Cart(
            currency=self.currency, today=today, lines=(pricing.Line(price, 1),), **extras
        )

    def accepted(self, session: DbSession) -> list[PaymentMethod]:
        chosen = self.invoice.payment_methods
        return [
            method
            for method in accepted_methods(session, self.merchant)
            if chosen is None or method.value in chosen
        ]

    def closed(self, session: DbSession) -> Closed | None:
        return closed_reason(self.invoice)

    def snapshot(self) -> dict[str, Any]:
        return {"part": self.part, "payable": self.invoice.payable}

    def notices(self, quoted: dict[str, Any] | None) -> list[str]:
        if not quoted or quoted.get("payable") in (None, self.invoice.payable):
            return []
        return [
            _(
                "The amount due on this invoice changed since you opened the checkout: you now "
                "pay %(amount)s.",
                amount=money(Money(self.amount, self.currency)),
            )
        ]

    def claim(self, session: DbSession, payment: Payment) -> bool:
        """The payable balance is claimed for the payment, which is the invoice's customer's
        whatever email the buyer typed (set before the recording path links it by email)."""
        payment.customer_id = self.invoice.customer_id
        return balance.claim(session, self.invoice.id, self.invoice.merchant_id, payment.amount)

    def release(self, session: DbSession, payment: Payment) -> None:
        payment_released(session, self.invoice, payment)

    def paid(self, session: DbSession, payment: Payment) -> None:
        payment_taken(session, self.invoice, payment)

    def settled(self, session: DbSession, payment: Payment) -> bool:
        return payment_settled(session, self.invoice, payment)

    def refunded(self, session: DbSession, payment: Payment, change: int) -> None:
        payment_refunded(session, self.invoice, payment, change)


def load_invoice_document(session: DbSession, checkout: CheckoutSession) -> InvoiceDocument | None:
    """The invoice a checkout pays, within the checkout's merchant, at the part the customer
    chose when they opened it (None: the balance)."""
    invoice = merchant_row(session, Invoice, int(checkout.document_id), checkout.merchant_id)
    if invoice is None:
        return None
    part = (checkout.quoted or {}).get("part")
    return InvoiceDocument(invoice, part if isinstance(part, int) else None)


register_document_type(DOCUMENT_TYPE, load_invoice_document)
