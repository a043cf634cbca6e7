"""The checkout's periodic task: abandoned checkouts are cleaned up (``cleanup.py``)."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from huey import crontab

from app.checkout.cleanup import clean_abandoned
from app.core.clock import utcnow
from app.extensions import db, huey


@huey.periodic_task(crontab(minute="23"))
def clean_abandoned_checkouts() -> int:
    """Hourly: open checkouts nobody changed for ``KASSA_ABANDONED_CHECKOUT_DAYS`` days."""
    days = current_app.extensions["kassa_settings"].abandoned_checkout_days
    cleaned = clean_abandoned(db.session, utcnow(), timedelta(days=days))
    db.session.commit()
    return cleaned.deleted
