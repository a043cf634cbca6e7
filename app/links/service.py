"""Everything that changes payment links; the buyer checkout reads them through
``link_by_slug``, ``link_status`` and ``link_cart``."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import Engine, Select, bindparam, func, or_, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.interfaces import LoaderOption

from app.catalog.models import Product
from app.catalog.service import pricing_price
from app.core import pricing
from app.core.clock import utcnow
from app.core.errors import ServiceError
from app.core.methods import PaymentMethod
from app.core.money import Money
from app.core.qr import qr_png, qr_svg
from app.core.tokens import new_public_id
from app.extensions import DbSession
from app.links.labels import REFUSAL_MESSAGES
from app.links.models import LinkStatus, PaymentLink, PaymentLinkLine
from app.merchants.models import Merchant
from app.merchants.public_version import as_of_version
from app.payments.models import Payment
from app.payments.service import PAID
from app.settings.models import Collect
from app.settings.service import (
    accepted_methods,
    end_of_day,
    ensure_account_currency,
)

DOCUMENT_TYPE = "payment_link"  # Payment.document_type of a link's payments
MAX_QUANTITY = 999


@dataclass(frozen=True)
class LinkDetails:
    """What the link form edits. None in a setting: follow the checkout settings."""

    name: str
    methods: list[PaymentMethod] | None = None
    billing_address: Collect | None = None
    shipping_address: Collect | None = None
    phone: Collect | None = None
    message: str = ""
    redirect_url: str = ""
    payment_limit: int | None = None
    last_day: date | None = None


@dataclass(frozen=True)
class LineDetails:
    """A product of the library, or a description with an amount (``product_id`` None)."""

    product_id: int | None
    description: str = ""
    amount: Money | None = None
    quantity: int = 1
    adjustable_quantity: bool = False
    min_quantity: int = 1
    max_quantity: int = 1
    optional: bool = False  # the buyer may add it; left out (and not charged) otherwise


@dataclass(frozen=True)
class LinkSales:
    """A link with what it has brought in: succeeded payments and their total."""

    link: PaymentLink
    status: LinkStatus
    times_paid: int
    revenue: Money
    problem: pricing.Refusal | None = None  # why some or all buyers could not pay it


def link_by_slug(session: DbSession, slug: str) -> PaymentLink | None:
    return session.scalar(select(PaymentLink).where(PaymentLink.slug == slug))


def buyer_link(session: DbSession, slug: str) -> PaymentLink | None:
    """The link as its buyer page shows it: its lines, their products and prices loaded with
    it, so the page reads them without a query per line."""
    return session.scalar(
        select(PaymentLink).options(*buyer_page_loads()).where(PaymentLink.slug == slug)
    )


def buyer_page_loads() -> tuple[LoaderOption, ...]:
    """A link with what its buyer page shows, in the one query: lines, their products, prices
    and tax rates (joined: a link has a handful of lines)."""
    product = joinedload(PaymentLink.lines).joinedload(PaymentLinkLine.product)
    return (product.joinedload(Product.prices), product.joinedload(Product.tax_rate))


@dataclass(frozen=True)
class LinkStamp:
    """What decides whether a link's page may come from the page cache, and under which key:
    whether buyers can pay it now by its own state (the page cache keeps only open links'
    pages), how many payments it counted (claimed by an UPDATE that renews no version), and
    its merchant's ``public_version`` and language."""

    link_id: int
    merchant_id: int
    open: bool
    paid_count: int
    default_locale: str
    public_version: str


@cache
def _stamp_query() -> Select[int, int, bool, date | None, int | None, int, str, str]:
    # Built once: constructing the statement costs more than running it on this hot path.
    return (
        select(
            PaymentLink.id, PaymentLink.merchant_id, PaymentLink.active, PaymentLink.last_day,
            PaymentLink.payment_limit, PaymentLink.paid_count, Merchant.default_locale,
            Merchant.public_version,
        )
        .join(Merchant, Merchant.id == PaymentLink.merchant_id)
        .where(PaymentLink.slug == bindparam("slug"))
    )  # fmt: skip


