"""What the checkout sells: a *document*. The checkout's pages, pricing, pay step, return page
and receipts are the same for every document; a document says what differs.

``Document`` is the protocol a document implements: its merchant, currency and title; its
lines (for the summary) and those lines as a ``pricing.Cart`` for the buyer's quantities; the
methods it offers; the questions it decides itself; whether it is closed and what its buyers
read then; the words its buyers read when pricing refuses; where the buyer goes after paying
and the links back to its own pages; what changed since the checkout opened; what it opts out
of (discount codes, the merchant's fees); the buyer it already knows; whose method the
payment saves for later charges (``saves_method_for``, default none); and the hooks the
confirmation calls with the payment being recorded (claim it, give it back, taken, settled,
refunded).

The checkout imports no document's package. Each feature package implements its document
(a payment link in ``app/links/document.py``, a storefront cart in
``app/storefront/document.py``) and registers a loader for its type when the package is
imported at app start (``register_document_type``); ``document_of`` finds a checkout's document
again through that registry, by ``CheckoutSession.document_type``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from flask_babel.speaklater import LazyString

from app.checkout.models import CheckoutSession
from app.core import pricing
from app.core.methods import PaymentMethod
from app.core.money import Money
from app.customers.models import Customer
from app.extensions import DbSession
from app.merchants.models import Merchant
from app.payments.models import Payment
from app.payments.service import Rejection
from app.settings.models import Collect
from app.settings.service import accepted_methods


@dataclass(frozen=True)
class Closed:
    """Why a document cannot be paid now: a short stable name, what its buyers read instead
    of the checkout, and what the merchant's preview of it notes."""

    reason: str
    message: str | LazyString
    preview_note: str | LazyString | None = None


@dataclass(frozen=True)
class PageLink:
    """A link from a checkout page to one of the document's own pages."""

    url: str
    label: str | LazyString


@dataclass(frozen=True)
class KnownBuyer:
    """Who the document is addressed to, when it knows: a new checkout starts with these
    details filled in (the buyer may change them)."""

    email: str
    name: str = ""


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


class Document(Protocol):
    """What the checkout needs of a document.

    A document class subclasses this protocol to take the defaults of the members that have
    one: the questions of the checkout settings, every accepted method, lines at their own
    quantities with nothing optional, never closed, nothing changed, no limit to claim.
    """

    type: str  # CheckoutSession.document_type and Payment.document_type of its checkouts
    id: str  # CheckoutSession.document_id: unique within the type and the merchant
    merchant: Merchant
    currency: str
    title: str  # the heading of every checkout page, and the intent's description
    number: str = ""  # its own number, if it has one (an invoice's): its payments keep it
    # Its own emails tell the owners of each payment (an invoice's "paid" and "part paid"):
    # the payment's "New payment" email is then not sent too.
    tells_owners: bool = False
    # What the summary lists: ``DocumentLine``s, or rows with the same attributes.
    lines: Sequence[Any]
    # What its buyers read when the pricing engine refuses the order (``pricing.Refusal``).
    refusal_messages: Mapping[pricing.Refusal, LazyString]
    message: str = ""  # the merchant's message to buyers, under the title
    # Questions the document decides itself (None: as in the checkout settings).
    billing_address: Collect | None = None
    shipping_address: Collect | None = None
    phone: Collect | None = None
    redirect_url: str | None = None  # where a paid buyer is sent instead of the receipt
    back_link: PageLink | None = None  # what the receipt links back to
    edit_link: PageLink | None = None  # where the buyer changes the lines, beside the summary
    # What the checkout adds to every document unless it opts out: a discount code field (and
    # the code's discount) and the merchant's payment-method fees. An invoice takes neither: its
    # total is what it says.
    takes_discount_codes: bool = True
    takes_fees: bool = True
    known_buyer: KnownBuyer | None = None  # the details a new checkout starts with
    # The language of the one reader the document is addressed to (an invoice's customer): its
    # checkout pages are in it unless the buyer chose another with the switcher.
    reader_locale: str | None = None
    # Why a payment is refused when ``claim`` says no, as the buyer and the merchant read it.
    claim_refusal: Rejection = Rejection.LIMIT_REACHED
    # Whether its lines may charge after the checkout (a renewal, a first charge delayed by
    # trial days or a start date): such a cart is sold only with a reusable method, saved for
    # the buyer's customer, and the checkout's later-charges listeners (the subscriptions)
    # start what follows once the payment is taken (``checkout.later``).
    charges_later: bool = False
    # Whether everything its prices read (its lines, their products, prices and tax rates, the
    # merchant's fees and methods) is a ``ShownToBuyers`` row: then what depends only on those
    # (``settings_refusal``) is kept per process under the merchant's ``public_version``.
    priced_from_public_rows: bool = False

    def cart(self, quantities: dict[int, int], today: date, **extras: Any) -> pricing.Cart:
        """The lines at ``quantities`` (by line id) as the pricing engine's cart; ``extras``
        are the Cart's other fields (discount, fees, buyer_country)."""
        ...

    def initial_quantities(self) -> dict[int, int]:
        """What a new checkout starts with, by line id."""
        return {line.id: line.quantity for line in self.lines}

    def addable(self, priced: set[str]) -> list[tuple[Any, Money]]:
        """Optional lines the buyer has not added (``priced``: the references in the cart)."""
        return []

    def accepted(self, session: DbSession) -> list[PaymentMethod]:
        """The methods the document offers (the checkout keeps those its currency allows)."""
        return accepted_methods(session, self.merchant)

    def saves_method_for(self, session: DbSession) -> Customer | None:
        """The customer whose method this payment saves for later off-session charges (a
        quote's later instalments): the intent then carries their Stripe customer and
        ``setup_future_usage=off_session``, and only reusable methods are offered. None (the
        default): the method pays once and is not kept."""
        return None

    def closed(self, session: DbSession) -> Closed | None:
        """Why the document itself cannot be paid now (the checkout adds its own reasons: no
        Stripe connection, settings the pricing engine refuses)."""
        return None

    def stamp(self, now: datetime) -> Hashable | None:
        """What its pages show beyond the merchant's ``ShownToBuyers`` rows and the checkout's
        own row, as one value (a link: its status and paid count, claimed by an UPDATE that
        renews no version): a page rendered for a checkout of it is kept under it (with the
        merchant's ``public_version``). None, the default: its pages are rendered every time.
        The same value as the stamp registered for its type (``register_document_stamp``)."""
        return None

    def notices(self, quoted: dict[str, Any] | None) -> list[str]:
        """What changed since the checkout opened, in the buyer's words."""
        return []

    def snapshot(self) -> dict[str, Any] | None:
        """What a new checkout keeps of the document as the buyer saw it (``quoted``)."""
        return None

    def claim(self, session: DbSession, payment: Payment) -> bool:
        """Take what ``payment`` buys (one sale of a limit, the part of a balance) while it is
        being confirmed, atomically; False when it is no longer there (sold out, paid by
        someone else meanwhile): the payment is then refused and refunded."""
        return True

    def release(self, session: DbSession, payment: Payment) -> None:
        """Give back what ``claim`` took for an accepted payment whose bank debit bounced."""
        return None

    def paid(self, session: DbSession, payment: Payment) -> None:
        """An accepted payment was taken: paid, or its bank debit started (``payment.status``
        is processing). Called once per accepted payment."""
        return None

    def settled(self, session: DbSession, payment: Payment) -> bool:
        """An accepted payment's money is in: paid at once, or a bank debit that cleared
        (after ``paid``, days later). Called once per accepted payment; never for a debit
        that bounced. True when the document sent the payer a receipt of its own for it (the
        payment's receipt email is then not sent too)."""
        return False

    def refunded(self, session: DbSession, payment: Payment, change: int) -> None:
        """Part of a settled payment went back to the buyer (``change`` minor units; below
        zero when a refund failed and the money came back)."""
        return None


