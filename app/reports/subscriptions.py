"""Where subscription figures (MRR, active, new and churned) join the revenue report.

The subscriptions package registers its provider here at import (as documents register with
the checkout), so reports do not point at subscriptions; the report shows what the providers
return, and says so when there are no subscriptions yet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from app.core.money import Money
from app.extensions import DbSession


@dataclass(frozen=True)
class SubscriptionFigures:
    """One currency's subscriptions over a report's range."""

    mrr: Money  # monthly recurring revenue at the range's end
    active: int  # at the range's end
    new: int  # started within the range
    churned: int  # ended within the range


# (session, merchant id, first day, last day) -> figures per currency
Provider = Callable[[DbSession, int, date, date], list[SubscriptionFigures]]

_providers: list[Provider] = []


def register_subscription_figures(provider: Provider) -> None:
    """Called once by the subscriptions package; registering the same provider again is
    ignored."""
    if provider not in _providers:
        _providers.append(provider)


def subscription_figures(
    session: DbSession, merchant_id: int, first: date, last: date
) -> list[SubscriptionFigures] | None:
    """Every provider's figures, or None while nothing provides them."""
    if not _providers:
        return None
    return [found for p in _providers for found in p(session, merchant_id, first, last)]
