"""Idempotency keys for Stripe POSTs (DESIGN rule 4).

Stripe keeps a key for 24 hours per account, and answers a key reused with other parameters
with an error. Keys therefore start with this installation's id (made once, stored), so two
Kassa databases on one Stripe account never meet, and the callers build the rest from values
that are durable before the call: a version committed first, or an id Stripe gave.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import DbSession
from app.processors.models import Installation

_known: dict[str, str] = {}  # database URL -> installation id, read once per process


def installation_id(session: DbSession) -> str:
    """This database's installation id, made on first use (a race keeps the first one)."""
    database = str(session.get_bind().engine.url)
    if database not in _known:
        _known[database] = _stored_or_new(session)
    return _known[database]


def _stored_or_new(session: DbSession) -> str:
    existing = session.scalar(select(Installation.installation_id).where(Installation.id == 1))
    if existing is not None:
        return existing
    try:
        with session.begin_nested():
            session.add(Installation(id=1, installation_id=secrets.token_hex(8)))
    except IntegrityError:
        pass  # another process made it first
    stored = session.scalar(select(Installation.installation_id).where(Installation.id == 1))
    assert stored is not None
    return stored


def idempotency_key(session: DbSession, *parts: object) -> str:
    """``kassa:<installation>:<parts...>``; the parts must not change between retries of one
    request and must differ between requests with other parameters."""
    return ":".join(("kassa", installation_id(session), *(str(part) for part in parts)))
