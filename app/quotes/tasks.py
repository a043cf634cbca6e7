"""The quotes' periodic work: open quotes past their date marked expired, the reminders
before expiry (each at most once, see ``delivery``), and the schedules' later parts notified
and charged (``schedule``)."""

from __future__ import annotations

import logging

from huey import crontab

from app.core.clock import utcnow
from app.extensions import db, huey
from app.quotes.delivery import queue_expiry_reminders
from app.quotes.schedule import ScheduleRun, run_schedules
from app.quotes.service import expire_quotes

log = logging.getLogger("kassa.quotes")


@huey.periodic_task(crontab(minute="17"))
def quote_housekeeping() -> tuple[int, int]:
    """Every hour: expire what ran out, then remind what is about to."""
    today = utcnow().date()
    expired = expire_quotes(db.session, today)
    reminded = queue_expiry_reminders(db.session, today)
    db.session.commit()
    return expired, reminded


@huey.periodic_task(crontab(minute="37"))
def charge_schedules() -> ScheduleRun:
    """Every hour: each scheduled quote's next part noticed, or charged once its notice ran."""
    run = run_schedules(db.session)
    log.info(
        "quote schedules run",
        extra={
            "fields": {
                "notified": len(run.notified),
                "charged": len(run.charged),
                "failed": len(run.failed),
            }
        },
    )
    return run
