"""Everything that changes a merchant's customers, and how other features find them.

Customers sit below the features that bill them (payments, invoices, quotes): those import this
service, never the reverse. What they add to a customer's page and to the personal data a
customer's export and erasure cover, they register (``sections.py``, ``privacy.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError

from app.core.clock import utcnow
from app.core.errors import ServiceError
from app.customers import privacy
from app.customers.models import Customer, CustomerEvent, email_key, search_fold
from app.extensions import DbSession
from app.merchants.models import Merchant
from app.settings.service import ensure_account_currency
from app.web.i18n import shipped_locales

# What erasure leaves where a name was: the row stays for the ledger, the person does not.
ERASED = "erased"
ADDRESS_PARTS = ("line1", "line2", "city", "postal_code", "state", "country")


class EventKind:
    CREATED = "created"
    EDITED = "edited"
    EXPORTED = "exported"
    ERASED = "erased"


@dataclass(frozen=True)
class CustomerDetails:
    """What the panel's form (or a buyer's payment) says of a customer."""

    name: str = ""
    email: str = ""
    company: str = ""
    tax_id: str = ""
    phone: str = ""
    billing_address: dict[str, str] | None = None
    shipping_address: dict[str, str] | None = None
    locale: str = "en"
    currency: str | None = None
    notes: str = ""


DUPLICATE_EMAIL = _l("Another customer already has this email address.")


def address(parts: dict[str, Any] | None) -> dict[str, str] | None:
    """An address in the checkout's shape, None when every part is empty."""
    if not parts:
        return None
    cleaned = {part: str(parts.get(part) or "").strip() for part in ADDRESS_PARTS}
    return cleaned if any(cleaned.values()) else None


def _key_of(email: str) -> str | None:
    return email_key(email) or None


def _event(
    session: DbSession,
    customer: Customer,
    kind: str,
    user_id: int | None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        CustomerEvent(
            merchant_id=customer.merchant_id,
            customer_id=customer.id,
            kind=kind,
            detail=detail or {},
            user_id=user_id,
        )
    )


def _refuse_a_taken_email(session: DbSession, customer: Customer) -> None:
    """A friendly refusal before the unique constraint would refuse it less kindly."""
    if customer.email_key is None:
        return
    with session.no_autoflush:  # the changed row is not written before it is checked
        taken = _by_email_key(session, customer.merchant_id, customer.email_key)
    if taken is not None and taken is not customer:
        raise ServiceError(DUPLICATE_EMAIL, "email")


def _flush_unique(session: DbSession) -> None:
    """Flush in a savepoint: a second tab saving the same email at the same moment loses on the
    unique constraint and gets the same refusal as the check above."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as error:
        raise ServiceError(DUPLICATE_EMAIL, "email") from error


def _apply(customer: Customer, details: CustomerDetails) -> list[str]:
    """Write the details; the names of the fields that changed (the event log keeps names, not
    values, so erasure leaves no personal data in it)."""
    changed = []
    values = {
        "name": details.name.strip(),
        "email": details.email.strip(),
        "company": details.company.strip(),
        "tax_id": details.tax_id.strip(),
        "phone": details.phone.strip(),
        "billing_address": address(details.billing_address),
        "shipping_address": address(details.shipping_address),
        "locale": details.locale,
        "currency": details.currency or None,
        "notes": details.notes.strip(),
    }
    for name, value in values.items():
        if getattr(customer, name) != value:
            setattr(customer, name, value)
            changed.append(name)
    customer.email_key = _key_of(customer.email)
    return changed


def _refuse_what_the_merchant_cannot_bill_in(
    session: DbSession, merchant: Merchant, details: CustomerDetails
) -> None:
    """The currency must be one of the merchant's, the language one Kassa ships."""
    if details.currency:
        ensure_account_currency(session, merchant, details.currency)
    if details.locale not in shipped_locales():
        raise ServiceError(_l("Choose one of the options."), "locale")


def create_customer(
    session: DbSession, merchant: Merchant, details: CustomerDetails, user_id: int | None
) -> Customer:
    """A customer made in the panel. Refused on the email field when another customer of the
    merchant has the address (compared by ``email_key``)."""
    _refuse_what_the_merchant_cannot_bill_in(session, merchant, details)
    customer = Customer(merchant_id=merchant.id)
    _apply(customer, details)
    _refuse_a_taken_email(session, customer)
    session.add(customer)
    _flush_unique(session)
    _event(session, customer, EventKind.CREATED, user_id, {"source": "panel"})
    return customer


def update_customer(
    session: DbSession, customer: Customer, details: CustomerDetails, user_id: int | None
) -> Customer:
    """Change a customer's details; an event names the fields that changed (none: no event)."""
    if customer.erased_at is not None:
        raise ServiceError(_l("This customer's personal data was erased; it cannot be edited."))
    merchant = session.get(Merchant, customer.merchant_id)
    assert merchant is not None  # a customer's merchant is never deleted before it
    _refuse_what_the_merchant_cannot_bill_in(session, merchant, details)
    changed = _apply(customer, details)
    _refuse_a_taken_email(session, customer)
    _flush_unique(session)
    if changed:
        _event(session, customer, EventKind.EDITED, user_id, {"fields": changed})
    return customer


