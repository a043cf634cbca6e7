"""The merchant's edits of a subscription that the subscription service does not make: the
billing address, the contact (the customer's name and email), the next charge date (the
lines: ``changes.py``), each behind the rule that no edit lands within 2 days of the next
charge unless the merchant says so (the notice and the invoice of that charge may be out
already), and each on the subscription's log with who made it and what it was before."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.core.errors import ServiceError
from app.core.notice import add_notice
from app.customers.service import CustomerDetails, update_customer
from app.extensions import DbSession
from app.merchants.models import Merchant
from app.portal import service as portal
from app.subscriptions.billing import notice_of
from app.subscriptions.models import (
    ENDED_STATUSES,
    PeriodStatus,
    Subscription,
    SubscriptionPeriod,
    SubscriptionStatus,
)
from app.subscriptions.service import billing_settings, record_event

EDIT_FREEZE = timedelta(days=2)
# How far ahead the next charge may be moved.
LATEST_MOVE = timedelta(days=366)
MOVABLE_STATUSES = (SubscriptionStatus.ACTIVE, SubscriptionStatus.SCHEDULED)

NOT_MOVABLE = _l("Only an active or scheduled subscription's next charge can be moved.")
MOVE_TOO_SOON = _l("Choose a day after today.")
MOVE_TOO_LATE = _l("Choose a day within a year from today.")
SAME_DAY = _l("The next charge is on that day already.")
BEING_CHARGED = _l("The next charge is being made now: it can no longer be moved.")


def refuse_late_edit(subscription: Subscription, today: date, *, override: bool) -> None:
    """An edit within ``EDIT_FREEZE`` of the next charge is refused unless ``override``."""
    if subscription.is_ended:
        raise ServiceError(_l("This subscription has ended: it cannot be changed."))
    due = subscription.next_charge_on
    if due is not None and due - today < EDIT_FREEZE and not override:
        raise ServiceError(
            _l(
                "The next charge is less than 2 days away. Tick the box to change it anyway: "
                "that charge may still use what it had."
            ),
            field="override",
        )


def update_billing_address(
    session: DbSession,
    subscription: Subscription,
    address: dict[str, str],
    *,
    today: date,
    override: bool = False,
    user_id: int | None = None,
) -> None:
    """The address the subscription's next invoices are made out to."""
    refuse_late_edit(subscription, today, override=override)
    changed = session.execute(
        update(Subscription)
        .where(
            Subscription.id == subscription.id,
            Subscription.merchant_id == subscription.merchant_id,
            Subscription.status.not_in(ENDED_STATUSES),
        )
        .values(billing_address=address)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise ServiceError(_l("This subscription has ended: it cannot be changed."))
    session.refresh(subscription)
    record_event(
        session, subscription, "billing_address_updated",
        {"override": override, "country": address.get("country", "")}, user_id,
    )  # fmt: skip


def move_next_charge(
    session: DbSession,
    subscription: Subscription,
    on: date,
    *,
    today: date,
    override: bool = False,
    user_id: int | None = None,
) -> None:
    """Charge the next period on ``on``: the schedule is anchored there (the periods after it
    follow from that day) and the current period ends the day before. Not before the notice
    the saved method's debit scheme needs (SEPA 14 days, Bacs 10 working days), and never a
    period the billing run has claimed: its row moves by a guarded UPDATE from the states the
    run claims from (scheduled, notified), and a notice already sent goes again for the new day.
    """
    refuse_late_edit(subscription, today, override=override)
    if subscription.status not in MOVABLE_STATUSES:
        raise ServiceError(NOT_MOVABLE, field="on")
    _refuse_unnoticed_day(session, subscription, on, today)
    if on == subscription.next_charge_on:
        raise ServiceError(SAME_DAY, field="on")
    number = subscription.next_period
    before = subscription.next_charge_on
    moved = session.execute(
        update(Subscription)
        .where(
            Subscription.id == subscription.id,
            Subscription.merchant_id == subscription.merchant_id,
            Subscription.next_period == number,
            Subscription.status.in_(MOVABLE_STATUSES),
        )
        .values(
            anchor_on=on,
            anchor_period=number,
            next_charge_on=on,
            current_period_end=on - timedelta(days=1)
            if subscription.current_period is not None
            else None,
        )
        .execution_options(synchronize_session=False)
    )
    session.refresh(subscription)
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise ServiceError(NOT_MOVABLE, field="on")
    _move_period_row(session, subscription, number, on)
    record_event(
        session, subscription, "next_charge_moved",
        {"override": override, "before": before.isoformat() if before else None,
         "after": on.isoformat(), "period": number},
        user_id,
    )  # fmt: skip


def _refuse_unnoticed_day(
    session: DbSession, subscription: Subscription, on: date, today: date
) -> None:
    if on <= today:
        raise ServiceError(MOVE_TOO_SOON, field="on")
    if on > today + LATEST_MOVE:
        raise ServiceError(MOVE_TOO_LATE, field="on")
    notice = notice_of(subscription, billing_settings(session, subscription.merchant_id))
    earliest = add_notice(today, notice.scheme_days, notice.method)
    if notice.scheme_days and on < earliest:
        raise ServiceError(
            _l(
                "The customer must be told %(days)d days before this debit: choose "
                "%(day)s or later.",
                days=notice.scheme_days,
                day=format_date(earliest),
            ),
            field="on",
        )


def _move_period_row(session: DbSession, subscription: Subscription, number: int, on: date) -> None:
    """The next period's row, when the run made it already, moved to the new day and back to
    scheduled (its notice goes again, for the new day); refused once the run claimed it."""
    row = session.scalar(
        select(SubscriptionPeriod.id).where(
            SubscriptionPeriod.subscription_id == subscription.id,
            SubscriptionPeriod.number == number,
        )
    )
    if row is None:
        return
    moved = session.execute(
        update(SubscriptionPeriod)
        .where(
            SubscriptionPeriod.id == row,
            SubscriptionPeriod.status.in_((PeriodStatus.SCHEDULED, PeriodStatus.NOTIFIED)),
        )
        .values(
            starts_on=on,
            due_on=on,
            ends_on=subscription.period_start(number + 1) - timedelta(days=1),
            status=PeriodStatus.SCHEDULED,
            notified_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise ServiceError(BEING_CHARGED, field="on")


def update_contact(
    session: DbSession,
    subscription: Subscription,
    *,
    name: str,
    email: str,
    today: date,
    override: bool = False,
    user_id: int | None = None,
) -> None:
    """The name and email the subscription's customer is known and written to by (their
    customer record: another customer's email is refused, as on the customer's page). The
    log says which changed, never the values (erasure must leave none behind)."""
    refuse_late_edit(subscription, today, override=override)
    customer = subscription.customer
    details = CustomerDetails(
        name=customer.name,
        email=customer.email,
        company=customer.company,
        tax_id=customer.tax_id,
        phone=customer.phone,
        billing_address=customer.billing_address,
        shipping_address=customer.shipping_address,
        locale=customer.locale,
        currency=customer.currency,
        notes=customer.notes,
    )
    update_customer(session, customer, replace(details, name=name, email=email), user_id)
    changed = [
        part for part in ("name", "email") if getattr(details, part) != getattr(customer, part)
    ]
    # The names of what changed, not the values: as the customer's own log, so that erasing
    # the customer leaves no personal data in the subscription's.
    record_event(
        session, subscription, "contact_updated", {"override": override, "fields": changed}, user_id
    )


def ask_for_method(
    session: DbSession, merchant: Merchant, subscription: Subscription, *, user_id: int | None
) -> str:
    """Email the customer the portal link, where this subscription's page sets a new payment
    method; the address it went to. Not an edit: the 2-day rule does not hold it back."""
    if subscription.is_ended:
        raise ServiceError(_l("This subscription has ended: it cannot be changed."))
    sent_to = portal.email_portal_link(session, merchant, subscription.customer)
    record_event(session, subscription, "method_requested", {}, user_id)
    return sent_to
