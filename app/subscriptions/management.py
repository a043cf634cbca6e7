"""The merchant's edits of a subscription that the subscription service does not make: the
billing address, behind the rule that no edit lands within 2 days of the next charge unless
the merchant says so (the notice and the invoice of that charge may be out already)."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from app.core.errors import ServiceError
from app.extensions import DbSession
from app.subscriptions.models import ENDED_STATUSES, Subscription
from app.subscriptions.service import record_event

EDIT_FREEZE = timedelta(days=2)


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
