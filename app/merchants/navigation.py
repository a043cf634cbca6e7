"""The panel's navigation: one list, so every page shows the same areas in the same order."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString


@dataclass(frozen=True)
class NavItem:
    label: LazyString
    endpoint: str | None  # None: an area that is not built yet; shown, marked "coming soon"
    # Other endpoints (or blueprint prefixes ending in ".") that belong to this area.
    also: tuple[str, ...] = ()

    def is_current(self, endpoint: str | None) -> bool:
        if not endpoint or not self.endpoint:
            return False
        return endpoint == self.endpoint or any(
            endpoint == other or (other.endswith(".") and endpoint.startswith(other))
            for other in self.also
        )


PANEL_NAVIGATION: tuple[NavItem, ...] = (
    NavItem(_l("Dashboard"), "dashboard.dashboard"),
    NavItem(_l("Payments"), "payments.payments"),
    NavItem(_l("Payment links"), "links.links", also=("links.",)),
    NavItem(_l("Customers"), "customers.customers", also=("customers.",)),
    NavItem(_l("Quotes"), "quotes.quotes", also=("quotes.",)),
    NavItem(_l("Invoices"), "invoices.invoices", also=("invoices.",)),
    NavItem(_l("Subscriptions"), "subscriptions.subscriptions", also=("subscriptions.",)),
    NavItem(_l("Products"), "catalog.products", also=("catalog.",)),
    NavItem(_l("Reports"), "reports.revenue", also=("reports.",)),
    NavItem(_l("Team"), "merchants.team"),
    NavItem(_l("Settings"), "settings.hub", also=("settings.", "storefront.", "merchants.account")),
)
