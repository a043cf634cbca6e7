"""Payment links and their lines (a product from the library, or a described amount)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.catalog.models import Product
from app.core.clock import utcnow
from app.core.money import Money
from app.data.bases import MerchantOwned, ShownToBuyers
from app.extensions import db, str_enum
from app.merchants.models import Merchant
from app.settings.models import Collect


class LinkStatus(enum.StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    EXPIRED = "expired"
    COMPLETED = "completed"  # its limit of payments is reached
    # Open by its own settings, but no order of it can be paid (below Stripe's minimum even at
    # its largest, say, after a product's price was lowered): buyers get a closed page.
    UNPAYABLE = "unpayable"


class PaymentLink(MerchantOwned, ShownToBuyers, db.Model):  # type: ignore[name-defined]
    """Sold at ``/l/<slug>``. A setting left as None follows the merchant's checkout settings."""

    __tablename__ = "payment_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    currency: Mapped[str] = mapped_column(String(3))
    payment_methods: Mapped[list[str] | None] = mapped_column(JSON)
    billing_address: Mapped[Collect | None] = mapped_column(str_enum(Collect))
    shipping_address: Mapped[Collect | None] = mapped_column(str_enum(Collect))
    phone: Mapped[Collect | None] = mapped_column(str_enum(Collect))
    message: Mapped[str] = mapped_column(Text, default="")
    redirect_url: Mapped[str] = mapped_column(String(2000), default="")
    payment_limit: Mapped[int | None] = mapped_column(Integer)
    # Payments the link accepted (claimed atomically when a payment is confirmed, released when
    # a bank debit bounces): what ``payment_limit`` is checked against.
    paid_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_day: Mapped[date | None] = mapped_column(Date)  # valid until the midnight after it
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    merchant: Mapped[Merchant] = relationship()
    lines: Mapped[list[PaymentLinkLine]] = relationship(
        back_populates="link", order_by="PaymentLinkLine.id", cascade="all, delete-orphan"
    )


class PaymentLinkLine(MerchantOwned, ShownToBuyers, db.Model):  # type: ignore[name-defined]
    """A product (priced in the link's currency) or a described amount, with its quantity."""

    __tablename__ = "payment_link_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(
        ForeignKey("payment_links.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), index=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    unit_amount: Mapped[int | None] = mapped_column(Integer)  # minor units; described lines
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    adjustable_quantity: Mapped[bool] = mapped_column(Boolean, default=False)
    min_quantity: Mapped[int] = mapped_column(Integer, default=1)
    max_quantity: Mapped[int] = mapped_column(Integer, default=1)
    # Left out unless the buyer adds it; once added it is charged at ``quantity``.
    optional: Mapped[bool] = mapped_column(Boolean, default=False)

    link: Mapped[PaymentLink] = relationship(back_populates="lines")
    product: Mapped[Product | None] = relationship()

    @property
    def title(self) -> str:
        return self.product.name if self.product else self.description

    def unit_price(self, currency: str) -> Money | None:
        """What one costs in ``currency`` (None: the product has no price in it any more)."""
        if self.product is not None:
            return self.product.price_in(currency)
        return Money(self.unit_amount or 0, currency)