def link_stamp(engine: Engine, slug: str, now: datetime) -> LinkStamp | None:
    """One small query on a connection of its own (it loads no objects), made before anything
    else on a link's page."""
    with engine.connect() as connection:
        row = connection.execute(_stamp_query(), {"slug": slug}).one_or_none()
    if row is None:
        return None
    link_id, merchant_id, active, last_day, limit, paid, locale, version = row
    status = status_of(active, last_day, limit, paid, now)
    return LinkStamp(link_id, merchant_id, status is LinkStatus.ACTIVE, paid, locale, version)


def link_address(public_url: str, link: PaymentLink) -> str:
    """Where buyers open the link (``KASSA_PUBLIC_URL`` is its site)."""
    return f"{public_url.rstrip('/')}/l/{link.slug}"


QR_KINDS = {"svg": qr_svg, "png": qr_png}


def link_qr_code(public_url: str, link: PaymentLink, kind: str) -> bytes:
    """The QR code of the link's address, as ``svg`` or ``png``."""
    return QR_KINDS[kind](link_address(public_url, link))


def qr_file_name(link: PaymentLink, kind: str) -> str:
    """``<name>-qr.<kind>`` with the name in plain ASCII ("Café för två" is cafe-for-tva),
    or the slug when nothing of the name is left."""
    ascii_name = unicodedata.normalize("NFKD", link.name).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-")
    return f"{stem or link.slug}-qr.{kind}"


def _apply(session: DbSession, merchant: Merchant, link: PaymentLink, details: LinkDetails) -> None:
    if details.methods is not None:
        accepted = set(accepted_methods(session, merchant))
        if not details.methods or any(m not in accepted for m in details.methods):
            raise ServiceError(
                _l("Choose only methods that your checkout settings accept."), "methods"
            )
    if details.last_day is not None and end_of_day(details.last_day) <= utcnow():
        raise ServiceError(_l("Choose a date from today on."), "last_day")
    link.name = details.name.strip()
    link.payment_methods = [m.value for m in details.methods] if details.methods else None
    link.billing_address = details.billing_address
    link.shipping_address = details.shipping_address
    link.phone = details.phone
    link.message = details.message.strip()
    link.redirect_url = details.redirect_url.strip()
    link.payment_limit = details.payment_limit
    link.last_day = details.last_day


def _line(
    session: DbSession, merchant: Merchant, currency: str, details: LineDetails
) -> PaymentLinkLine:
    if details.adjustable_quantity and not (
        details.min_quantity <= details.quantity <= details.max_quantity
    ):
        raise ServiceError(
            _l("The quantity must lie between the smallest and the largest."), "quantity"
        )
    line = PaymentLinkLine(
        merchant_id=merchant.id,
        quantity=details.quantity,
        adjustable_quantity=details.adjustable_quantity,
        min_quantity=details.min_quantity if details.adjustable_quantity else details.quantity,
        max_quantity=details.max_quantity if details.adjustable_quantity else details.quantity,
        optional=details.optional,
    )
    if details.product_id is not None:
        product = session.scalar(
            select(Product).where(
                Product.id == details.product_id,
                Product.merchant_id == merchant.id,
                Product.archived_at.is_(None),
            )
        )
        if product is None:
            raise ServiceError(_l("Choose one of the options."), "product")
        if product.price_in(currency) is None:
            raise ServiceError(
                _l("This product has no price in %(currency)s.", currency=currency), "product"
            )
        line.product = product
        return line
    if not details.description.strip():
        raise ServiceError(_l("Describe what the buyer pays for."), "description")
    if details.amount is None or details.amount.currency != currency:
        raise ServiceError(_l("Enter an amount."), "amount")
    line.description = details.description.strip()
    line.unit_amount = details.amount.amount
    return line


def create_link(
    session: DbSession,
    merchant: Merchant,
    currency: str,
    details: LinkDetails,
    first_line: LineDetails,
) -> PaymentLink:
    """A new link in one of the merchant's currencies, with its first line."""
    if first_line.optional:
        raise ServiceError(NEEDS_A_REQUIRED_LINE)
    ensure_account_currency(session, merchant, currency)
    link = PaymentLink(merchant_id=merchant.id, slug=new_public_id("pl"), currency=currency)
    _apply(session, merchant, link, details)
    line = _line(session, merchant, currency, first_line)
    _refuse_if_never_payable([line], currency)
    link.lines.append(line)
    session.add(link)
    session.flush()
    return link


def update_link(
    session: DbSession, merchant: Merchant, link: PaymentLink, details: LinkDetails
) -> PaymentLink:
    _apply(session, merchant, link, details)
    session.flush()
    return link


