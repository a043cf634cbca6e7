"""Portal links: made and emailed, opened once, and the visit they give."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.core.clock import utcnow
from app.core.errors import ServiceError
from app.core.tokens import new_secret_token, token_digest
from app.customers.models import Customer, email_key
from app.extensions import DbSession
from app.invoices.models import Invoice
from app.invoices.service import SHOWN_STATUS_LABELS, buyer_token, shown_status
from app.mail import public_url_for, send_email
from app.merchants.models import Merchant
from app.portal.models import PortalLink
from app.settings.models import CheckoutSettings
from app.settings.service import checkout_settings, connected_account
from app.subscriptions import service as subscriptions
from app.subscriptions.models import Subscription, SubscriptionSettings

LINK_LIFETIME = timedelta(minutes=15)
VISIT_LIFETIME = timedelta(hours=1)


def email_portal_link(session: DbSession, merchant: Merchant, customer: Customer) -> str:
    """Make a one-time link to the customer's portal and email it to them, in their language
    (once the transaction commits); the address it went to."""
    if not customer.email or customer.erased_at is not None:
        raise ServiceError(_l("This customer has no email address to send the link to."))
    token = new_secret_token()
    session.add(
        PortalLink(
            merchant_id=merchant.id,
            customer_id=customer.id,
            token_digest=token_digest(token),
            expires_at=utcnow() + LINK_LIFETIME,
        )
    )
    session.flush()
    send_email(
        customer.email, "portal_link", customer.locale or merchant.default_locale,
        merchant=merchant, customer=customer, link=public_url_for("portal.open_link", token=token),
        minutes=int(LINK_LIFETIME.total_seconds() // 60),
    )  # fmt: skip
    return customer.email


def portal_merchant(session: DbSession, public_id: str) -> Merchant | None:
    """The seller whose "email me a link" page this is (by its public id)."""
    return session.scalar(select(Merchant).where(Merchant.public_id == public_id))


def request_link(session: DbSession, merchant: Merchant, email: str) -> None:
    """A customer asked for a link: the seller's customer with that address (not erased) is
    emailed a new one. Nobody else is, and the caller answers the same either way, so the page
    tells no one whether an address is a customer's."""
    customer = session.scalar(
        select(Customer).where(
            Customer.merchant_id == merchant.id,
            Customer.email_key == email_key(email),
            Customer.erased_at.is_(None),
        )
    )
    if customer is not None and customer.email:
        email_portal_link(session, merchant, customer)


def usable_link(session: DbSession, token: str, now: datetime) -> PortalLink | None:
    """The link of ``token`` while it can still be opened (unused, not expired)."""
    return session.scalar(
        select(PortalLink).where(
            PortalLink.token_digest == token_digest(token),
            PortalLink.used_at.is_(None),
            PortalLink.expires_at > now,
        )
    )


def open_link(session: DbSession, token: str, now: datetime) -> str | None:
    """Use the link: one guarded update, so of two openings at once one wins. The visit's
    token for the browser, or None when the link is used, expired or unknown."""
    visit = new_secret_token()
    opened = session.execute(
        update(PortalLink)
        .where(
            PortalLink.token_digest == token_digest(token),
            PortalLink.used_at.is_(None),
            PortalLink.expires_at > now,
        )
        .values(
            used_at=now, visit_digest=token_digest(visit), visit_expires_at=now + VISIT_LIFETIME
        )
        .execution_options(synchronize_session=False)
    )
    return visit if opened.rowcount == 1 else None  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Visit:
    """Who the portal is open for."""

    merchant: Merchant
    customer: Customer


def visit_for_link(session: DbSession, link: PortalLink) -> Visit:
    """Whose portal the link opens (its page names the seller before it is used)."""
    customer = session.scalar(
        select(Customer).where(
            Customer.id == link.customer_id, Customer.merchant_id == link.merchant_id
        )
    )
    assert customer is not None  # the link is deleted with its customer
    return Visit(session.get_one(Merchant, link.merchant_id), customer)


