"""Everything that reads or changes the storefront: its settings, listed products and their
order, categories, and buyers' carts priced by ``core/pricing``.

Buyer pages find a shop by its public slug and a cart by the token in the buyer's session; the
browser sends choices (a product, a quantity, a code, a currency), never an amount.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import Engine, Select, bindparam, func, select
from sqlalchemy.orm import joinedload, selectinload

from app.catalog.models import Product
from app.catalog.service import pricing_discount, pricing_price, product_refusal
from app.core import pricing
from app.core.errors import ServiceError
from app.core.methods import PaymentMethod
from app.core.tokens import new_secret_token, token_digest
from app.extensions import DbSession
from app.merchants.models import Merchant
from app.settings.service import (
    accepted_methods,
    account_currencies,
    usable_discount,
)
from app.storefront.labels import NOT_SOLD_ONLINE
from app.storefront.models import Cart, CartLine, Storefront, StorefrontCategory, StorefrontProduct
from app.web.uploads import delete_image, store_image

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{1,38}[a-z0-9]")
SLUG_MAX = 40
MAX_QUANTITY = 999
MAX_CATEGORIES = 30


def slugify(text: str, limit: int = SLUG_MAX) -> str:
    """Lower-case ASCII letters, digits and single hyphens ("Café Åkesson" -> "cafe-akesson")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].strip("-")


def _free_slug(taken: set[str], base: str, limit: int) -> str:
    base = base or "shop"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        suffix = f"-{n}"
        candidate = base[: limit - len(suffix)] + suffix
    return candidate


# The storefront's settings


def storefront_of(session: DbSession, merchant: Merchant) -> Storefront:
    """The merchant's storefront, made (off, with an address from its name) on first use."""
    storefront = session.scalar(select(Storefront).where(Storefront.merchant_id == merchant.id))
    if storefront is None:
        base = slugify(merchant.name)
        if len(base) < 3:
            base = f"shop-{base}".strip("-")
        taken = set(
            session.scalars(select(Storefront.slug).where(Storefront.slug.like(f"{base}%")))
        )
        storefront = Storefront(
            merchant_id=merchant.id,
            slug=_free_slug(taken, base, SLUG_MAX),
            titles={merchant.default_locale: merchant.name},
        )
        session.add(storefront)
        session.flush()
    return storefront


@dataclass(frozen=True)
class ShopStamp:
    """What decides whether a shop page may come from the page cache, and under which key."""

    storefront_id: int
    enabled: bool
    default_locale: str
    public_version: str


@cache
def _stamp_query() -> Select[int, bool, str, str]:
    # Built once: constructing the statement costs more than running it on this hot path.
    return (
        select(Storefront.id, Storefront.enabled, Merchant.default_locale, Merchant.public_version)
        .join(Merchant, Merchant.id == Storefront.merchant_id)
        .where(Storefront.slug == bindparam("slug"))
    )


def shop_stamp(engine: Engine, slug: str) -> ShopStamp | None:
    """One small query, made before anything else on a shop page, on a connection of its own:
    it loads no objects, so a session would only add its setup and teardown to every hit."""
    with engine.connect() as connection:
        row = connection.execute(_stamp_query(), {"slug": slug}).one_or_none()
    if row is None:
        return None
    storefront_id, enabled, default_locale, public_version = row
    return ShopStamp(storefront_id, enabled, default_locale, public_version)


def storefront_by_slug(session: DbSession, slug: str) -> Storefront | None:
    return session.scalar(
        select(Storefront).options(joinedload(Storefront.merchant)).where(Storefront.slug == slug)
    )


@dataclass(frozen=True)
class StorefrontDetails:
    """What the storefront form edits. ``methods`` None: as in the checkout settings."""

    enabled: bool
    slug: str
    titles: dict[str, str]
    intros: dict[str, str]
    currency_switch: bool = False
    methods: list[PaymentMethod] | None = None
    heroes: dict[str, bytes] = field(default_factory=dict)  # locale -> a new checked image
    remove_heroes: frozenset[str] = frozenset()


