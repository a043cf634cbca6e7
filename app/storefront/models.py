"""The storefront: a merchant's public shop (one per merchant), the products it lists in order,
their categories, and buyers' carts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.catalog.models import Product
from app.core.clock import utcnow
from app.data.bases import MerchantOwned, ShownToBuyers
from app.extensions import db
from app.merchants.models import Merchant


def in_locale(texts: dict[str, Any], locale: str, fallback: str) -> str:
    """A per-locale text in ``locale``, else in ``fallback`` (the merchant's), else any."""
    value = texts.get(locale) or texts.get(fallback)
    if value:
        return str(value)
    return str(next((v for v in texts.values() if v), ""))


class Storefront(MerchantOwned, ShownToBuyers, db.Model):  # type: ignore[name-defined]
    """One row per merchant, made on first use by ``service.storefront_of``; off until turned on.

    ``titles``, ``intros`` and ``hero_images`` map each shipped locale to its text or stored
    image name. ``payment_methods`` None follows the checkout settings; a list narrows them.
    """

    __tablename__ = "storefronts"
    __table_args__ = (UniqueConstraint("merchant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    titles: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    intros: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    hero_images: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    currency_switch: Mapped[bool] = mapped_column(Boolean, default=False)
    payment_methods: Mapped[list[str] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    merchant: Mapped[Merchant] = relationship()

    def title_in(self, locale: str) -> str:
        return in_locale(self.titles, locale, self.merchant.default_locale) or self.merchant.name

    def intro_in(self, locale: str) -> str:
        return in_locale(self.intros, locale, self.merchant.default_locale)

    def hero_in(self, locale: str) -> str | None:
        return in_locale(self.hero_images, locale, self.merchant.default_locale) or None


class StorefrontCategory(MerchantOwned, ShownToBuyers, db.Model):  # type: ignore[name-defined]
    """A group of listed products buyers can filter by; ``names`` per shipped locale."""

    __tablename__ = "storefront_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    storefront_id: Mapped[int] = mapped_column(
        ForeignKey("storefronts.id", ondelete="CASCADE"), index=True
    )
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def name_in(self, locale: str, fallback: str = "en") -> str:
        return in_locale(self.names, locale, fallback)


class StorefrontProduct(MerchantOwned, ShownToBuyers, db.Model):  # type: ignore[name-defined]
    """A product listed in the shop, at ``position`` (smallest first), found by ``slug``
    (fixed when listed, unique in the shop). Deleting the product unlists it."""

    __tablename__ = "storefront_products"
    __table_args__ = (
        # Named here: the convention's first-column name would give both the same name, which
        # PostgreSQL refuses.
        UniqueConstraint("storefront_id", "product_id", name="uq_storefront_products_product"),
        UniqueConstraint("storefront_id", "slug", name="uq_storefront_products_slug"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    storefront_id: Mapped[int] = mapped_column(
        ForeignKey("storefronts.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("storefront_categories.id", ondelete="SET NULL"), index=True
    )
    slug: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)

    product: Mapped[Product] = relationship()
    category: Mapped[StorefrontCategory | None] = relationship()


class Cart(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """A buyer's cart in one shop, found by the token in the buyer's signed session cookie."""

    __tablename__ = "carts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the cart's token (256 random bits), which only the buyer's session cookie holds.
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    storefront_id: Mapped[int] = mapped_column(
        ForeignKey("storefronts.id", ondelete="CASCADE"), index=True
    )
    currency: Mapped[str] = mapped_column(String(3))
    discount_code: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    lines: Mapped[list[CartLine]] = relationship(
        back_populates="cart", order_by="CartLine.id", cascade="all, delete-orphan"
    )


class CartLine(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """A product and its quantity. ``product_name`` is kept so that a cart can still name a
    product the merchant deleted (the line then has no product and is not sold)."""

    __tablename__ = "cart_lines"
    __table_args__ = (UniqueConstraint("cart_id", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="SET NULL"), index=True
    )
    product_name: Mapped[str] = mapped_column(String(120))
    quantity: Mapped[int] = mapped_column(Integer, default=1)

    cart: Mapped[Cart] = relationship(back_populates="lines")
    product: Mapped[Product | None] = relationship()
