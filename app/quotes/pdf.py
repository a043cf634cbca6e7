"""A quote as a PDF: what the customer's page shows, in the quote's language with the
merchant's branding; once signed, with the evidence of the acceptance (name, time, address,
browser, the digest of the quote as shown) and any countersignature."""

from __future__ import annotations

from flask_babel import force_locale, gettext

from app.documents.pdf import download_name, render_document
from app.quotes.labels import INTERVAL_LABELS
from app.quotes.models import Quote, QuoteStatus
from app.quotes.service import current_quantities, instalments


def _stamp(quote: Quote) -> str:
    with force_locale(quote.locale):
        if quote.status is QuoteStatus.DRAFT:
            return gettext("DRAFT")
        if quote.status in (QuoteStatus.CANCELED, QuoteStatus.SUPERSEDED):
            return gettext("VOID")
    return ""


def quote_pdf(quote: Quote) -> bytes:
    return render_document(
        quote,
        "quote.html",
        quote=quote,
        quantities=current_quantities(quote),
        instalments=instalments(quote),
        interval_labels=INTERVAL_LABELS,
        stamp=_stamp(quote),
    )


def quote_download_name(quote: Quote) -> str:
    return download_name(quote.shown_number, f"quote-{quote.id}")