def duplicate_link(
    session: DbSession, merchant: Merchant, link: PaymentLink, name: str
) -> PaymentLink:
    """A new link named ``name`` with ``link``'s settings and lines, at a new random address.
    It starts active and counts its own payments (a limit starts again from none)."""
    copy = PaymentLink(
        merchant_id=merchant.id,
        slug=new_public_id("pl"),
        name=name.strip()[:120],
        currency=link.currency,
        payment_methods=list(link.payment_methods) if link.payment_methods else None,
        billing_address=link.billing_address,
        shipping_address=link.shipping_address,
        phone=link.phone,
        message=link.message,
        redirect_url=link.redirect_url,
        payment_limit=link.payment_limit,
        last_day=link.last_day,
        active=True,
    )
    for line in link.lines:
        copy.lines.append(
            PaymentLinkLine(
                merchant_id=merchant.id,
                product_id=line.product_id,
                description=line.description,
                unit_amount=line.unit_amount,
                quantity=line.quantity,
                adjustable_quantity=line.adjustable_quantity,
                min_quantity=line.min_quantity,
                max_quantity=line.max_quantity,
                optional=line.optional,
            )
        )
    session.add(copy)
    session.flush()
    return copy


def deactivate_link(session: DbSession, link: PaymentLink) -> None:
    """Buyers get the "not active" page until the link is reactivated; nothing else changes."""
    link.active = False
    session.flush()


def reactivate_link(session: DbSession, link: PaymentLink) -> None:
    """Buyers may pay again, unless the link has expired or reached its limit meanwhile."""
    link.active = True
    session.flush()


def add_line(
    session: DbSession, merchant: Merchant, link: PaymentLink, details: LineDetails
) -> PaymentLinkLine:
    line = _line(session, merchant, link.currency, details)
    _refuse_if_never_payable([*link.lines, line], link.currency)
    link.lines.append(line)
    session.flush()
    return line


NEEDS_A_REQUIRED_LINE = _l("A payment link needs at least one line that is not optional.")


def _is_last_required(line: PaymentLinkLine) -> bool:
    return not line.optional and not any(
        other is not line and not other.optional for other in line.link.lines
    )


def remove_line(session: DbSession, line: PaymentLinkLine) -> None:
    if len(line.link.lines) <= 1:
        raise ServiceError(_l("A payment link needs at least one line."))
    if _is_last_required(line):
        raise ServiceError(NEEDS_A_REQUIRED_LINE)
    _refuse_if_never_payable([other for other in line.link.lines if other is not line],
                             line.link.currency)  # fmt: skip
    line.link.lines.remove(line)
    session.flush()


def set_line_optional(session: DbSession, line: PaymentLinkLine, optional: bool) -> None:
    """Make a line one the buyer may add (refused for the link's last line that is not), or
    one every buyer pays for."""
    if optional and _is_last_required(line):
        raise ServiceError(NEEDS_A_REQUIRED_LINE)
    line.optional = optional
    try:
        _refuse_if_never_payable(line.link.lines, line.link.currency)
    except ServiceError:
        line.optional = not optional
        raise
    session.flush()


# What the panel and the checkout read


def _pricing_price(line: PaymentLinkLine, unit_amount: Money) -> pricing.Price:
    if line.product is None:
        return pricing.Price(reference=str(line.id), unit_amount=unit_amount)
    return pricing_price(line.product, unit_amount, str(line.id))


def initial_quantity(line: PaymentLinkLine) -> int:
    """A line's quantity before the buyer changes anything: 0 for an optional line (left out
    until the buyer adds it), else the link's own."""
    return 0 if line.optional else line.quantity


def initial_quantities(link: PaymentLink) -> dict[int, int]:
    return {line.id: initial_quantity(line) for line in link.lines}


def link_cart(
    link: PaymentLink,
    today: date,
    quantities: dict[int, int] | None = None,
    **extras: object,
) -> pricing.Cart:
    """The link's lines as a cart; ``quantities`` (by line id) replace the initial ones, and a
    line at 0 (an optional line not added) is left out; ``extras`` are the Cart's other fields
    (discount, fees, buyer_country)."""
    chosen = quantities or {}
    return _cart_of(
        link.lines, link.currency, today, lambda line: chosen.get(line.id, initial_quantity(line)),
        **extras,
    )  # fmt: skip


