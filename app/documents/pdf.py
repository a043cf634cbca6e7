"""A customer's document (an invoice, a credit note, a receipt, a quote) as a PDF: rendered in
the document's language, with the merchant's branding (display name, logo, accent colour) and
seller details, on A4 (US Letter in the United States and Canada); and its download."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy.orm import Session, object_session
from werkzeug.wrappers import Response

from app.extensions import DbSession, db
from app.merchants.business import seller_details
from app.merchants.models import Merchant
from app.settings.service import checkout_settings
from app.web.i18n import percentage
from app.web.pdf import page_size_for, render_pdf


class CustomerDocument(Protocol):
    """What a PDF needs of the document it shows: whose it is and its language."""

    merchant: Merchant
    locale: str


def percent(value: Decimal | str) -> str:
    """A stored percentage ("25", Decimal("12.5")) as the reader writes it: 25%, 25 %."""
    return percentage(value)


def render_document(document: CustomerDocument, template: str, **context: Any) -> bytes:
    """Render ``templates/pdf/<template>`` in ``document``'s language, with its merchant's
    branding and seller details."""
    session = object_session(document) or db.session
    return render_for_merchant(session, document.merchant, document.locale, template, **context)


def render_for_merchant(
    session: Session | DbSession, merchant: Merchant, locale: str, template: str, **context: Any
) -> bytes:
    """Render ``templates/pdf/<template>`` in ``locale`` with ``merchant``'s branding and seller
    details (a payment's receipt, which is not a document of its own)."""
    branding = checkout_settings(session, merchant)
    return render_pdf(
        template,
        locale=locale,
        page_size=page_size_for(merchant.country),
        merchant=merchant,
        branding=branding,
        seller_name=branding.display_name or merchant.name,
        seller=seller_details(merchant),
        accent=branding.accent_color,
        percent=percent,
        **context,
    )


def download_name(number: str | None, fallback: str) -> str:
    """A download's file name: the document's number (letters, digits, dashes), else
    ``fallback`` (a draft has no number)."""
    safe = "".join(c for c in (number or "") if c.isalnum() or c in "-_")
    return f"{safe or fallback}.pdf"


def pdf_response(data: bytes, name: str) -> Response:
    """A PDF download, never cached by a shared cache (it is one customer's document)."""
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
