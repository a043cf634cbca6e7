"""A merchant's customers and the append-only log of what happened to each (created, edited,
exported, erased)."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.data.bases import MerchantOwned
from app.data.sql import trigram_index
from app.extensions import db


def email_key(email: str) -> str:
    """How two addresses are compared: the same mailbox whatever the letter case."""
    return email.strip().lower()


def search_fold(text: str) -> str:
    """Text as search compares it: Unicode-normalised and case-folded in Python, so that "ÅSA"
    finds "åsa" on SQLite (whose ``lower`` folds ASCII only) exactly as on PostgreSQL."""
    return unicodedata.normalize("NFKC", text).casefold()


# Between the searchable fields in ``Customer.search_text``; search terms are single-line text,
# so a term never spans two fields.
SEARCH_SEPARATOR = "\n"


class Customer(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """One per email address within a merchant (``email_key``; None once erased or when the
    merchant keeps a customer without an address). Addresses are the checkout's shape:
    ``{"line1", "line2", "city", "postal_code", "state", "country"}``."""

    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("merchant_id", "email_key"),
        trigram_index("ix_customers_search_trgm", "search_text"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    email_key: Mapped[str | None] = mapped_column(String(254))
    company: Mapped[str] = mapped_column(String(200), default="")
    tax_id: Mapped[str] = mapped_column(String(40), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    billing_address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    shipping_address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    locale: Mapped[str] = mapped_column(String(10), default="en")  # the language they read
    currency: Mapped[str | None] = mapped_column(String(3))  # what they are billed in
    notes: Mapped[str] = mapped_column(Text, default="")
    # Name, email and company folded by ``search_fold``, kept by the mapper on every write.
    search_text: Mapped[str] = mapped_column(Text, default="")
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    events: Mapped[list[CustomerEvent]] = relationship(
        back_populates="customer", order_by="CustomerEvent.id", passive_deletes=True
    )

    @property
    def display_name(self) -> str:
        return self.name or self.company or self.email

    def searchable(self) -> str:
        return SEARCH_SEPARATOR.join(
            search_fold(part or "") for part in (self.name, self.email, self.company)
        )


@event.listens_for(Customer, "before_insert")
@event.listens_for(Customer, "before_update")
def _keep_search_text(_mapper: object, _connection: object, customer: Customer) -> None:
    """Whoever writes a customer (the panel, a payment, an invoice), search finds it."""
    customer.search_text = customer.searchable()


class CustomerEvent(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """Append-only: written once, never updated or deleted (erasure keeps its record)."""

    __tablename__ = "customer_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(48))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    user_id: Mapped[int | None] = mapped_column(Integer)  # who did it, when a person did
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="events")
