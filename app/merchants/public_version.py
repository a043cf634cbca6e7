"""Keeps each merchant's ``public_version`` true: any flush that adds, changes or deletes a row
marked ``ShownToBuyers`` gives that row's merchant a new version, in the same transaction.

Cached public pages (``app.web.page_cache``) are keyed on the version they were rendered at, so
a change is visible on the next view, in every worker, without telling any cache about it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.data.bases import ShownToBuyers
from app.merchants.models import Merchant, new_public_version


def _changed_merchants(session: Session) -> set[int]:
    touched = [*session.new, *session.deleted]
    touched += [row for row in session.dirty if session.is_modified(row)]
    return {
        merchant_id
        for row in touched
        if isinstance(row, ShownToBuyers) and (merchant_id := row.owning_merchant_id) is not None
    }


def _renew_public_versions(session: Session, _context: Any, _instances: Any) -> None:
    for merchant_id in _changed_merchants(session):
        merchant = session.get(Merchant, merchant_id)
        if merchant is not None and merchant not in session.deleted:
            merchant.public_version = new_public_version()


def watch_public_content() -> None:
    """Renew versions on every session's flush (once per process, however many apps)."""
    if not event.contains(Session, "before_flush", _renew_public_versions):
        event.listen(Session, "before_flush", _renew_public_versions)
