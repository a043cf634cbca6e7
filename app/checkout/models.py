"""A buyer's checkout: one per visit of a document (a payment link or a storefront cart),
found by its token."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    and_,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship, remote

from app.core.clock import utcnow
from app.core.crypto import Purpose, decrypt, encrypt
from app.core.tokens import token_digest
from app.data.bases import MerchantOwned
from app.extensions import db, str_enum
from app.merchants.models import Merchant
from app.settings.models import Discount

# The parts of an address a checkout asks, in the order the form shows them.
ADDRESS_PARTS = ("line1", "postal_code", "city", "country")


class CheckoutStatus(enum.StrEnum):
    OPEN = "open"  # the buyer is filling it in or paying
    PROCESSING = "processing"  # a bank debit was confirmed and has not settled
    PAID = "paid"


def _secret_key() -> str:
    return str(current_app.extensions["kassa_settings"].secret_key)


def answer_field_name(question_id: int) -> str:
    """The buyer form's field for a custom field (a merchant's question) of this id."""
    return f"answer_{question_id}"


@dataclass(frozen=True)
class Answer:
    """A buyer's answer to one of the merchant's questions, with the label they answered.

    Kept by the question's id, so renaming or removing the question later changes nothing
    here; ``kind`` is a ``CustomFieldKind`` value (a number answer is a plain decimal string).
    """

    question_id: int
    label: str
    kind: str
    value: str


class CheckoutSession(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """What the buyer chose and typed; every amount is priced from it on the server.

    The buyer reaches it by the bearer token in its address (``/c/<token>``, 256 random bits),
    which is never stored as is: its SHA-256 digest finds the checkout, and a copy encrypted
    with its own key (``Purpose.CHECKOUT_TOKENS``) lets Kassa send the buyer back to it (the
    email of a bounced debit, a second open of a link at the same moment). Payments and
    Stripe's metadata name it by ``public_id``, which opens nothing.
    """

    __tablename__ = "checkout_sessions"
    __table_args__ = (
        # One open checkout per browser and document: a browser opening a link twice at the
        # same moment gets one (the second insert fails and finds the first).
        Index(
            "uq_checkout_sessions_open_per_browser",
            "browser_key",
            "document_type",
            "document_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)  # chk_...
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    token_encrypted: Mapped[str] = mapped_column(Text)
    # ``web.browser.browser_key`` of the browser that opened it (None: opened by no browser, or
    # before Kassa kept it, or given up to a newer open checkout of the same browser).
    browser_key: Mapped[str | None] = mapped_column(String(64))
    document_type: Mapped[str] = mapped_column(String(32))
    document_id: Mapped[str] = mapped_column(String(64))
    quantities: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # line id -> quantity
    # What the buyer saw when the checkout opened, for documents that can change under it (a
    # cart: its currency, and each product's name and unit amount), else None.
    quoted: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    discount_code: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    name: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    billing_address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    shipping_address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Question id -> {"label": shown to the buyer, "kind": CustomFieldKind, "value": answer}
    custom_answers: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON, default=dict)
    consented: Mapped[bool] = mapped_column(Boolean, default=False)
    method: Mapped[str | None] = mapped_column(String(24))
    locale: Mapped[str] = mapped_column(String(10), default="en")
    country: Mapped[str | None] = mapped_column(String(2))
    payment_intent_id: Mapped[str | None] = mapped_column(String(255))
    # With nothing due now but later charges (a trial): the SetupIntent that saves the method.
    setup_intent_id: Mapped[str] = mapped_column(String(255), default="")
    intent_version: Mapped[int] = mapped_column(Integer, default=0)
    # Raised by every UPDATE of the row, by the ORM or a guarded UPDATE alike (unless it sets
    # the column itself): a page rendered for the checkout is kept under the version it showed.
    state_version: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0", onupdate=literal_column("state_version + 1")
    )
    # What the intent was priced at, set each time its amount is made current: the currency,
    # the amount due now for each offered method, and the discount the amounts include. The one
    # recording path confirms a payment against it (``checkout.confirmation``).
    priced: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[CheckoutStatus] = mapped_column(
        str_enum(CheckoutStatus), default=CheckoutStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    merchant: Mapped[Merchant] = relationship()
    # The merchant's discount of ``discount_code`` (kept as the discount's own code), read with
    # the checkout by the buyer's pages, which price it on every request. Whether it still
    # works is the service's to say (``settings.service.usable_discount``).
    discount: Mapped[Discount | None] = relationship(
        primaryjoin=lambda: and_(
            remote(Discount.merchant_id) == foreign(CheckoutSession.merchant_id),
            remote(Discount.code) == foreign(CheckoutSession.discount_code),
        ),
        viewonly=True,
        uselist=False,
    )

    @property
    def token(self) -> str:
        """The bearer token of the checkout's address, for the pages and emails linking to it."""
        return decrypt(self.token_encrypted, _secret_key(), Purpose.CHECKOUT_TOKENS)

    @token.setter
    def token(self, token: str) -> None:
        self.token_digest = token_digest(token)
        self.token_encrypted = encrypt(token, _secret_key(), Purpose.CHECKOUT_TOKENS)

    @property
    def answers(self) -> list[Answer]:
        """The buyer's answers in the order the questions were asked (by question id)."""
        answers = []
        for key, stored in (self.custom_answers or {}).items():
            if not key.isdigit() or not isinstance(stored, dict):
                continue  # not written by save_buyer
            answers.append(
                Answer(
                    int(key),
                    str(stored.get("label", "")),
                    str(stored.get("kind", "")),
                    str(stored.get("value", "")),
                )
            )
        return sorted(answers, key=lambda answer: answer.question_id)
