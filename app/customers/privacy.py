"""What other features keep of a customer, for the customer's export and erasure.

Customers sit below the features that bill them, so a feature that keeps personal data of a
customer (payments: the buyer's details; the checkout: what they typed and answered; invoices)
registers how to export and erase it here, at import, and customers import none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.extensions import DbSession

if TYPE_CHECKING:
    from app.customers.models import Customer


@dataclass(frozen=True)
class PersonalData:
    """One feature's part of a customer's data: ``export`` gives JSON-ready data under
    ``name``; ``erase`` replaces every personal field by the placeholder it is given, keeping
    amounts, dates and numbers. Both run while the customer still has its email."""

    name: str
    export: Callable[[DbSession, Customer], Any]
    erase: Callable[[DbSession, Customer, str], None]


_registry: dict[str, PersonalData] = {}


def register_personal_data(
    name: str,
    export: Callable[[DbSession, Customer], Any],
    erase: Callable[[DbSession, Customer, str], None],
) -> None:
    """Register (once per name: importing a module twice registers the same functions)."""
    existing = _registry.get(name)
    if existing is not None and (existing.export, existing.erase) != (export, erase):
        raise ValueError(f"personal data {name!r} is registered already")
    _registry[name] = PersonalData(name, export, erase)


def registered() -> list[PersonalData]:
    return list(_registry.values())
