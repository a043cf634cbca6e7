"""Keeps each merchant's ``public_version`` true: any flush that adds, changes or deletes a row
marked ``ShownToBuyers`` gives that row's merchant a new version, in the same transaction.

Cached public pages (``app.web.page_cache``) are keyed on the version they were rendered at, so
a change is visible on the next view, in every worker, without telling any cache about it; and
``as_of_version`` keeps the settings buyer pages read on every request under it the same way.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.data.bases import ShownToBuyers
from app.merchants.models import Merchant, new_public_version

Value = TypeVar("Value")


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


class VersionCache:
    """Values read of a merchant's buyer-facing settings, kept per process under the merchant's
    ``public_version`` (at most ``entries`` values, least recently used out): a change to any
    ``ShownToBuyers`` row renews the version, so a kept value is never read for a newer one.

    Only plain values, or rows loaded in a session of their own and detached from it, belong
    here: every request and thread may read them, and nobody may change them.
    """

    def __init__(self, entries: int = 512) -> None:
        self.entries = entries
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, merchant: Merchant, name: Hashable, load: Callable[[], Value]) -> Value:
        key = (merchant.id, merchant.public_version, name)
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return cast(Value, self._values[key])
        value = load()
        with self._lock:
            self._values[key] = value
            while len(self._values) > self.entries:
                self._values.popitem(last=False)
        return value


_shown = VersionCache()


def as_of_version(merchant: Merchant, name: Hashable, load: Callable[[], Value]) -> Value:
    """``load()``'s value for the merchant's current ``public_version``, read once per process
    (what buyer pages read on every request: currencies, fees, questions, policies)."""
    return _shown.get(merchant, name, load)
