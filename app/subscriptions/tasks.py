"""The subscriptions' periodic work: paid quotes' recurring lines started as subscriptions,
then every due period notified and charged (``billing``); each morning the owners' email of
the charges that failed the day before (``owner_digest``)."""

from __future__ import annotations

import logging

from huey import crontab
from sqlalchemy.orm import Session

from app.core.clock import utcnow
from app.extensions import db, huey
from app.subscriptions.billing import BillingRun, bill_subscription, run_billing
from app.subscriptions.changes import charge_unanswered_changes
from app.subscriptions.owner_digest import send_digests
from app.subscriptions.starting import start_quote_subscriptions

log = logging.getLogger("kassa.subscriptions")


@huey.periodic_task(crontab(minute="47"))
def bill_subscriptions() -> BillingRun:
    """Every hour: what paid quotes started, then each subscription's next period noticed, or
    charged once its notice ran; then the charges of changed lines Stripe did not answer are
    asked again under their keys."""
    started = start_quote_subscriptions(db.session)
    run = run_billing(db.session)
    run.changes_asked = charge_unanswered_changes(db.session)
    log.info(
        "subscriptions billed",
        extra={
            "fields": {
                "started": started,
                "notified": len(run.notified),
                "charged": len(run.charged),
                "failed": len(run.failed),
                "ended": len(run.ended),
            }
        },
    )
    return run


@huey.periodic_task(crontab(hour="6", minute="17"))
def tell_owners_of_failed_renewals() -> int:
    """Every morning (UTC): each merchant's owners get the charges that failed yesterday, in
    one email (``owner_digest``). How many merchants were emailed."""
    return send_digests(db.session, utcnow())


@huey.task()
def charge_past_due(subscription_id: int) -> int:
    """A new method was saved without the return page (its webhook, or reconciliation's
    catch-up of a lost one): what is past due is charged to it now, by the step the return
    page runs, whose claim charges a period once however many ask. Queued after the saving
    transaction commits; runs in a session of its own (in immediate mode it runs inside that
    commit). How many periods it charged."""
    with Session(db.engine) as session:
        return len(bill_subscription(session, subscription_id).charged)
