"""The keys a buyer's own checkout pages are kept under in the page cache (``app.web.page_cache``).

A key names everything the page shows, so a kept page is never served once any of it changed:
the checkout's row (its ``state_version``, raised by every UPDATE of it), the merchant's
``public_version`` (every ``ShownToBuyers`` row: the link, its lines, products, prices, tax
rates, fees, settings, questions, policies), the discount of the buyer's code (a merchant's
row that renews no version, and whether it still works at this moment), what the document
registers as its stamp (a link: its status and paid count) and the day prices are made for;
the page cache adds the address and the language. Each part is read before what the page
renders from it, so a page is never kept under a newer key than what it shows.

Only checkouts of a document that registers a stamp (``documents.register_document_stamp``)
are kept; any other gets None: rendered for every request. A document addressed to one
reader (``Document.reader_locale``) registers none: the key's language is read before the
document is loaded.
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from datetime import datetime

from app.checkout.documents import Document
from app.checkout.models import CheckoutSession, CheckoutStatus


def _discount_stamp(checkout: CheckoutSession, now: datetime) -> Hashable:
    discount = checkout.discount if checkout.discount_code else None
    if discount is None:
        return None
    return (
        discount.id, discount.code, discount.percent_bps, discount.amount, discount.currency,
        discount.is_usable(now),
    )  # fmt: skip


def page_key(checkout: CheckoutSession, document_stamp: Hashable | None, now: datetime) -> Hashable:
    """The key of the checkout's whole page (None: render it), from the checkout read with its
    merchant and discount and the document's stamp (``documents.document_stamp``)."""
    if document_stamp is None or checkout.status is not CheckoutStatus.OPEN:
        return None
    return (
        "checkout", checkout.id, checkout.state_version, checkout.merchant.public_version,
        _discount_stamp(checkout, now), document_stamp, now.date(),
    )  # fmt: skip


def summary_key(
    checkout: CheckoutSession, document: Document, now: datetime, paying: bool
) -> Hashable:
    """The key of the order summary partial after a change, by what it shows rather than the
    checkout's version (which every change raises): the buyer's choices that prices depend on,
    so a buyer going back and forth between two quantities gets kept summaries. None: render it.
    The summary shows none of the buyer's details, and no form's errors (only a change that was
    made answers with a kept one)."""
    stamp = document.stamp(now)
    if stamp is None or checkout.status is not CheckoutStatus.OPEN:
        return None
    quantities = tuple(sorted((str(line), n) for line, n in (checkout.quantities or {}).items()))
    return (
        "summary", checkout.id, checkout.merchant.public_version, _discount_stamp(checkout, now),
        stamp, now.date(), quantities,
        checkout.discount_code, checkout.method, checkout.country,
        json.dumps(checkout.quoted, sort_keys=True), paying,
    )  # fmt: skip