def visit_of(session: DbSession, visit_token: str | None, now: datetime) -> Visit | None:
    if not visit_token:
        return None
    link = session.scalar(
        select(PortalLink).where(
            PortalLink.visit_digest == token_digest(visit_token),
            PortalLink.visit_expires_at > now,
        )
    )
    if link is None:
        return None
    customer = session.scalar(
        select(Customer).where(
            Customer.id == link.customer_id, Customer.merchant_id == link.merchant_id
        )
    )
    if customer is None or customer.erased_at is not None:
        return None
    return Visit(session.get_one(Merchant, link.merchant_id), customer)


@dataclass(frozen=True)
class PortalInvoice:
    """One of the customer's invoices (a paid one is their receipt), with its status in
    their words and the token of its customer address (``/i/<token>``, its PDF)."""

    invoice: Invoice
    status: str
    token: str


@dataclass(frozen=True)
class PortalPage:
    subscriptions: list[Subscription]
    invoices: list[PortalInvoice]
    settings: SubscriptionSettings
    charging: frozenset[int]  # subscriptions whose past-due charge is under way this moment


INVOICES_SHOWN = 24


def portal_page(session: DbSession, visit: Visit, secret_key: str) -> PortalPage:
    shown = subscriptions.subscriptions_of_customer(session, visit.customer)
    return PortalPage(
        shown,
        customer_invoices(session, visit, secret_key),
        subscriptions.billing_settings(session, visit.merchant.id),
        subscriptions.charging_now(session, [subscription.id for subscription in shown]),
    )


def in_test_mode(session: DbSession, merchant: Merchant) -> bool:
    """True unless the merchant's Stripe connection is live: the portal then says so."""
    account = connected_account(session, merchant)
    return account is None or not account.livemode


def customer_invoices(session: DbSession, visit: Visit, secret_key: str) -> list[PortalInvoice]:
    """The customer's issued invoices (drafts have no address), the newest first."""
    invoices = session.scalars(
        select(Invoice)
        .where(
            Invoice.merchant_id == visit.merchant.id,
            Invoice.customer_id == visit.customer.id,
            Invoice.token_encrypted.is_not(None),
        )
        .order_by(Invoice.id.desc())
        .limit(INVOICES_SHOWN)
    )
    today = utcnow().date()
    return [
        PortalInvoice(
            invoice,
            str(SHOWN_STATUS_LABELS[shown_status(invoice, today)]),
            buyer_token(invoice, secret_key),
        )
        for invoice in invoices
    ]


def branding(session: DbSession, merchant: Merchant) -> CheckoutSettings:
    return checkout_settings(session, merchant)


def customers_subscription(session: DbSession, visit: Visit, subscription_id: int) -> Subscription:
    """One of the visiting customer's subscriptions (never another's): LookupError if not."""
    found = session.scalar(
        select(Subscription).where(
            Subscription.id == subscription_id,
            Subscription.merchant_id == visit.merchant.id,
            Subscription.customer_id == visit.customer.id,
        )
    )
    if found is None:
        raise LookupError(subscription_id)
    return found


def cancel_at_period_end(
    session: DbSession, visit: Visit, subscription: Subscription, reason: str
) -> None:
    if not subscriptions.billing_settings(session, visit.merchant.id).customers_may_cancel:
        raise ServiceError(_l("Ask the seller to cancel this subscription."))
    subscriptions.cancel_at_period_end(
        session, subscription, reason=reason, by=subscriptions.BY_CUSTOMER
    )


def pause(session: DbSession, visit: Visit, subscription: Subscription, today: date) -> None:
    """Pause until the customer resumes it (or the merchant does), when the merchant allows it."""
    if not subscriptions.billing_settings(session, visit.merchant.id).customers_may_pause:
        raise ServiceError(_l("Ask the seller to pause this subscription."))
    subscriptions.pause(
        session, subscription, until=None, today=today, by=subscriptions.BY_CUSTOMER
    )