def _cart_of(
    lines: Sequence[PaymentLinkLine],
    currency: str,
    today: date,
    quantity_of: Callable[[PaymentLinkLine], int],
    **extras: object,
) -> pricing.Cart:
    priced = []
    for line in lines:
        unit_amount = line.unit_price(currency)
        if unit_amount is None:
            continue  # the product lost its price in this currency: it is not sold here
        quantity = quantity_of(line)
        if quantity <= 0:
            if line.optional:
                continue  # not added
            quantity = line.quantity  # made required after this checkout left it out
        priced.append(pricing.Line(_pricing_price(line, unit_amount), quantity))
    return pricing.Cart(currency=currency, today=today, lines=tuple(priced), **extras)  # type: ignore[arg-type]


def _smallest(line: PaymentLinkLine) -> int:
    """The least a buyer can take of a line: none of an optional one."""
    return 0 if line.optional else line.min_quantity


def _largest(line: PaymentLinkLine) -> int:
    """The most a buyer can take of a line (an optional one added)."""
    return line.max_quantity


def _refusal_at(
    lines: Sequence[PaymentLinkLine],
    currency: str,
    today: date,
    quantity_of: Callable[[PaymentLinkLine], int],
) -> pricing.Refusal | None:
    try:
        cart = _cart_of(lines, currency, today, quantity_of)
        return pricing.refusal(pricing.price(cart), later_charges=True)
    except pricing.PricingError as error:  # a product stored with values the engine refuses
        return error.refusal


def link_charges_later(link: PaymentLink) -> bool:
    """Whether a line's product renews or charges first later (trial days, a start date):
    its buyers then start a subscription, paid with a method saved for it."""
    return any(
        line.product is not None
        and (line.product.is_recurring or line.product.trial_days or line.product.first_charge_on)
        for line in link.lines
    )


def pricing_problem(link: PaymentLink, today: date) -> pricing.Refusal | None:
    """Why a buyer could not pay this link at its smallest quantities with no optional line
    added, or None."""
    return _refusal_at(link.lines, link.currency, today, _smallest)


NEVER_PAYABLE_AT_MOST = (pricing.Refusal.NOTHING_TO_PAY, pricing.Refusal.BELOW_MINIMUM)


def never_payable(
    lines: Sequence[PaymentLinkLine], currency: str, today: date
) -> pricing.Refusal | None:
    """Why no buyer could ever pay a link of ``lines``, whatever quantities and optional items
    they choose, or None: even the largest purchase comes to nothing or stays below Stripe's
    minimum, or even the smallest is above Stripe's maximum (or a product on it cannot be
    priced at all). Editors refuse such a link; what only some purchases cannot pay is a
    warning (``pricing_problem``)."""
    smallest = _refusal_at(lines, currency, today, _smallest)
    if smallest in (pricing.Refusal.ABOVE_MAXIMUM, *SETTING_REFUSALS_OF_ITEMS):
        return smallest
    largest = _refusal_at(lines, currency, today, _largest)
    if largest in (*NEVER_PAYABLE_AT_MOST, *SETTING_REFUSALS_OF_ITEMS):
        return largest
    return None


# What a product on a line may carry that the engine refuses (stored outside the forms).
SETTING_REFUSALS_OF_ITEMS = (pricing.Refusal.UNUSABLE_ITEM, pricing.Refusal.UNUSABLE_TAX_RATE)


def _refuse_if_never_payable(lines: Sequence[PaymentLinkLine], currency: str) -> None:
    problem = never_payable(lines, currency, utcnow().date())
    if problem is not None:
        raise ServiceError(REFUSAL_MESSAGES[problem])


def _sales(session: DbSession, link: PaymentLink) -> tuple[int, int]:
    count, total = session.execute(
        select(func.count(Payment.id), func.coalesce(func.sum(Payment.amount), 0)).where(
            Payment.merchant_id == link.merchant_id,
            Payment.document_type == DOCUMENT_TYPE,
            Payment.document_id == str(link.id),
            Payment.status.in_(PAID),
            Payment.rejection.is_(None),
            Payment.duplicate_of_id.is_(None),
        )
    ).one()
    return int(count), int(total)


def link_status(link: PaymentLink, paid: int, now: datetime | None = None) -> LinkStatus:
    return status_of(link.active, link.last_day, link.payment_limit, paid, now or utcnow())


