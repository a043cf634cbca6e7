"""Reconciliation: a periodic task re-reads payments no webhook has settled, so none is lost."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from huey import crontab

from app.core.clock import utcnow
from app.extensions import db, huey
from app.payments.service import reconcile


@huey.periodic_task(crontab(minute="*/5"))
def reconcile_payments() -> int:
    """Every five minutes: payments not final that nothing moved for the configured minutes,
    each read again only after its interval (``service.reconcile_due``)."""
    minutes = current_app.extensions["kassa_settings"].reconcile_after_minutes
    read = reconcile(db.session, utcnow(), timedelta(minutes=minutes))
    db.session.commit()
    return read
