"""What the checkout sells: a *document*. The checkout's pages, pricing, pay step, return page
and receipts are the same for every document; a document says what differs.

A document provides its merchant, currency and title; its lines (for the summary) and those
lines as a ``pricing.Cart`` for the buyer's quantities; the methods it offers; the questions
it asks (or the checkout settings'); whether it is closed; where the buyer goes after paying;
and what changed since the checkout opened. ``CheckoutSession.document_type`` and
``document_id`` name it; ``document_of`` finds it again, within the checkout's merchant.

Two documents exist: a payment link (``LinkDocument``) and a storefront cart
(``CartDocument``). A cart's checkout keeps the products and quantities it was opened with
(``CheckoutSession.quantities``, by product id) and the unit prices the buyer saw
(``CheckoutSession.quoted``); it is priced from the shop's current listings and prices, so a
product unlisted or repriced since is shown (and charged) as it is now, with a notice.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel.speaklater import LazyString
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.catalog.service import pricing_price
from app.core import pricing
from app.core.methods import PaymentMethod, required_currency
from app.core.money import Money
from app.extensions import DbSession
from app.links.labels import BUYER_REFUSALS as LINK_BUYER_REFUSALS
from app.links.models import LinkStatus, PaymentLink
from app.links.service import DOCUMENT_TYPE as LINK_TYPE
from app.links.service import (
    claim_link_payment,
    initial_quantities,
    link_cart,
    link_state,
    release_link_payment,
)
from app.merchants.models import Merchant
from app.settings.models import Collect
from app.settings.service import accepted_methods, connected_account
from app.storefront.labels import BUYER_REFUSALS
from app.storefront.models import Cart, Storefront, StorefrontProduct
from app.storefront.service import empty_cart, is_on_sale, listings, shop_methods
from app.web.i18n import money

CART_TYPE = "cart"  # Payment.document_type of a storefront cart's payments


class Closed(enum.StrEnum):
    """Why a document cannot be paid now (each has its own message)."""

    INACTIVE = "inactive"
    EXPIRED = "expired"
    COMPLETED = "completed"
    NOT_CONNECTED = "not_connected"
    SHOP_CLOSED = "shop_closed"


_CLOSED_BY_STATUS = {
    LinkStatus.INACTIVE: Closed.INACTIVE,
    LinkStatus.EXPIRED: Closed.EXPIRED,
    LinkStatus.COMPLETED: Closed.COMPLETED,
}


@dataclass(frozen=True)
class DocumentLine:
    """A line as the summary shows it (the attributes a payment link's line has too)."""

    id: int
    title: str
    quantity: int
    adjustable_quantity: bool = False
    optional: bool = False
    min_quantity: int = 1
    max_quantity: int = 1


class Document:
    """The interface; the defaults are a document that asks what the checkout settings ask,
    offers every accepted method, never closes and has nothing changed."""

    type: str
    id: str
    merchant: Merchant
    currency: str
    title: str
    message: str = ""
    lines: Sequence[Any] = ()
    # Questions the document decides itself (None: as in the checkout settings).
    billing_address: Collect | None = None
    shipping_address: Collect | None = None
    phone: Collect | None = None
    redirect_url: str | None = None  # where a paid buyer is sent instead of the receipt
    back_url: str | None = None  # what the receipt links back to
    refusal_messages: dict[pricing.Refusal, LazyString] = BUYER_REFUSALS

    def initial_quantities(self) -> dict[int, int]:
        return {line.id: line.quantity for line in self.lines}

    def cart(self, quantities: dict[int, int], today: date, **extras: Any) -> pricing.Cart:
        raise NotImplementedError

    def addable(self, priced: set[str]) -> list[tuple[Any, Money]]:
        """Optional lines the buyer has not added (``priced``: the references in the cart)."""
        return []

    def accepted(self, session: DbSession) -> list[PaymentMethod]:
        return accepted_methods(session, self.merchant)

    def methods(self, session: DbSession) -> list[PaymentMethod]:
        """What the buyer may pay with: the document's methods the currency allows."""
        return [m for m in self.accepted(session) if required_currency(m) in (None, self.currency)]

    def own_closed(self, session: DbSession) -> Closed | None:
        return None

    def closed(self, session: DbSession) -> Closed | None:
        reason = self.own_closed(session)
        if reason is None and connected_account(session, self.merchant) is None:
            return Closed.NOT_CONNECTED
        return reason

    def notices(self, quoted: dict[str, Any] | None) -> list[str]:
        """What changed since the checkout opened, in the buyer's words."""
        return []

    def snapshot(self) -> dict[str, Any] | None:
        """What a new checkout keeps of the document as the buyer saw it (``quoted``)."""
        return None

    def claim(self, session: DbSession) -> bool:
        """Take one sale of the document's limit for a payment being confirmed (atomically);
        False when it sold out meanwhile."""
        return True

    def release(self, session: DbSession) -> None:
        """Give back the sale of an accepted payment whose bank debit bounced."""

    def paid(self, session: DbSession) -> None:
        """An accepted payment was paid, or its bank debit started."""


class LinkDocument(Document):
    """A payment link: its lines, optional lines, questions and methods."""

    type = LINK_TYPE
    refusal_messages = LINK_BUYER_REFUSALS

    def __init__(self, link: PaymentLink) -> None:
        self.link = link
        self.id = str(link.id)
        self.merchant = link.merchant
        self.currency = link.currency
        self.title = link.name
        self.message = link.message or ""
        self.lines = link.lines
        self.billing_address = link.billing_address
        self.shipping_address = link.shipping_address
        self.phone = link.phone
        self.redirect_url = link.redirect_url

    def initial_quantities(self) -> dict[int, int]:
        return initial_quantities(self.link)

    def cart(self, quantities: dict[int, int], today: date, **extras: Any) -> pricing.Cart:
        return link_cart(self.link, today, quantities, **extras)

    def addable(self, priced: set[str]) -> list[tuple[Any, Money]]:
        return [
            (line, Money(unit.amount * line.quantity, unit.currency))
            for line in self.link.lines
            if line.optional
            and str(line.id) not in priced
            and (unit := line.unit_price(self.currency)) is not None
        ]

    def accepted(self, session: DbSession) -> list[PaymentMethod]:
        chosen = self.link.payment_methods
        return [
            m
            for m in accepted_methods(session, self.merchant)
            if chosen is None or m.value in chosen
        ]

    def own_closed(self, session: DbSession) -> Closed | None:
        return _CLOSED_BY_STATUS.get(link_state(session, self.link))

    def claim(self, session: DbSession) -> bool:
        return claim_link_payment(session, self.link)

    def release(self, session: DbSession) -> None:
        release_link_payment(session, self.link)


class CartDocument(Document):
    """A storefront cart at checkout: the products and quantities the checkout was opened with
    (``quantities``, product id -> quantity), each still on sale in the shop, at its price now.

    Lines are neither adjustable nor optional here: the buyer changes them in the cart.
    """

    type = CART_TYPE

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
        self.back_url = f"/s/{storefront.slug}"
        self.quantities = quantities
        self.on_sale = {
            listing.product_id: listing for listing in listed if is_on_sale(listing, currency)
        }
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

    def initial_quantities(self) -> dict[int, int]:
        return {line.id: line.quantity for line in self.lines}

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

    def own_closed(self, session: DbSession) -> Closed | None:
        return None if self.storefront.enabled else Closed.SHOP_CLOSED

    def paid(self, session: DbSession) -> None:
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


def cart_document(
    session: DbSession, merchant_id: int, cart_id: str, quantities: dict[int, int],
    quoted: dict[str, Any] | None, locale: str,
) -> CartDocument:  # fmt: skip
    cart = session.scalar(
        select(Cart)
        .options(selectinload(Cart.lines))
        .where(Cart.id == int(cart_id), Cart.merchant_id == merchant_id)
    )
    assert cart is not None  # carts with a checkout are emptied, never deleted
    storefront = session.scalar(
        select(Storefront)
        .options(joinedload(Storefront.merchant))
        .where(Storefront.id == cart.storefront_id, Storefront.merchant_id == merchant_id)
    )
    assert storefront is not None
    currency = (quoted or {}).get("currency") or cart.currency
    return CartDocument(
        cart, storefront, listings(session, storefront), quantities, currency, locale
    )


def link_document(session: DbSession, merchant_id: int, link_id: str) -> LinkDocument:
    link = session.scalar(
        select(PaymentLink).where(
            PaymentLink.id == int(link_id), PaymentLink.merchant_id == merchant_id
        )
    )
    assert link is not None  # links are never deleted
    return LinkDocument(link)