def status_of(
    active: bool, last_day: date | None, limit: int | None, paid: int, now: datetime
) -> LinkStatus:
    if not active:
        return LinkStatus.INACTIVE
    if last_day is not None and end_of_day(last_day) <= now:
        return LinkStatus.EXPIRED
    if limit is not None and paid >= limit:
        return LinkStatus.COMPLETED
    return LinkStatus.ACTIVE


def link_state(session: DbSession, link: PaymentLink, today: date | None = None) -> LinkStatus:
    """The link's status now, counting the payments it accepted: unpayable when it is open by
    its own settings but no order of it could be paid (``never_payable``)."""
    status = link_status(link, link.paid_count)
    if status is LinkStatus.ACTIVE and unpayable_because(link, today) is not None:
        return LinkStatus.UNPAYABLE
    return status


def unpayable_because(link: PaymentLink, today: date | None = None) -> pricing.Refusal | None:
    """Why no buyer could pay the link whatever they choose (editors refuse such a link, but a
    product's price lowered in the library later can make one), or None."""
    return never_payable(link.lines, link.currency, today or utcnow().date())


def unpayable_for_buyers(link: PaymentLink, today: date) -> pricing.Refusal | None:
    """``unpayable_because`` as buyer pages ask it on every request, computed once per process
    for the merchant's ``public_version`` and the day: the answer depends only on the link, its
    lines, their products, prices and tax rates (all ``ShownToBuyers``: a change renews the
    version) and on ``today``. Not for editors, who ask it of lines not saved yet."""
    return as_of_version(
        link.merchant,
        ("link-unpayable", link.id, today),
        lambda: unpayable_because(link, today),
    )


def claim_link_payment(session: DbSession, link: PaymentLink) -> bool:
    """Count one payment against the link's limit as it is confirmed; False when the limit was
    reached meanwhile. One conditional UPDATE, so buyers paying at once cannot oversell it."""
    claimed = session.execute(
        update(PaymentLink)
        .where(
            PaymentLink.id == link.id,
            or_(
                PaymentLink.payment_limit.is_(None),
                PaymentLink.paid_count < PaymentLink.payment_limit,
            ),
        )
        .values(paid_count=PaymentLink.paid_count + 1)
        .execution_options(synchronize_session=False)
    )
    session.expire(link, ["paid_count"])
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


def release_link_payment(session: DbSession, link: PaymentLink) -> None:
    """Give back the count of an accepted payment whose bank debit bounced."""
    session.execute(
        update(PaymentLink)
        .where(PaymentLink.id == link.id, PaymentLink.paid_count > 0)
        .values(paid_count=PaymentLink.paid_count - 1)
        .execution_options(synchronize_session=False)
    )
    session.expire(link, ["paid_count"])


def list_links(session: DbSession, merchant: Merchant) -> list[LinkSales]:
    """The merchant's links, newest first, with their status and sales."""
    links = session.scalars(
        select(PaymentLink)
        .where(PaymentLink.merchant_id == merchant.id)
        .order_by(PaymentLink.created_at.desc(), PaymentLink.id.desc())
    )
    result = []
    today = utcnow().date()
    for link in links:
        count, total = _sales(session, link)
        status = link_state(session, link, today)
        problem = pricing_problem(link, today)
        result.append(LinkSales(link, status, count, Money(total, link.currency), problem))
    return result


def ensure_demo_link(session: DbSession, merchant: Merchant) -> PaymentLink:
    """The demo merchant's first link, made once: a workshop seat the buyer may take up to four
    of, and an optional apron, so `make run` has something to pay for at once."""
    existing = session.scalar(
        select(PaymentLink).where(PaymentLink.merchant_id == merchant.id).order_by(PaymentLink.id)
    )
    if existing is not None:
        return existing
    currency = merchant.default_currency
    seat = LineDetails(
        None, "Ceramics workshop seat", Money.from_decimal("450", currency),
        adjustable_quantity=True, max_quantity=4,
    )  # fmt: skip
    link = create_link(
        session, merchant, currency,
        LinkDetails(name="Ceramics workshop", message="Saturday 10:00 to 14:00, clay included."),
        seat,
    )  # fmt: skip
    apron = LineDetails(None, "Linen apron", Money.from_decimal("120", currency), optional=True)
    add_line(session, merchant, link, apron)
    return link
