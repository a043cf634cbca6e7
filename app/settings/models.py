"""A merchant's checkout configuration: one settings row, plus its lists (currencies, fees,
tax rates, policies, custom fields, discounts).

Percentages are stored as basis points (hundredths of a percent: 25% is 2500) and amounts as
integer minor units with their currency, so nothing here is ever a float.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from app.core.clock import aware, utcnow
from app.core.methods import PaymentMethod
from app.core.money import Money
from app.data.bases import MerchantOwned, ShownToBuyers
from app.extensions import db, str_enum
from app.merchants.models import Merchant


class Collect(enum.StrEnum):
    """Whether the checkout asks for a piece of information."""

    OFF = "off"
    OPTIONAL = "optional"
    REQUIRED = "required"


class PolicyKind(enum.StrEnum):
    TERMS = "terms"
    REFUND = "refund"
    CANCELLATION = "cancellation"


class CustomFieldKind(enum.StrEnum):
    TEXT = "text"
    NUMBER = "number"
    DROPDOWN = "dropdown"


class CheckoutSettings(MerchantOwned, ShownToBuyers, db.Model):  # type: ignore[name-defined]
    """One row per merchant, made on first use by ``service.checkout_settings``."""

    __tablename__ = "checkout_settings"
    __table_args__ = (UniqueConstraint("merchant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # PaymentMethod values the merchant chose; the checkout offers those still available.
    payment_methods: Mapped[list[str]] = mapped_column(
        JSON, default=lambda: [PaymentMethod.CARD.value]
    )
    # Kept for subscriptions; nothing reads it until then (no form offers it: nothing could
    # charge a saved method later, see ``pricing.Refusal.LATER_CHARGES_UNSUPPORTED``).
    save_payment_methods: Mapped[bool] = mapped_column(Boolean, default=False)
    billing_address: Mapped[Collect] = mapped_column(str_enum(Collect), default=Collect.OFF)
    shipping_address: Mapped[Collect] = mapped_column(str_enum(Collect), default=Collect.OFF)
    phone: Mapped[Collect] = mapped_column(str_enum(Collect), default=Collect.OFF)
    require_policy_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    logo_filename: Mapped[str | None] = mapped_column(String(64))
    accent_color: Mapped[str] = mapped_column(String(7), default="#3b4cca")

    # Declared here, not on Merchant, because a feature points at the merchant and never the
    # reverse. Its backref ``Merchant.checkout_settings`` holds the row (read it through
    # ``service.checkout_settings``, which makes it on first use), so one request reads it once,
    # however many buyer-page helpers ask for it.
    merchant: Mapped[Merchant] = relationship(
        backref=backref("checkout_settings", uselist=False, passive_deletes=True)
    )


class AccountCurrency(MerchantOwned, ShownToBuyers, db.Model):  # type: ignore[name-defined]
    """A currency the merchant added besides its default one (which is always included)."""

    __tablename__ = "account_currencies"
    __table_args__ = (UniqueConstraint("merchant_id", "currency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))


class Fee(MerchantOwned, ShownToBuyers, db.Model):  # type: ignore[name-defined]
    """A surcharge for paying with one method: a fixed amount, a percentage, or both."""

    __tablename__ = "fees"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    method: Mapped[PaymentMethod] = mapped_column(str_enum(PaymentMethod, 24))
    fixed_amount: Mapped[int | None] = mapped_column(Integer)  # minor units of fixed_currency
    fixed_currency: Mapped[str | None] = mapped_column(String(3))
    percent_bps: Mapped[int | None] = mapped_column(Integer)
    # Grossed up: the fee is sized so that the merchant nets the price after the percentage.
    gross_up: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def fixed(self) -> Money | None:
        if self.fixed_amount is None or self.fixed_currency is None:
            return None
        return Money(self.fixed_amount, self.fixed_currency)

    def applies_in(self, currency: str) -> bool:
        """Whether this fee is charged on payments in ``currency``: a fee with a fixed part only
        in that part's currency, a percentage alone in every currency (a fixed part of 0 is no
        fixed part)."""
        fixed = self.fixed
        return not fixed or fixed.currency == currency


class TaxRate(MerchantOwned, ShownToBuyers, db.Model):  # type: ignore[name-defined]
    __tablename__ = "tax_rates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    percent_bps: Mapped[int] = mapped_column(Integer)
    inclusive: Mapped[bool] = mapped_column(Boolean, default=False)
    country: Mapped[str | None] = mapped_column(String(2))  # applies only to buyers there
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Policy(MerchantOwned, ShownToBuyers, db.Model):  # type: ignore[name-defined]
    """Terms, refund or cancellation policy in one locale: a link, a text, or both."""

    __tablename__ = "policies"
    __table_args__ = (UniqueConstraint("merchant_id", "kind", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PolicyKind] = mapped_column(str_enum(PolicyKind))
    locale: Mapped[str] = mapped_column(String(10))
    url: Mapped[str] = mapped_column(String(500), default="")
    text: Mapped[str] = mapped_column(Text, default="")


class CustomField(MerchantOwned, ShownToBuyers, db.Model):  # type: ignore[name-defined]
    """A question the checkout asks; ``labels`` maps each shipped locale to its label."""

    __tablename__ = "custom_fields"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CustomFieldKind] = mapped_column(str_enum(CustomFieldKind))
    labels: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    options: Mapped[list[str]] = mapped_column(JSON, default=list)  # dropdown choices
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def label_in(self, locale: str) -> str:
        """The label in ``locale``, else in English, else any."""
        return str(self.labels.get(locale) or self.labels.get("en") or next(
            iter(self.labels.values()), ""
        ))  # fmt: skip


class Discount(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """A code the buyer types: a percentage off, or a fixed amount off in one currency."""

    __tablename__ = "discounts"
    __table_args__ = (UniqueConstraint("merchant_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    percent_bps: Mapped[int | None] = mapped_column(Integer)
    amount: Mapped[int | None] = mapped_column(Integer)  # minor units of currency
    currency: Mapped[str | None] = mapped_column(String(3))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    max_redemptions: Mapped[int | None] = mapped_column(Integer)
    redemption_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def amount_off(self) -> Money | None:
        if self.amount is None or self.currency is None:
            return None
        return Money(self.amount, self.currency)

    @property
    def last_valid_day(self) -> date | None:
        """The last day (UTC) the code works; it expires at the midnight after it."""
        if self.expires_at is None:
            return None
        return (aware(self.expires_at) - timedelta(days=1)).date()

    def is_usable(self, now: datetime) -> bool:
        if self.expires_at is not None and aware(self.expires_at) <= now:
            return False
        return self.max_redemptions is None or self.redemption_count < self.max_redemptions
