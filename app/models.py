"""Every feature's models, imported in one place.

``db.metadata`` holds only the tables of imported modules, and a relationship that names
another feature's model by string (a payment's checkout) resolves only once that model's module
is imported. Importing this module makes both whole. ``create_app``, the migrations environment
and the task consumer import it; ``app.extensions`` imports it just before mappers are
configured, so a script may import any one model and query it.

A new feature's models module is listed here; a test checks that none is missing.
"""

from __future__ import annotations

from types import ModuleType

from app.billing_import import models as billing_import
from app.catalog import models as catalog
from app.checkout import models as checkout
from app.customers import models as customers
from app.data import models as data
from app.documents import models as documents
from app.invoices import models as invoices
from app.links import models as links
from app.mail_log import models as mail_log
from app.merchants import models as merchants
from app.payments import models as payments
from app.portal import models as portal
from app.processors import models as processors
from app.quotes import models as quotes
from app.reports import models as reports
from app.settings import models as settings
from app.storefront import models as storefront
from app.subscriptions import models as subscriptions

MODEL_MODULES: tuple[ModuleType, ...] = (
    billing_import,
    catalog,
    checkout,
    customers,
    data,
    documents,
    invoices,
    links,
    mail_log,
    merchants,
    payments,
    portal,
    processors,
    quotes,
    reports,
    settings,
    storefront,
    subscriptions,
)
