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
from app.core.clock import utcnow
from app.core.errors import ServiceError
from app.core.money import Money
from app.extensions import DbSession
from app.merchants.models import Merchant
from app.settings.models import Discount, Fee, TaxRate
from app.settings.service import account_currencies, ensure_account_currency
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
    """A discount code for a cart in ``currency``; None when its amount off is in another one,
    or when the pricing engine refuses what is stored (a percentage above 100, a negative
    amount): for the buyer such a code does not work, and ``refused_settings`` warns the
    merchant."""
    try:
        return _engine_discount(discount, currency)
    except pricing.PricingError:
        return None


def _engine_discount(discount: Discount, currency: str) -> pricing.Discount | None:
    if discount.percent_bps:
        return pricing.Discount(discount.code, percentage=Decimal(discount.percent_bps) / 100)
    amount_off = discount.amount_off
    if amount_off is None or amount_off.currency != currency:
        return None
    return pricing.Discount(discount.code, amount=amount_off)


def pricing_fees(fees: Iterable[Fee], currency: str) -> tuple[pricing.Fee, ...]:
    """The method fees that apply in ``currency`` (``Fee.applies_in``). Raises ``PricingError``
    for a stored fee the engine cannot use; two fees for one method are refused when that method
    is priced."""
    return tuple(
        pricing.Fee(
            name=fee.name,
            method=pricing.PaymentMethod(fee.method.value),
            fixed=fee.fixed or None,
            percentage=Decimal(fee.percent_bps or 0) / 100,
            gross_up=fee.gross_up,
        )
        for fee in fees
        if fee.applies_in(currency)
    )


def product_refusal(product: Product, unit_amount: Money) -> pricing.Refusal | None:
    """Why the pricing engine cannot sell ``product`` at ``unit_amount`` (a schedule, amount or
    tax rate stored outside what it takes), or None."""
    try:
        pricing_price(product, unit_amount, str(product.id))
    except pricing.PricingError as error:
        return error.refusal
    return None


# What the panel warns about: stored settings that make checkouts refuse.


@dataclass(frozen=True)
class RefusedSetting:
    """A stored setting the pricing engine refuses: a fee, two fees of one method, a code, a
    tax rate or a product (``name`` says which), and the refusal buyers get because of it."""

    refusal: pricing.Refusal
    name: str


def refused_settings(session: DbSession, merchant: Merchant) -> list[RefusedSetting]:
    """Every stored fee, discount code, tax rate and product on sale that the pricing engine
    refuses. The forms do not let such settings in, but an old database or two panel tabs
    saving at once can; buyers then get a closed page, and the panel shows these."""
    refused = []
    currencies = account_currencies(session, merchant)
    fees = list(session.scalars(select(Fee).where(Fee.merchant_id == merchant.id)))
    usable = []
    for fee in fees:
        try:
            pricing_fees([fee], fee.fixed_currency or merchant.default_currency)
        except pricing.PricingError as error:
            refused.append(RefusedSetting(error.refusal, fee.name))
        else:
            usable.append(fee)
    for method in dict.fromkeys(fee.method for fee in usable):
        for currency in currencies:
            together = [f for f in usable if f.method == method and f.applies_in(currency)]
            if len(together) > 1:
                names = ", ".join(f.name for f in together)
                refused.append(RefusedSetting(pricing.Refusal.CONFLICTING_FEES, names))
                break
    for discount in session.scalars(select(Discount).where(Discount.merchant_id == merchant.id)):
        try:
            _engine_discount(discount, discount.currency or merchant.default_currency)
        except pricing.PricingError as error:
            refused.append(RefusedSetting(error.refusal, discount.code))
    for rate in session.scalars(select(TaxRate).where(TaxRate.merchant_id == merchant.id)):
        try:
            pricing_tax_rate(rate)
        except pricing.PricingError as error:
            refused.append(RefusedSetting(error.refusal, rate.name))
    for product in list_products(session, merchant):
        problems = {product_refusal(product, price.money) for price in product.prices}
        refused.extend(RefusedSetting(p, product.name) for p in problems if p is not None)
    return refused
