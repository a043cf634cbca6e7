"""Sections other features add to a customer's page (their payments, invoices, quotes).

A feature above customers registers a section at import with a title and a function that
renders it for one customer; the customer's page shows every section in the order they were
registered, and customers import none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_babel.speaklater import LazyString
from markupsafe import Markup

from app.extensions import DbSession

if TYPE_CHECKING:
    from app.customers.models import Customer

Render = Callable[[DbSession, "Customer"], Markup]


@dataclass(frozen=True)
class CustomerSection:
    title: LazyString | str
    render: Render


_sections: list[CustomerSection] = []


def register_customer_section(title: LazyString | str, render: Render) -> None:
    """Add a section to every customer's page; registering the same render again is ignored."""
    if any(section.render is render for section in _sections):
        return
    _sections.append(CustomerSection(title, render))


def customer_sections() -> list[CustomerSection]:
    return list(_sections)
