"""Where the merchant's panel shows the document a payment was for: each document package
registers its page (payments imports none of them)."""

from __future__ import annotations

from collections.abc import Callable

from app.payments.models import Payment

# document_type -> the panel address of the document with this id (None when it is gone)
_pages: dict[str, Callable[[Payment], str | None]] = {}


def register_document_page(document_type: str, page: Callable[[Payment], str | None]) -> None:
    _pages[document_type] = page


def document_page(payment: Payment) -> str | None:
    page = _pages.get(payment.document_type)
    return page(payment) if page is not None and payment.document_id.isdigit() else None
