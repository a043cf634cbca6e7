"""The panel's navigation: one list, so every page shows the same areas in the same order."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString


@dataclass(frozen=True)
class NavItem:
    label: LazyString
    endpoint: str | None  # None: an area that is not built yet; shown, marked "coming soon"


PANEL_NAVIGATION: tuple[NavItem, ...] = (
    NavItem(_l("Dashboard"), "merchants.dashboard"),
    NavItem(_l("Payments"), "payments.payments"),
    NavItem(_l("Payment links"), None),
    NavItem(_l("Quotes"), None),
    NavItem(_l("Invoices"), None),
    NavItem(_l("Subscriptions"), None),
    NavItem(_l("Products"), None),
    NavItem(_l("Reports"), None),
    NavItem(_l("Team"), "merchants.team"),
    NavItem(_l("Settings"), "merchants.account"),
)