def update_storefront(
    session: DbSession, merchant: Merchant, storefront: Storefront, details: StorefrontDetails
) -> Storefront:
    slug = details.slug.strip().lower()
    if not SLUG.fullmatch(slug):
        raise ServiceError(
            _l("Use 3 to 40 lower-case letters a to z, digits and hyphens, not at either end."),
            "slug",
        )
    if session.scalar(
        select(Storefront.id).where(Storefront.slug == slug, Storefront.id != storefront.id)
    ):
        raise ServiceError(_l("This address is taken. Choose another."), "slug")
    titles = {code: text.strip() for code, text in details.titles.items() if text.strip()}
    if not titles:
        raise ServiceError(
            _l("Give your shop a title in at least one language."),
            f"title_{merchant.default_locale}",
        )
    if details.methods is not None:
        accepted = set(accepted_methods(session, merchant))
        if not details.methods or any(m not in accepted for m in details.methods):
            raise ServiceError(
                _l("Choose only methods that your checkout settings accept."), "payment_methods"
            )
    storefront.slug = slug
    storefront.enabled = details.enabled
    storefront.titles = titles
    storefront.intros = {c: t.strip() for c, t in details.intros.items() if t.strip()}
    storefront.currency_switch = details.currency_switch
    storefront.payment_methods = (
        [m.value for m in PaymentMethod if m in details.methods] if details.methods else None
    )
    heroes = dict(storefront.hero_images)
    for code in details.remove_heroes | details.heroes.keys():
        old = heroes.pop(code, None)
        if code in details.heroes:
            heroes[code] = store_image(details.heroes[code])
        delete_image(old)
    storefront.hero_images = heroes
    session.flush()
    return storefront


def shop_methods(
    session: DbSession, merchant: Merchant, storefront: Storefront
) -> list[PaymentMethod]:
    """The methods the shop's checkout offers: the checkout settings', narrowed by the shop."""
    chosen = storefront.payment_methods
    return [m for m in accepted_methods(session, merchant) if chosen is None or m.value in chosen]


# Listed products and their order


def listings(session: DbSession, storefront: Storefront) -> list[StorefrontProduct]:
    """Every listed product in the shop's order, with its product, prices, tax and category
    loaded in the same few queries."""
    return list(
        session.scalars(
            select(StorefrontProduct)
            .options(
                joinedload(StorefrontProduct.product).selectinload(Product.prices),
                joinedload(StorefrontProduct.product).joinedload(Product.tax_rate),
                joinedload(StorefrontProduct.category),
            )
            .where(StorefrontProduct.storefront_id == storefront.id)
            .order_by(StorefrontProduct.position, StorefrontProduct.id)
        ).unique()
    )


def is_on_sale(listing: StorefrontProduct, currency: str) -> bool:
    """A listed product is sold in ``currency`` while it is not archived, has a price there,
    and the pricing engine can price it (a schedule or tax rate stored outside what it takes
    keeps it out of the shop, and the panel warns the merchant: ``refused_settings``)."""
    product = listing.product
    price = product.price_in(currency)
    return not product.is_archived and price is not None and product_refusal(product, price) is None


def sold_online(listing: StorefrontProduct, currency: str, today: date) -> bool:
    """Whether buyers can buy this listed product in the shop today: while it is on sale. A
    product that renews or charges later (trial days, a start date) starts a subscription."""
    return is_on_sale(listing, currency)


def listing_by_slug(
    session: DbSession, storefront: Storefront, slug: str
) -> StorefrontProduct | None:
    return session.scalar(
        select(StorefrontProduct)
        .options(
            joinedload(StorefrontProduct.product).selectinload(Product.prices),
            joinedload(StorefrontProduct.product).joinedload(Product.tax_rate),
        )
        .where(StorefrontProduct.storefront_id == storefront.id, StorefrontProduct.slug == slug)
    )


