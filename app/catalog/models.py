"""The product library: products and their prices (one per account currency at most)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.core.money import Money
from app.data.bases import MerchantOwned, ShownToBuyers
from app.extensions import db, str_enum
from app.settings.models import TaxRate


class BillingInterval(enum.StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class Product(MerchantOwned, ShownToBuyers, db.Model):  # type: ignore[name-defined]
    """A thing sold once, or on a schedule when ``interval`` is set."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    sku: Mapped[str] = mapped_column(String(64), default="")
    image_filename: Mapped[str | None] = mapped_column(String(64))
    interval: Mapped[BillingInterval | None] = mapped_column(str_enum(BillingInterval))
    interval_count: Mapped[int] = mapped_column(Integer, default=1)
    # A delayed first charge: on a date, or after a number of trial days (never both).
    first_charge_on: Mapped[date | None] = mapped_column(Date)
    trial_days: Mapped[int | None] = mapped_column(Integer)
    tax_rate_id: Mapped[int | None] = mapped_column(
        ForeignKey("tax_rates.id", ondelete="SET NULL"), index=True
    )
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    prices: Mapped[list[Price]] = relationship(
        back_populates="product", order_by="Price.currency", cascade="all, delete-orphan"
    )
    tax_rate: Mapped[TaxRate | None] = relationship()

    @property
    def is_recurring(self) -> bool:
        return self.interval is not None

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def price_in(self, currency: str) -> Money | None:
        for price in self.prices:
            if price.currency == currency:
                return price.money
        return None


class Price(MerchantOwned, ShownToBuyers, db.Model):  # type: ignore[name-defined]
    __tablename__ = "prices"
    __table_args__ = (UniqueConstraint("product_id", "currency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    currency: Mapped[str] = mapped_column(String(3))
    unit_amount: Mapped[int] = mapped_column(Integer)  # minor units

    product: Mapped[Product] = relationship(back_populates="prices")

    @property
    def money(self) -> Money:
        return Money(self.unit_amount, self.currency)
