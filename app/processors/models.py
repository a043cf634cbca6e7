"""A merchant's connected payment processor account."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from app.core.clock import utcnow
from app.data.bases import MerchantOwned, ShownToBuyers
from app.extensions import db
from app.merchants.models import Merchant


class ProcessorConnection(MerchantOwned, ShownToBuyers, db.Model):  # type: ignore[name-defined]
    """At most one per merchant, and one Stripe account serves one merchant (both unique)."""

    __tablename__ = "processor_connections"
    __table_args__ = (
        db.UniqueConstraint("merchant_id", name="uq_processor_connections_merchant_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[str] = mapped_column(String(64), unique=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    country: Mapped[str] = mapped_column(String(2))
    default_currency: Mapped[str] = mapped_column(String(3))
    business_name: Mapped[str] = mapped_column(String(200), default="")
    capabilities: Mapped[list[str]] = mapped_column(JSON, default=list)
    secret_key_encrypted: Mapped[str] = mapped_column(Text)
    secret_key_hint: Mapped[str] = mapped_column(
        String(32)
    )  # "sk_test_…4242": shown, never the key
    publishable_key: Mapped[str] = mapped_column(String(255))
    # How Stripe's events reach Kassa (``webhook_setup.event_delivery``): an endpoint Kassa
    # registered (its id and secret), a signing secret the merchant gave for events forwarded
    # some other way (no id), or neither; ``webhook_problem`` says why Kassa could not register.
    webhook_endpoint_id: Mapped[str | None] = mapped_column(String(64))
    webhook_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    webhook_problem: Mapped[str | None] = mapped_column(String(32))
    connected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    connected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    # Declared here, not on Merchant, because a feature points at the merchant and never the
    # reverse. Its backref ``Merchant.processor_connection`` is the connection as buyer pages
    # read it (``settings.service.connected_account``), once per request; connect and
    # disconnect write the row itself and expire it. Both sides only read.
    merchant: Mapped[Merchant] = relationship(
        viewonly=True, backref=backref("processor_connection", uselist=False, viewonly=True)
    )


class Installation(db.Model):  # type: ignore[name-defined]
    """This Kassa database's own id, made once: it starts every idempotency key, because Stripe
    keeps keys per account and two installations (staging and production, a reset) may share
    one account."""

    __tablename__ = "installations"

    id: Mapped[int] = mapped_column(primary_key=True)
    installation_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ProcessorCustomer(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """The Stripe customer of one of the merchant's customers, in one Stripe account: the
    methods saved for later charges (a quote's schedule, subscriptions) belong to it. Made once
    per customer and account (unique), so another Stripe account connected later gets its own.
    """

    __tablename__ = "processor_customers"
    __table_args__ = (UniqueConstraint("customer_id", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[str] = mapped_column(String(64))
    processor_customer_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