def unlisted_products(session: DbSession, storefront: Storefront) -> list[Product]:
    """The merchant's products on sale that the shop does not list yet, by name."""
    listed = select(StorefrontProduct.product_id).where(
        StorefrontProduct.storefront_id == storefront.id
    )
    return list(
        session.scalars(
            select(Product)
            .where(
                Product.merchant_id == storefront.merchant_id,
                Product.archived_at.is_(None),
                Product.id.not_in(listed),
            )
            .order_by(Product.name)
        )
    )


def _category_or_refuse(
    session: DbSession, storefront: Storefront, category_id: int | None
) -> int | None:
    if category_id is None:
        return None
    found = session.scalar(
        select(StorefrontCategory.id).where(
            StorefrontCategory.id == category_id,
            StorefrontCategory.storefront_id == storefront.id,
        )
    )
    if found is None:
        raise ServiceError(_l("Choose one of the options."), "category")
    return category_id


def list_product(
    session: DbSession, storefront: Storefront, product_id: int, category_id: int | None = None
) -> StorefrontProduct:
    """List one of the merchant's products on sale, last in the shop's order."""
    product = session.scalar(
        select(Product).where(
            Product.id == product_id,
            Product.merchant_id == storefront.merchant_id,
            Product.archived_at.is_(None),
        )
    )
    if product is None:
        raise ServiceError(_l("Choose one of the options."), "product")
    if session.scalar(
        select(StorefrontProduct.id).where(
            StorefrontProduct.storefront_id == storefront.id,
            StorefrontProduct.product_id == product_id,
        )
    ):
        raise ServiceError(_l("This product is already in your shop."), "product")
    base = slugify(product.name, 70) or "product"
    taken = set(
        session.scalars(
            select(StorefrontProduct.slug).where(StorefrontProduct.storefront_id == storefront.id)
        )
    )
    last = session.scalar(
        select(func.max(StorefrontProduct.position)).where(
            StorefrontProduct.storefront_id == storefront.id
        )
    )
    listing = StorefrontProduct(
        merchant_id=storefront.merchant_id,
        storefront_id=storefront.id,
        product_id=product.id,
        category_id=_category_or_refuse(session, storefront, category_id),
        slug=_free_slug(taken, base, 80),
        position=(last or 0) + 1,
    )
    session.add(listing)
    session.flush()
    return listing


def unlist(session: DbSession, listing: StorefrontProduct) -> None:
    """Take a product out of the shop; carts that hold it say so and leave it out."""
    session.delete(listing)
    session.flush()


def move_listing(session: DbSession, listing: StorefrontProduct, step: int) -> None:
    """Move a listed product one place up (``step`` -1) or down (+1); at an end, nothing moves.

    Positions are renumbered 1..n on the way, so gaps and ties never build up."""
    ordered = list(
        session.scalars(
            select(StorefrontProduct)
            .where(StorefrontProduct.storefront_id == listing.storefront_id)
            .order_by(StorefrontProduct.position, StorefrontProduct.id)
        )
    )
    index = ordered.index(listing)
    target = index + step
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, row in enumerate(ordered, start=1):
        row.position = position
    session.flush()


def set_listing_category(
    session: DbSession, storefront: Storefront, listing: StorefrontProduct, category_id: int | None
) -> None:
    listing.category_id = _category_or_refuse(session, storefront, category_id)
    session.flush()


# Categories


def list_categories(session: DbSession, storefront: Storefront) -> list[StorefrontCategory]:
    return list(
        session.scalars(
            select(StorefrontCategory)
            .where(StorefrontCategory.storefront_id == storefront.id)
            .order_by(StorefrontCategory.id)
        )
    )


def _names(names: dict[str, str]) -> dict[str, str]:
    cleaned = {code: name.strip() for code, name in names.items() if name.strip()}
    if not cleaned:
        raise ServiceError(_l("Name the category in at least one language."))
    return cleaned


