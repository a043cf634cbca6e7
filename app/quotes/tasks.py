"""The quotes' periodic work: open quotes past their date marked expired, and the reminders
before expiry (each at most once, see ``delivery``)."""

from __future__ import annotations

from huey import crontab

from app.core.clock import utcnow
from app.extensions import db, huey
from app.quotes.delivery import queue_expiry_reminders
from app.quotes.service import expire_quotes


@huey.periodic_task(crontab(minute="17"))
def quote_housekeeping() -> tuple[int, int]:
    """Every hour: expire what ran out, then remind what is about to."""
    today = utcnow().date()
    expired = expire_quotes(db.session, today)
    reminded = queue_expiry_reminders(db.session, today)
    db.session.commit()
    return expired, reminded
