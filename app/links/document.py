"""A payment link as the checkout sells it, registered with the checkout as ``payment_link``."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, select

from app.checkout.documents import (
    Closed,
    Document,
    register_document_stamp,
    register_document_type,
)
from app.checkout.later_setup import later_setup_from_webhook
from app.checkout.models import CheckoutSession
from app.core import pricing
from app.core.clock import utcnow
from app.core.methods import PaymentMethod
from app.core.money import Money
from app.extensions import DbSession
from app.links.labels import BUYER_REFUSALS, CLOSED, unpayable_closed
from app.links.models import LinkStatus, PaymentLink
from app.links.service import (
    DOCUMENT_TYPE,
    SETTING_REFUSALS_OF_ITEMS,
    buyer_page_loads,
    claim_link_payment,
    initial_quantities,
    link_cart,
    link_charges_later,
    link_status,
    release_link_payment,
    status_of,
    unpayable_for_buyers,
)
from app.payments.models import Payment
from app.payments.service import register_setup_handler
from app.settings.service import accepted_methods


class LinkDocument(Document):
    """A payment link: its lines, optional lines, questions and methods; closed while it is
    inactive, expired or used up; one sale of its limit claimed per confirmed payment."""

    type = DOCUMENT_TYPE
    refusal_messages = BUYER_REFUSALS
    priced_from_public_rows = True  # a link, its lines, products, prices: all ShownToBuyers

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
        self.charges_later = link_charges_later(link)

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

    def stamp(self, now: datetime) -> Hashable | None:
        link = self.link
        status = status_of(link.active, link.last_day, link.payment_limit, link.paid_count, now)
        return _stamp_of(link.id, status, link.paid_count)

    def closed(self, session: DbSession) -> Closed | None:
        """Closed by the link's own state, or because no order of it could be paid. A product
        setting the engine refuses is left to the checkout's ``settings_refusal``, whose
        closed page needs no price (a preview cannot render a summary of such a line)."""
        status = link_status(self.link, self.link.paid_count)
        if status is LinkStatus.ACTIVE:
            problem = unpayable_for_buyers(self.link, utcnow().date())
            if problem in SETTING_REFUSALS_OF_ITEMS:
                return None
            if problem is not None:
                return unpayable_closed(problem)
        return CLOSED.get(status)

    def claim(self, session: DbSession, payment: Payment) -> bool:
        return claim_link_payment(session, self.link)

    def release(self, session: DbSession, payment: Payment) -> None:
        release_link_payment(session, self.link)


def load_link_document(session: DbSession, checkout: CheckoutSession) -> LinkDocument | None:
    link = (
        session.scalars(
            _link_query(),
            {"link_id": int(checkout.document_id), "merchant_id": checkout.merchant_id},
        )
        .unique()
        .one_or_none()
    )
    return LinkDocument(link) if link is not None else None


def _of_checkout() -> ColumnElement[bool]:
    """The link of a checkout (bound as ``link_id`` and ``merchant_id``)."""
    return and_(
        PaymentLink.id == bindparam("link_id"), PaymentLink.merchant_id == bindparam("merchant_id")
    )


@cache
def _link_query() -> Select[PaymentLink]:
    # Built once: constructing it with its loader options costs more than running it.
    return select(PaymentLink).options(*buyer_page_loads()).where(_of_checkout())


def _stamp_of(link_id: int, status: LinkStatus, paid_count: int) -> Hashable:
    """What a link's checkout page shows beyond its merchant's public rows (the lines,
    products, prices): whether it is open now and the payments it counted."""
    return (DOCUMENT_TYPE, link_id, status.value, paid_count)


@cache
def _stamp_query() -> Select[bool, date | None, int | None, int]:
    # Built once, like the first view's (``links.service.link_stamp``).
    return select(
        PaymentLink.active, PaymentLink.last_day, PaymentLink.payment_limit, PaymentLink.paid_count
    ).where(_of_checkout())


def link_document_stamp(
    session: DbSession, checkout: CheckoutSession, now: datetime
) -> Hashable | None:
    """``LinkDocument.stamp`` of the checkout's link, read in one small query."""
    row = session.execute(
        _stamp_query(), {"link_id": int(checkout.document_id), "merchant_id": checkout.merchant_id}
    ).one_or_none()
    if row is None:
        return None
    active, last_day, limit, paid = row
    return _stamp_of(int(checkout.document_id), status_of(active, last_day, limit, paid, now), paid)


register_document_type(DOCUMENT_TYPE, load_link_document)
register_document_stamp(DOCUMENT_TYPE, link_document_stamp)
register_setup_handler(DOCUMENT_TYPE, later_setup_from_webhook)