def add_category(
    session: DbSession, storefront: Storefront, names: dict[str, str]
) -> StorefrontCategory:
    if len(list_categories(session, storefront)) >= MAX_CATEGORIES:
        raise ServiceError(_l("You can have at most %(count)d categories.", count=MAX_CATEGORIES))
    category = StorefrontCategory(
        merchant_id=storefront.merchant_id, storefront_id=storefront.id, names=_names(names)
    )
    session.add(category)
    session.flush()
    return category


def rename_category(
    session: DbSession, category: StorefrontCategory, names: dict[str, str]
) -> None:
    category.names = _names(names)
    session.flush()


def remove_category(session: DbSession, category: StorefrontCategory) -> None:
    """Delete a category; its products stay listed, without a category."""
    session.delete(category)
    session.flush()


# Currencies


def shop_currencies(
    session: DbSession, merchant: Merchant, listed: list[StorefrontProduct]
) -> list[str]:
    """The account currencies that every product on sale in the shop has a price in (the
    default currency first): those a buyer may switch between."""
    products = [listing.product for listing in listed if not listing.product.is_archived]
    return [
        currency
        for currency in account_currencies(session, merchant)
        if all(product.price_in(currency) is not None for product in products)
    ]


def default_currency(merchant: Merchant, currencies: list[str]) -> str:
    """The shop's currency when the buyer has not chosen: the merchant's default currency if
    every product is priced in it (or nothing is common), else the first common one."""
    if merchant.default_currency in currencies or not currencies:
        return merchant.default_currency
    return currencies[0]


def buyer_currency(
    storefront: Storefront, merchant: Merchant, currencies: list[str], chosen: str | None
) -> str:
    """The currency a buyer sees: their choice when the shop lets them switch to it."""
    if storefront.currency_switch and chosen in currencies:
        return str(chosen)
    return default_currency(merchant, currencies)


def switchable_currencies(storefront: Storefront, currencies: list[str]) -> list[str]:
    """What the buyer's currency switcher offers (nothing when the shop does not switch)."""
    return currencies if storefront.currency_switch and len(currencies) > 1 else []


# Carts


def cart_by_token(session: DbSession, storefront: Storefront, token: str | None) -> Cart | None:
    if not token:
        return None
    return session.scalar(
        select(Cart)
        .options(selectinload(Cart.lines))
        .where(Cart.token_digest == token_digest(token), Cart.storefront_id == storefront.id)
    )


def new_cart(session: DbSession, storefront: Storefront, currency: str) -> tuple[Cart, str]:
    """A new empty cart and its token, for the buyer's session only (the cart keeps a digest)."""
    token = new_secret_token()
    cart = Cart(
        merchant_id=storefront.merchant_id,
        storefront_id=storefront.id,
        token_digest=token_digest(token),
        currency=currency,
    )
    session.add(cart)
    session.flush()
    return cart, token


def _check_quantity(quantity: int) -> None:
    if not 1 <= quantity <= MAX_QUANTITY:
        raise ServiceError(
            _l("Choose a quantity from %(min)d to %(max)d.", min=1, max=MAX_QUANTITY), "quantity"
        )


def add_to_cart(
    session: DbSession, cart: Cart, listing: StorefrontProduct, quantity: int, today: date
) -> CartLine:
    """Put ``quantity`` of a listed product in the cart (added to what is there already)."""
    _check_quantity(quantity)
    if not is_on_sale(listing, cart.currency):
        raise ServiceError(_l("This product is not sold at the moment."), "quantity")
    if not sold_online(listing, cart.currency, today):
        raise ServiceError(NOT_SOLD_ONLINE, "quantity")
    line = next((line for line in cart.lines if line.product_id == listing.product_id), None)
    if line is None:
        line = CartLine(
            merchant_id=cart.merchant_id,
            product_id=listing.product_id,
            product_name=listing.product.name,
            quantity=0,
        )
        cart.lines.append(line)
    line.quantity = min(line.quantity + quantity, MAX_QUANTITY)
    session.flush()
    return line