# The registry: document type -> how to find a checkout's document again.

DocumentLoader = Callable[[DbSession, CheckoutSession], Document | None]
"""Finds the document a checkout sells, within ``checkout.merchant_id``, by
``checkout.document_id`` (and what the checkout kept of it: a cart's checkout keeps its own
quantities and the prices the buyer saw); None when there is none."""

_loaders: dict[str, DocumentLoader] = {}


def register_document_type(document_type: str, loader: DocumentLoader) -> None:
    """Make checkouts of ``document_type`` findable. Each feature calls it once, when its
    package is imported at app start; two features claiming one type is a programming error."""
    registered = _loaders.setdefault(document_type, loader)
    if registered is not loader:
        raise ValueError(f"Document type {document_type!r} is registered already.")


class DocumentNotFoundError(LookupError):
    """A checkout whose document type nobody registered, or whose document is gone."""


def document_of(session: DbSession, checkout: CheckoutSession) -> Document:
    """The document a checkout sells, found within the checkout's own merchant."""
    loader = _loaders.get(checkout.document_type)
    document = loader(session, checkout) if loader is not None else None
    if document is None:
        raise DocumentNotFoundError(f"{checkout.document_type} {checkout.document_id}")
    return document


DocumentStamp = Callable[[DbSession, CheckoutSession, datetime], Hashable | None]
"""``Document.stamp`` of a checkout's document, read without loading the document (one small
query): what a buyer's page is kept under when it can be served from the page cache."""

_stamps: dict[str, DocumentStamp] = {}


def register_document_stamp(document_type: str, stamp: DocumentStamp) -> None:
    """Let pages of checkouts of ``document_type`` be kept in the page cache (a type that
    registers none has its pages rendered on every request)."""
    registered = _stamps.setdefault(document_type, stamp)
    if registered is not stamp:
        raise ValueError(f"Document type {document_type!r} has a stamp already.")


def document_stamp(session: DbSession, checkout: CheckoutSession, now: datetime) -> Hashable | None:
    """The registered stamp of the checkout's document; None without one, or no document."""
    stamp = _stamps.get(checkout.document_type)
    return stamp(session, checkout, now) if stamp is not None else None
