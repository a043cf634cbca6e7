"""The method a quote saves at acceptance for its later charges, and what the customer may do
about it on ``/q/<token>``.

A quote needs a saved method when something is charged later without the customer: the
schedule's parts due on a date, or its recurring lines once it is paid. It is saved with what
is paid at acceptance (the checkout's intent carries ``setup_future_usage=off_session`` and the
customer's Stripe customer), or, when nothing is due then, by a SetupIntent
(``method_setup.py``). Whichever saves it, ``remember_method`` keeps its id, type and what may
be shown of it, once (one guarded UPDATE, so the return page and a webhook recording it at
once log it once). The schedule's engine charges the later parts to it.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

from sqlalchemy import update

from app.extensions import DbSession
from app.processors.gateway import shown_method_details
from app.quotes import paying
from app.quotes.models import PartStatus, Quote
from app.quotes.service import current_quantities, record_event


class MethodAction(enum.StrEnum):
    """What the customer's page offers about the saved method."""

    SAVE = "save"  # nothing due at acceptance: save the method only (a SetupIntent)
    UPDATE = "update"  # a later part failed: save another method in its place


def needs_saved_method(quote: Quote) -> bool:
    """Whether anything is charged later without the customer: a part due on a date, or a
    recurring line kept at acceptance (a subscription follows)."""
    if any(part.due_on is not None for part in quote.parts):
        return True
    quantities = current_quantities(quote)
    return any(line.interval and quantities.get(str(line.position), 0) > 0 for line in quote.lines)


def method_action(quote: Quote, today: date) -> MethodAction | None:
    """Save (nothing due now and no method yet) or update (a later part failed), on an
    accepted quote that needs a method; None while something is due now (paying it saves the
    method) or when nothing is to be done."""
    if quote.status not in paying.PAYABLE_STATUSES or not needs_saved_method(quote):
        return None
    if paying.payable_now(quote, today) > 0:
        return None
    if not quote.saved_method_id:
        return None if quote.amount_pending else MethodAction.SAVE
    if any(part.status is PartStatus.FAILED for part in quote.parts):
        return MethodAction.UPDATE
    return None


def remember_method(
    session: DbSession,
    quote: Quote,
    method_id: str,
    details: dict[str, Any],
    source: dict[str, Any],
    *,
    processor_customer: str | None,
) -> bool:
    """Keep ``method_id`` as the quote's saved method (the one its later parts are charged to),
    with what may be shown of it and the Stripe customer it is attached to; False when it is
    the saved one already (a replay)."""
    if not method_id or not processor_customer:
        return False
    shown = shown_method_details(details)
    replaced = quote.saved_method_id
    result = session.execute(
        update(Quote)
        .where(
            Quote.id == quote.id,
            Quote.merchant_id == quote.merchant_id,
            Quote.saved_method_id != method_id,
        )
        .values(
            saved_method_id=method_id,
            saved_method_type=str(details.get("type") or ""),
            saved_method_details=shown,
            processor_customer_id=processor_customer,
        )
        .execution_options(synchronize_session=False)
    )
    session.refresh(quote)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    record_event(
        session,
        quote,
        "method_updated" if replaced else "method_saved",
        {"type": quote.saved_method_type, **source},
    )
    return True
