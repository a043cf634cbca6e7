"""A storefront cart as the checkout sells it, registered with the checkout as ``cart``.

A cart's checkout keeps the products and quantities it was opened with
(``CheckoutSession.quantities``, by product id) and the unit prices the buyer saw
(``CheckoutSession.quoted``); it is priced from the shop's current listings and prices, so a
product unlisted or repriced since is shown (and charged) as it is now, with a notice.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.catalog.service import pricing_price
from app.checkout.documents import (
    Closed,
    Document,
    DocumentLine,
    PageLink,
    register_document_type,
)
from app.checkout.later_setup import later_setup_from_webhook
from app.checkout.models import CheckoutSession
from app.core import pricing
from app.core.methods import PaymentMethod
from app.core.money import Money
from app.extensions import DbSession
from app.payments.models import Payment
from app.payments.service import register_setup_handler
from app.storefront.labels import BUYER_REFUSALS
from app.storefront.models import Cart, Storefront, StorefrontProduct
from app.storefront.service import empty_cart, is_on_sale, listings, shop_methods
from app.web.i18n import money

DOCUMENT_TYPE = "cart"  # Payment.document_type of a storefront cart's payments

SHOP_CLOSED = Closed(
    "shop_closed",
    _l(
        "This shop is closed at the moment. Nothing was charged. Please try again later or "
        "contact the seller."
    ),
)


class CartDocument(Document):
    """A storefront cart at checkout: the products and quantities the checkout was opened with
    (``quantities``, product id -> quantity), each still on sale in the shop, at its price now.

    Lines are neither adjustable nor optional here: the buyer changes them in the cart.
    """

    type = DOCUMENT_TYPE
    refusal_messages = BUYER_REFUSALS

    def __init__(
        self,
        cart: Cart,
        storefront: Storefront,
        listed: list[StorefrontProduct],
        quantities: dict[int, int],
        currency: str,
        locale: str,
    ) -> None:
        self.cart_row = cart
        self.storefront = storefront
        self.id = str(cart.id)
        self.merchant = storefront.merchant
        self.currency = currency
        self.title = _("Order from %(shop)s", shop=storefront.title_in(locale))
        self.back_link = PageLink(f"/s/{storefront.slug}", _l("Back to the shop"))
        self.edit_link = PageLink(f"/s/{storefront.slug}/cart", _l("Change your cart"))
        self.quantities = quantities
        self.on_sale = {
            listing.product_id: listing for listing in listed if is_on_sale(listing, currency)
        }
        self.charges_later = any(
            listing.product.is_recurring
            or listing.product.trial_days
            or listing.product.first_charge_on
            for product_id, listing in self.on_sale.items()
            if quantities.get(product_id, 0) > 0
        )
        self.lines = [
            DocumentLine(product_id, self.on_sale[product_id].product.name, quantity)
            for product_id, quantity in quantities.items()
            if product_id in self.on_sale and quantity > 0
        ]

    @classmethod
    def from_cart(
        cls,
        session: DbSession,
        cart: Cart,
        storefront: Storefront,
        locale: str,
        listed: list[StorefrontProduct] | None = None,
    ) -> CartDocument:
        """The cart as a new checkout takes it: its lines on sale now, at their quantities
        (``listed``: the shop's listings when the caller has them loaded already)."""
        listed = listings(session, storefront) if listed is None else listed
        quantities = {
            line.product_id: line.quantity for line in cart.lines if line.product_id is not None
        }
        return cls(cart, storefront, listed, quantities, cart.currency, locale)

    def cart(self, quantities: dict[int, int], today: date, **extras: Any) -> pricing.Cart:
        lines = []
        for product_id, quantity in quantities.items():
            listing = self.on_sale.get(product_id)
            if listing is None or quantity <= 0:
                continue  # no longer sold: not priced, not charged
            price = listing.product.price_in(self.currency)
            assert price is not None  # is_on_sale
            lines.append(
                pricing.Line(pricing_price(listing.product, price, str(product_id)), quantity)
            )
        return pricing.Cart(currency=self.currency, today=today, lines=tuple(lines), **extras)

    def accepted(self, session: DbSession) -> list[PaymentMethod]:
        return shop_methods(session, self.merchant, self.storefront)

    def closed(self, session: DbSession) -> Closed | None:
        return None if self.storefront.enabled else SHOP_CLOSED

    def paid(self, session: DbSession, payment: Payment) -> None:
        """The cart is emptied, whichever path recorded the payment."""
        empty_cart(session, self.cart_row)

    def snapshot(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "lines": {
                str(line.id): {
                    "name": line.title,
                    "unit": self.on_sale[line.id].product.price_in(self.currency).amount,  # type: ignore[union-attr]
                }
                for line in self.lines
            },
        }

    def notices(self, quoted: dict[str, Any] | None) -> list[str]:
        if not quoted:
            return []
        messages = []
        for key, seen in (quoted.get("lines") or {}).items():
            listing = self.on_sale.get(int(key))
            if listing is None:
                messages.append(
                    _(
                        "%(item)s is no longer sold, so it is not in your total and you will "
                        "not be charged for it.",
                        item=seen.get("name", ""),
                    )
                )
                continue
            now = listing.product.price_in(self.currency)
            if now is not None and now.amount != seen.get("unit"):
                before = Money(int(seen.get("unit") or 0), self.currency)
                messages.append(
                    _(
                        "The price of %(item)s changed from %(before)s to %(now)s since you "
                        "opened the checkout. Your total shows the new price.",
                        item=listing.product.name,
                        before=money(before),
                        now=money(now),
                    )
                )
        return messages


def load_cart_document(session: DbSession, checkout: CheckoutSession) -> CartDocument | None:
    """The cart of a checkout as the checkout keeps it: its own quantities (the cart itself is
    emptied once paid, and a bounced debit's buyer may pay again), in the currency it was
    quoted in."""
    cart = session.scalar(
        select(Cart)
        .options(selectinload(Cart.lines))
        .where(Cart.id == int(checkout.document_id), Cart.merchant_id == checkout.merchant_id)
    )
    if cart is None:  # carts with a checkout are emptied, never deleted
        return None
    storefront = session.scalar(
        select(Storefront)
        .options(joinedload(Storefront.merchant))
        .where(Storefront.id == cart.storefront_id, Storefront.merchant_id == checkout.merchant_id)
    )
    if storefront is None:
        return None
    currency = (checkout.quoted or {}).get("currency") or cart.currency
    quantities = {int(key): quantity for key, quantity in checkout.quantities.items()}
    return CartDocument(
        cart, storefront, listings(session, storefront), quantities, currency, checkout.locale
    )


register_document_type(DOCUMENT_TYPE, load_cart_document)
register_setup_handler(DOCUMENT_TYPE, later_setup_from_webhook)
