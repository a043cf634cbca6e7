"""Reconciliation: a periodic task re-reads payments no webhook has settled, so none is lost."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from huey import crontab

from app.core.clock import utcnow
from app.extensions import db, huey
from app.payments.service import reconcile, reconcile_setups


@huey.periodic_task(crontab(minute="*/5"))
def reconcile_payments() -> int:
    """Every five minutes: payments not final that nothing moved for the configured minutes,
    each read again only after its interval (``service.reconcile_due``); then the SetupIntents
    documents still wait on (a method saved at Stripe whose webhook was lost)."""
    minutes = current_app.extensions["kassa_settings"].reconcile_after_minutes
    now, older_than = utcnow(), timedelta(minutes=minutes)
    read = reconcile(db.session, now, older_than)
    db.session.commit()
    reconcile_setups(db.session, now, older_than)
    db.session.commit()
    return read
