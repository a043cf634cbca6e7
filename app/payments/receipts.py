"""Receipts: what a payment bought, kept as it was priced and charged, and its receipt number.

The checkout prices every offered method (``checkout.service``) and keeps each method's
``Purchase`` in the checkout's ``priced`` snapshot; when a payment is taken, the purchase of the
method that paid is kept on the payment (``keep_purchase``), so a product renamed or repriced
later never changes a receipt. When its money is in, the payment takes the next number of the
merchant's receipt series (``issue_receipt``: ``documents.numbering``, gap-free). The receipt
page, the receipt email, the receipt PDF and the payment's page in the panel all read
``purchase_of``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from flask import abort
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from app.core import pricing
from app.core.clock import utcnow
from app.core.money import Money
from app.data.after_commit import after_commit
from app.documents.models import SeriesKind
from app.documents.numbering import take_number
from app.documents.pdf import download_name, pdf_response, render_for_merchant
from app.extensions import DbSession, db, huey
from app.mail import Email, public_url_for, render_email, transmit
from app.mail_log.service import about_payment
from app.merchants.business import seller_details
from app.merchants.models import Merchant
from app.payments.models import Payment


@dataclass(frozen=True)
class PurchasedLine:
    """One line as the buyer bought it: ``amount`` is unit price times quantity."""

    name: str
    quantity: int
    unit_amount: Money
    amount: Money


@dataclass(frozen=True)
class TaxLine:
    """One tax rate of a purchase: what it came to, and the amount (net of tax) it was on."""

    name: str
    percentage: Decimal
    inclusive: bool
    base: Money
    amount: Money


@dataclass(frozen=True)
class Purchase:
    """What one payment paid for, in its currency: ``title`` names the document it pays (a
    link's name, "Invoice INV-2026-0001", the shop's order)."""

    title: str
    lines: tuple[PurchasedLine, ...]
    subtotal: Money
    discount: Money
    discount_code: str
    surcharge: Money
    surcharge_name: str
    taxes: tuple[TaxLine, ...]
    total: Money

    def as_json(self) -> dict[str, Any]:
        """Plain values for a JSON column: minor units, the currency once, percentages as text."""
        return {
            "title": self.title,
            "currency": self.total.currency,
            "lines": [
                {
                    "name": line.name,
                    "quantity": line.quantity,
                    "unit_amount": line.unit_amount.amount,
                    "amount": line.amount.amount,
                }
                for line in self.lines
            ],
            "subtotal": self.subtotal.amount,
            "discount": self.discount.amount,
            "discount_code": self.discount_code,
            "surcharge": self.surcharge.amount,
            "surcharge_name": self.surcharge_name,
            "taxes": [
                {
                    "name": tax.name,
                    "percentage": str(tax.percentage),
                    "inclusive": tax.inclusive,
                    "base": tax.base.amount,
                    "amount": tax.amount.amount,
                }
                for tax in self.taxes
            ],
            "total": self.total.amount,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Purchase:
        currency = str(data["currency"])

        def money(amount: Any) -> Money:
            return Money(int(amount), currency)

        return cls(
            title=str(data.get("title") or ""),
            lines=tuple(
                PurchasedLine(
                    str(line["name"]),
                    int(line["quantity"]),
                    money(line["unit_amount"]),
                    money(line["amount"]),
                )
                for line in data["lines"]
            ),
            subtotal=money(data["subtotal"]),
            discount=money(data["discount"]),
            discount_code=str(data.get("discount_code") or ""),
            surcharge=money(data["surcharge"]),
            surcharge_name=str(data.get("surcharge_name") or ""),
            taxes=tuple(
                TaxLine(
                    str(tax["name"]),
                    Decimal(str(tax["percentage"])),
                    bool(tax["inclusive"]),
                    money(tax["base"]),
                    money(tax["amount"]),
                )
                for tax in data["taxes"]
            ),
            total=money(data["total"]),
        )

    @property
    def tax_total(self) -> Money:
        return Money(sum(tax.amount.amount for tax in self.taxes), self.total.currency)


def purchase_from_breakdown(
    title: str, breakdown: pricing.Breakdown, names: dict[str, str], discount_code: str = ""
) -> Purchase:
    """The purchase a priced cart makes for its method: the lines due now named by ``names``
    (a line's reference to what the buyer saw), and each tax rate's base summed over the lines
    it applies to (a line's amount after its discount, net of its inclusive taxes)."""
    currency = breakdown.currency
    due = breakdown.due_now
    now_lines = [line for line in breakdown.lines if line.due_now]
    bases: dict[tuple[str, Decimal, bool], list[int]] = {}
    for line in now_lines:
        net = line.subtotal.amount - line.discount.amount - line.tax_included.amount
        for tax in line.taxes:
            key = _tax_key(tax.rate)
            parts = bases.setdefault(key, [0, 0])
            parts[0] += net
            parts[1] += tax.amount.amount
    return Purchase(
        title=title,
        lines=tuple(
            PurchasedLine(
                names.get(line.reference, line.reference),
                line.quantity,
                line.unit_amount,
                line.subtotal,
            )
            for line in now_lines
        ),
        subtotal=due.subtotal,
        discount=due.discount,
        discount_code=discount_code if due.discount.amount else "",
        surcharge=due.fee,
        surcharge_name=due.fee_name or "",
        taxes=tuple(
            TaxLine(name, percentage, inclusive, Money(base, currency), Money(amount, currency))
            for (name, percentage, inclusive), (base, amount) in bases.items()
        ),
        total=due.total,
    )


def _tax_key(rate: pricing.TaxRate) -> tuple[str, Decimal, bool]:
    return rate.name, rate.percentage, rate.behavior is pricing.TaxBehavior.INCLUSIVE


def purchase_of(payment: Payment) -> Purchase | None:
    """What the payment bought, or None when it was taken before Kassa kept it."""
    return Purchase.from_json(payment.purchase) if payment.purchase else None


def keep_purchase(payment: Payment, purchase: Purchase) -> None:
    """Keep what the payment bought when it is taken (never again: a receipt does not change)."""
    if payment.purchase is None:
        payment.purchase = purchase.as_json()


def issue_receipt(session: DbSession, payment: Payment) -> str:
    """The payment's receipt number, taken from the merchant's receipt series the first time
    its money is in (in the recording's transaction: a rollback gives the number back)."""
    if payment.receipt_number is None:
        now = utcnow()
        payment.receipt_number = take_number(
            session, payment.merchant_id, SeriesKind.RECEIPT, now.date()
        )
        payment.receipt_issued_at = now
    return payment.receipt_number


def receipt_pdf(session: Session | DbSession, merchant: Merchant, payment: Payment) -> bytes:
    """The receipt as a PDF, in the buyer's language with the merchant's branding."""
    return render_for_merchant(
        session,
        merchant,
        payment.buyer_locale,
        "payment_receipt.html",
        payment=payment,
        purchase=purchase_of(payment),
        stamp="",
    )


def receipt_download(
    session: Session | DbSession, merchant: Merchant, payment: Payment
) -> Response:
    """The receipt's PDF as a download named by its number (a 404 before it has one)."""
    if payment.receipt_number is None:
        abort(404)
    pdf = receipt_pdf(session, merchant, payment)
    return pdf_response(pdf, download_name(payment.receipt_number, "receipt"))


def receipt_email(session: Session, payment: Payment) -> Email:
    """The receipt email in the buyer's language: the seller's legal details, the receipt
    number, what was bought with its taxes, the total and the method, and where its PDF is.
    The PDF is a download (the receipt page, the payment's page), not an attachment: rendering
    it takes seconds, which a webhook's answer cannot wait for where tasks run inline (the demo,
    the tests)."""
    merchant = session.get_one(Merchant, payment.merchant_id)
    checkout = payment.checkout
    pdf_url = public_url_for("checkout.receipt_pdf", token=checkout.token) if checkout else None
    return render_email(
        payment.buyer_email,
        "receipt",
        payment.buyer_locale,
        {
            "merchant": merchant,
            "payment": payment,
            "purchase": purchase_of(payment),
            "seller": seller_details(merchant),
            "pdf_url": pdf_url,
        },
    )


def send_receipt(session: DbSession, payment: Payment, kind: str = "receipt") -> None:
    """Email the buyer the payment's receipt once the recording's transaction has committed
    (a rolled-back recording sends nothing); rendered in a task. ``kind`` is what the
    sent-email log calls it (``receipt_resent`` when the merchant sends it again)."""
    payment_id = payment.id
    after_commit(session, lambda: deliver_receipt(payment_id, kind))  # type: ignore[arg-type]


@huey.task(retries=3, retry_delay=30)
def deliver_receipt(payment_id: int, kind: str = "receipt") -> None:
    """Render the receipt email and hand it to the SMTP server. In a session of its own: in
    immediate mode it runs inside the commit of the request that recorded the payment."""
    with Session(db.engine) as session:
        payment = session.get(Payment, payment_id)
        if payment is None or not payment.buyer_email:
            return
        email = receipt_email(session, payment)
        transmit(replace(email, logged_as=about_payment(payment, kind)))
