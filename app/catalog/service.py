"""Everything that changes the product library; routes call these, and so will the storefront,
payment links, quotes and invoices to read products (``list_products``, ``Product.price_in``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.catalog.models import BillingInterval, Price, Product
from app.core import pricing
from app.core.money import Money
from app.extensions import DbSession
from app.merchants.models import Merchant, utcnow
from app.merchants.service import ServiceError
from app.settings.models import Discount, Fee, TaxRate
from app.settings.service import ensure_account_currency
from app.web.uploads import delete_image, store_image


@dataclass(frozen=True)
class ProductDetails:
    """What the product form edits (everything but prices and the image)."""

    name: str
    description: str = ""
    sku: str = ""
    interval: BillingInterval | None = None
    interval_count: int = 1
    first_charge_on: date | None = None
    trial_days: int | None = None
    tax_rate_id: int | None = None


def list_products(
    session: DbSession, merchant: Merchant, *, archived: bool = False
) -> list[Product]:
    """The merchant's products by name: the active ones, or the archived ones."""
    query = select(Product).where(Product.merchant_id == merchant.id).order_by(Product.name)
    if archived:
        query = query.where(Product.archived_at.is_not(None))
    else:
        query = query.where(Product.archived_at.is_(None))
    return list(session.scalars(query))


def _apply(
    session: DbSession, merchant: Merchant, product: Product, details: ProductDetails
) -> None:
    if details.interval is None and (details.first_charge_on or details.trial_days):
        raise ServiceError(
            _l("Only recurring products can delay their first charge."), "first_charge_on"
        )
    if details.first_charge_on and details.trial_days:
        raise ServiceError(_l("Choose a start date or trial days, not both."), "trial_days")
    if details.first_charge_on and details.first_charge_on <= utcnow().date():
        raise ServiceError(_l("Choose a start date after today."), "first_charge_on")
    if (
        details.tax_rate_id is not None
        and session.scalar(
            select(TaxRate.id).where(
                TaxRate.id == details.tax_rate_id, TaxRate.merchant_id == merchant.id
            )
        )
        is None
    ):
        raise ServiceError(_l("Choose one of the options."), "tax_rate")
    product.name = details.name.strip()
    product.description = details.description.strip()
    product.sku = details.sku.strip()
    product.interval = details.interval
    product.interval_count = details.interval_count if details.interval else 1
    product.first_charge_on = details.first_charge_on
    product.trial_days = details.trial_days
    product.tax_rate_id = details.tax_rate_id


def create_product(
    session: DbSession, merchant: Merchant, details: ProductDetails, price: Money
) -> Product:
    """A new product with its first price (in one of the merchant's currencies)."""
    product = Product(merchant_id=merchant.id)
    _apply(session, merchant, product, details)
    ensure_account_currency(session, merchant, price.currency)
    product.prices.append(
        Price(merchant_id=merchant.id, currency=price.currency, unit_amount=price.amount)
    )
    session.add(product)
    session.flush()
    return product


def update_product(
    session: DbSession, merchant: Merchant, product: Product, details: ProductDetails
) -> Product:
    _apply(session, merchant, product, details)
    session.flush()
    return product


def set_product_image(product: Product, data: bytes | None) -> None:
    """Store a checked image as the product's picture, or none; the previous one is deleted."""
    old = product.image_filename
    product.image_filename = store_image(data) if data is not None else None
    delete_image(old)


def archive_product(product: Product) -> None:
    """Hide a product from new sales; documents that already use it keep it."""
    if product.archived_at is None:
        product.archived_at = utcnow()


def unarchive_product(product: Product) -> None:
    product.archived_at = None


def add_price(session: DbSession, merchant: Merchant, product: Product, price: Money) -> Price:
    """A price in another account currency (one per currency at most)."""
    ensure_account_currency(session, merchant, price.currency)
    if product.price_in(price.currency) is not None:
        raise ServiceError(
            _l("This product already has a price in %(currency)s.", currency=price.currency),
            "currency",
        )
    row = Price(merchant_id=merchant.id, currency=price.currency, unit_amount=price.amount)
    product.prices.append(row)
    session.flush()
    return row


def remove_price(session: DbSession, price: Price) -> None:
    if len(price.product.prices) <= 1:
        raise ServiceError(_l("A product needs at least one price."))
    price.product.prices.remove(price)
    session.flush()


# Pricing inputs: library and settings rows as ``core/pricing`` values. Every document that
# prices products (payment links, the storefront cart, the checkout) builds its
# ``pricing.Cart`` from these: there is one conversion of each.


def pricing_tax_rate(row: TaxRate) -> pricing.TaxRate:
    return pricing.TaxRate(
        name=row.name,
        percentage=Decimal(row.percent_bps) / 100,
        behavior=pricing.TaxBehavior.INCLUSIVE if row.inclusive else pricing.TaxBehavior.EXCLUSIVE,
        countries=frozenset({row.country}) if row.country else frozenset(),
    )


def pricing_price(product: Product, unit_amount: Money, reference: str) -> pricing.Price:
    """``product`` at ``unit_amount``: its schedule (recurrence, delayed first charge) and tax."""
    return pricing.Price(
        reference=reference,
        unit_amount=unit_amount,
        recurrence=(
            pricing.Recurrence(pricing.Interval(product.interval.value), product.interval_count)
            if product.interval
            else None
        ),
        starts_on=product.first_charge_on,
        trial_days=product.trial_days or 0,
        tax_rates=(pricing_tax_rate(product.tax_rate),) if product.tax_rate else (),
    )


def pricing_discount(discount: Discount, currency: str) -> pricing.Discount | None:
    """A discount code for a cart in ``currency``; None when its amount off is in another one."""
    if discount.percent_bps:
        return pricing.Discount(discount.code, percentage=Decimal(discount.percent_bps) / 100)
    amount_off = discount.amount_off
    if amount_off is None or amount_off.currency != currency:
        return None
    return pricing.Discount(discount.code, amount=amount_off)


def pricing_fees(fees: Iterable[Fee], currency: str) -> tuple[pricing.Fee, ...]:
    """The method fees that apply in ``currency`` (a fixed fee in another one does not)."""
    result = []
    for fee in fees:
        fixed = fee.fixed or None  # a fixed part of 0 is no fixed part, in any currency
        if fixed is not None and fixed.currency != currency:
            continue
        result.append(
            pricing.Fee(
                name=fee.name,
                method=pricing.PaymentMethod(fee.method.value),
                fixed=fixed,
                percentage=Decimal(fee.percent_bps or 0) / 100,
                gross_up=fee.gross_up,
            )
        )
    return tuple(result)