def cart_line(cart: Cart, line_id: int) -> CartLine:
    line = next((line for line in cart.lines if line.id == line_id), None)
    if line is None:
        raise ServiceError(_l("This item is no longer in your cart."), "line")
    return line


def set_line_quantity(session: DbSession, cart: Cart, line_id: int, quantity: int) -> None:
    _check_quantity(quantity)
    cart_line(cart, line_id).quantity = quantity
    session.flush()


def remove_line(session: DbSession, cart: Cart, line_id: int) -> None:
    cart.lines.remove(cart_line(cart, line_id))
    session.flush()


def apply_cart_discount(session: DbSession, merchant: Merchant, cart: Cart, code: str) -> None:
    """Use a code (an empty one removes it); refused unless it works for this cart now."""
    if not code.strip():
        cart.discount_code = ""
        return
    discount = usable_discount(session, merchant, code)
    if discount is None or pricing_discount(discount, cart.currency) is None:
        raise ServiceError(_l("This code does not work here."), "code")
    cart.discount_code = discount.code


def empty_cart(session: DbSession, cart: Cart) -> None:
    """The cart was paid for: its lines and code go; the buyer's next product starts afresh."""
    cart.lines.clear()
    cart.discount_code = ""
    session.flush()


def set_cart_currency(cart: Cart, currency: str) -> None:
    """The buyer switched currency: the cart's prices follow (the shop checked the currency)."""
    cart.currency = currency


@dataclass(frozen=True)
class PricedLine:
    line: CartLine
    listing: StorefrontProduct
    priced: pricing.LineBreakdown


@dataclass(frozen=True)
class CartSummary:
    """A cart as the buyer sees it: lines on sale priced by ``core/pricing``, lines no longer
    sold (unlisted, archived, deleted, or without a price in the cart's currency) apart and
    left out of every amount, and why the cart cannot be checked out, if it cannot."""

    lines: list[PricedLine]
    unavailable: list[CartLine]
    breakdown: pricing.Breakdown
    refusal: pricing.Refusal | None
    discount_code: str  # the code applied ("" when none, or when it stopped working)
    discount_dropped: bool  # the cart has a code that no longer works
    taxes_by_country: bool  # some tax depends on the buyer's country (known at checkout)

    @property
    def item_count(self) -> int:
        return sum(p.line.quantity for p in self.lines)


def summarize_cart(
    session: DbSession,
    merchant: Merchant,
    cart: Cart,
    listed: list[StorefrontProduct],
    today: date,
) -> CartSummary:
    by_product = {listing.product_id: listing for listing in listed}
    on_sale: list[tuple[CartLine, StorefrontProduct]] = []
    unavailable: list[CartLine] = []
    for line in cart.lines:
        listing = by_product.get(line.product_id) if line.product_id is not None else None
        if listing is None or not is_on_sale(listing, cart.currency):
            unavailable.append(line)
        else:
            on_sale.append((line, listing))
    discount = None
    if cart.discount_code:
        row = usable_discount(session, merchant, cart.discount_code)
        discount = pricing_discount(row, cart.currency) if row is not None else None
    pricing_cart = pricing.Cart(
        currency=cart.currency,
        today=today,
        lines=tuple(
            pricing.Line(
                pricing_price(
                    listing.product,
                    listing.product.price_in(cart.currency),  # type: ignore[arg-type]
                    str(line.id),
                ),
                line.quantity,
            )
            for line, listing in on_sale
        ),
        discount=discount,
    )
    breakdown = pricing.price(pricing_cart, None)
    return CartSummary(
        lines=[
            PricedLine(line, listing, priced)
            for (line, listing), priced in zip(on_sale, breakdown.lines, strict=True)
        ],
        unavailable=unavailable,
        breakdown=breakdown,
        refusal=pricing.refusal(breakdown, later_charges=True),
        discount_code=discount.code if discount else "",
        discount_dropped=bool(cart.discount_code) and discount is None,
        taxes_by_country=any(
            rate.countries for line in pricing_cart.lines for rate in line.effective_tax_rates
        ),
    )
