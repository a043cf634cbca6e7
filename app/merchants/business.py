"""The merchant's business details: the seller an invoice names.

An invoice in the EU must show the seller's legal name, postal address and VAT number (and
often a company registration number). The owner keeps them in Settings > Business details;
invoices, their PDFs and emails read them through ``seller_details``, never the columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.extensions import DbSession
from app.merchants.models import Merchant

ADDRESS_PARTS = ("line1", "line2", "city", "postal_code", "state", "country")


@dataclass(frozen=True)
class BusinessDetails:
    """What the settings form gives: every text trimmed, empty when not given."""

    legal_name: str = ""
    address: dict[str, str] | None = None
    vat_number: str = ""
    company_number: str = ""
    invoice_email: str = ""


@dataclass(frozen=True)
class Seller:
    """The seller block of an invoice, a credit note and a receipt."""

    legal_name: str
    address: dict[str, str]  # every part present, "" when not given
    vat_number: str
    company_number: str
    email: str

    @property
    def has_address(self) -> bool:
        """A postal address a letter could reach: a street line, a town and a country."""
        parts = self.address
        return bool(parts["line1"] and parts["city"] and parts["country"])

    @property
    def complete(self) -> bool:
        """Whether invoices show what the law asks of them (address and VAT number)."""
        return self.has_address and bool(self.vat_number)


def clean_address(parts: dict[str, Any] | None) -> dict[str, str] | None:
    """An address in the checkout's shape, None when every part is empty."""
    if not parts:
        return None
    cleaned = {part: str(parts.get(part) or "").strip() for part in ADDRESS_PARTS}
    return cleaned if any(cleaned.values()) else None


def seller_details(merchant: Merchant) -> Seller:
    """The merchant as an invoice names it: the legal name, or the business name when the
    owner gave none."""
    stored = merchant.business_address or {}
    return Seller(
        legal_name=merchant.legal_name or merchant.name,
        address={part: str(stored.get(part) or "") for part in ADDRESS_PARTS},
        vat_number=merchant.vat_number,
        company_number=merchant.company_number,
        email=merchant.invoice_email,
    )


def stored_details(merchant: Merchant) -> BusinessDetails:
    """The details as the owner gave them (the legal name empty when they gave none)."""
    return BusinessDetails(
        legal_name=merchant.legal_name,
        address=merchant.business_address,
        vat_number=merchant.vat_number,
        company_number=merchant.company_number,
        invoice_email=merchant.invoice_email,
    )


def update_business_details(
    _session: DbSession, merchant: Merchant, details: BusinessDetails
) -> None:
    """Keep the owner's details as given (an empty legal name means the business name)."""
    merchant.legal_name = details.legal_name
    merchant.business_address = clean_address(details.address)
    merchant.vat_number = details.vat_number
    merchant.company_number = details.company_number
    merchant.invoice_email = details.invoice_email