def customer_for_buyer(
    session: DbSession, merchant_id: int, buyer: CustomerDetails
) -> Customer | None:
    """The merchant's customer with the buyer's email, else a new one made from what the buyer
    typed at checkout; None when there is no email to know them by.

    Two payments of one new email recorded at the same moment make one customer: the insert is
    in a savepoint, and the one that loses on the unique constraint finds the winner's row.
    """
    key = _key_of(buyer.email)
    if key is None:
        return None
    found = _by_email_key(session, merchant_id, key)
    if found is not None:
        return found
    customer = Customer(merchant_id=merchant_id)
    _apply(customer, buyer)
    try:
        with session.begin_nested():
            session.add(customer)
            session.flush()
    except IntegrityError:
        found = _by_email_key(session, merchant_id, key)
        if found is None:
            raise
        return found
    _event(session, customer, EventKind.CREATED, None, {"source": "payment"})
    return customer


def _by_email_key(session: DbSession, merchant_id: int, key: str) -> Customer | None:
    return session.scalar(
        select(Customer).where(Customer.merchant_id == merchant_id, Customer.email_key == key)
    )


# The list


PAGE_SIZE = 25


def search_query(merchant: Merchant, term: str) -> Select[Any]:
    """The merchant's customers whose name, email or company contains ``term`` (any case),
    in name order; every customer for an empty term."""
    query = select(Customer).where(Customer.merchant_id == merchant.id)
    folded = search_fold(term.strip())
    if folded:
        query = query.where(Customer.search_text.contains(folded, autoescape=True))
    return query.order_by(func.lower(Customer.name), Customer.id)


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows, its number (from 1) and whether others follow."""

    rows: list[Customer]
    number: int
    total: int
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def search_customers(
    session: DbSession, merchant: Merchant, term: str, page: int, size: int = PAGE_SIZE
) -> Page:
    """One page of the search; a page past the end is the last page."""
    query = search_query(merchant, term)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    number = min(max(page, 1), max(1, -(-total // size)))
    rows = list(session.scalars(query.offset((number - 1) * size).limit(size)))
    return Page(rows, number, total, size)


def customer_events(session: DbSession, customer: Customer) -> list[CustomerEvent]:
    return list(
        session.scalars(
            select(CustomerEvent)
            .where(
                CustomerEvent.merchant_id == customer.merchant_id,
                CustomerEvent.customer_id == customer.id,
            )
            .order_by(CustomerEvent.id)
        )
    )


# Privacy


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _customer_data(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.id,
        "name": customer.name,
        "email": customer.email,
        "company": customer.company,
        "tax_id": customer.tax_id,
        "phone": customer.phone,
        "billing_address": customer.billing_address,
        "shipping_address": customer.shipping_address,
        "locale": customer.locale,
        "currency": customer.currency,
        "notes": customer.notes,
        "created_at": _iso(customer.created_at),
        "erased_at": _iso(customer.erased_at),
    }


def export_customer(
    session: DbSession, customer: Customer, user_id: int | None, now: datetime | None = None
) -> dict[str, Any]:
    """Everything Kassa keeps of this person, as JSON-ready data: their fields, what each
    registered feature keeps (their payments, their answers at checkout) and the event log,
    which records this export too."""
    _event(session, customer, EventKind.EXPORTED, user_id)
    session.flush()
    data: dict[str, Any] = {
        "exported_at": _iso(now or utcnow()),
        "customer": _customer_data(customer),
    }
    for part in privacy.registered():
        data[part.name] = part.export(session, customer)
    data["events"] = [
        {
            "kind": event.kind,
            "detail": event.detail,
            "user_id": event.user_id,
            "created_at": _iso(event.created_at),
        }
        for event in customer_events(session, customer)
    ]
    return data


def erase_customer(
    session: DbSession, customer: Customer, user_id: int | None, now: datetime | None = None
) -> Customer:
    """Replace the person's data by a placeholder on the customer and everything registered
    features keep of them (their payments' buyer details, their answers at checkout), keeping
    amounts, dates, currencies and document numbers for the ledger.

    Each feature erases first, while the customer still has the email its rows may be found by;
    afterwards the email is no longer theirs, so a new payment from it makes a new customer.
    """
    if customer.erased_at is not None:
        raise ServiceError(_l("This customer's personal data was erased already."))
    for part in privacy.registered():
        part.erase(session, customer, ERASED)
    customer.name = ERASED
    customer.email = ""
    customer.email_key = None
    customer.company = ""
    customer.tax_id = ""
    customer.phone = ""
    customer.billing_address = None
    customer.shipping_address = None
    customer.notes = ""
    customer.erased_at = now or utcnow()
    session.flush()
    _event(session, customer, EventKind.ERASED, user_id)
    return customer
