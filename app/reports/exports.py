"""CSV exports for accounting: payments (a row per charge and per refund), invoices and
customers, written row by row from a server-side cursor so memory stays flat at any size.

Files are UTF-8 with a byte order mark (so spreadsheets read the letters right) and a header
row; the separator (comma or semicolon) and the decimal mark (point or comma) are the
merchant's choice (``ExportSettings``), by default those of the merchant's country. Amounts
are plain numbers in the currency's units ("1250.50"), no thousands separator and no symbol;
dates are ISO 8601 (UTC days).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import islice
from typing import Any

from babel import Locale
from babel.languages import get_official_languages
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    select,
)

from app.core.clock import aware
from app.core.money import exponent
from app.customers.models import Customer
from app.extensions import DbSession
from app.invoices.models import Invoice, InvoiceStatus
from app.merchants.models import Merchant
from app.payments.models import Payment, PaymentEvent
from app.payments.queries import PaymentFilters, day_begins, filtered_payments
from app.reports.csv_copy import (
    Piece,
    amount_text,
    blank_as_null,
    copy_pieces,
    floor_share,
    words_for,
)
from app.reports.labels import DOCUMENT_NAMES, document_name
from app.reports.models import ExportKind, ExportSettings
from app.reports.service import COUNTED
from app.settings.labels import METHOD_NAMES, method_name

BATCH = 2000  # rows a cursor fetches at a time, and rows per chunk of text handed on
BOM = "\ufeff"
REFUND_KINDS = ("refund_recorded", "refund_failed")

INVOICE_STATUS_NAMES = {
    InvoiceStatus.DRAFT: _l("Draft"),
    InvoiceStatus.OPEN: _l("Open"),
    InvoiceStatus.PAID: _l("Paid"),
    InvoiceStatus.VOID: _l("Void"),
    InvoiceStatus.UNCOLLECTIBLE: _l("Uncollectible"),
}


@dataclass(frozen=True)
class CsvFormat:
    delimiter: str  # "," or ";"
    decimal_comma: bool

    def amount(self, minor_units: int | None, currency: str) -> str:
        """Minor units as a plain number in the currency's units: "-1250,50" with a comma."""
        if minor_units is None:
            return ""
        places = exponent(currency)
        sign = "-" if minor_units < 0 else ""
        whole, part = divmod(abs(minor_units), 10**places)
        if not places:
            return f"{sign}{whole}"
        return f"{sign}{whole}{',' if self.decimal_comma else '.'}{part:0{places}d}"


def country_format(country: str) -> CsvFormat:
    """What spreadsheets in ``country`` expect: where the decimal mark is a comma (CLDR, for
    the country's first official language), columns are separated by semicolons."""
    languages = get_official_languages(country, de_facto=True)
    if not languages:
        return CsvFormat(",", False)
    try:
        mark = Locale.parse(f"{languages[0]}_{country}").number_symbols["latn"]["decimal"]
    except (ValueError, LookupError):
        return CsvFormat(",", False)
    return CsvFormat(";", True) if mark == "," else CsvFormat(",", False)


def export_settings(session: DbSession, merchant: Merchant) -> ExportSettings | None:
    return session.scalar(select(ExportSettings).where(ExportSettings.merchant_id == merchant.id))


def export_format(session: DbSession, merchant: Merchant) -> CsvFormat:
    """The merchant's saved choice, else their country's."""
    saved = export_settings(session, merchant)
    if saved is None:
        return country_format(merchant.country)
    return CsvFormat(saved.delimiter, saved.decimal_comma)


def save_export_format(session: DbSession, merchant: Merchant, chosen: CsvFormat) -> None:
    saved = export_settings(session, merchant)
    if saved is None:
        saved = ExportSettings(merchant_id=merchant.id)
        session.add(saved)
    saved.delimiter, saved.decimal_comma = chosen.delimiter, chosen.decimal_comma


def _day(moment: datetime | None) -> str:
    """The UTC day (a PostgreSQL session may hand timestamps back in another zone)."""
    return aware(moment).astimezone(UTC).date().isoformat() if moment else ""


def _customer(name: str | None, buyer_name: str) -> str:
    return name or buyer_name


def _document_number(kind: str, document_id: str, invoice_number: str | None) -> str:
    return invoice_number or document_id if kind == "invoice" else document_id


def _tax_share(tax_total: int | None, total: int | None, amount: int) -> int | None:
    """An invoice payment's part of the invoice's tax, in proportion to what it paid (the
    checkout does not keep the tax of a link's or a cart's payment yet: no figure)."""
    if tax_total is None or not total:
        return None
    return tax_total * amount // total


# Payments


def _paid_payments(merchant_id: int, filters: PaymentFilters) -> Select[Any]:
    return filtered_payments(merchant_id, filters).where(Payment.status.in_(COUNTED))


def _with_documents(query: Select[Any]) -> Select[Any]:
    invoice_of = and_(
        Payment.document_type == "invoice",
        Invoice.merchant_id == Payment.merchant_id,
        cast(Invoice.id, String) == Payment.document_id,
    )
    return query.outerjoin(Customer, Customer.id == Payment.customer_id).outerjoin(
        Invoice, invoice_of
    )


PAYMENT_COLUMNS = (
    Payment.document_type,
    Payment.document_id,
    Invoice.number,
    Invoice.tax_total,
    Invoice.total,
    Customer.name,
    Payment.buyer_name,
    Payment.buyer_email,
    Payment.currency,
    Payment.amount,
    Payment.fee,
    Payment.net,
    Payment.settlement_currency,
    Payment.method_type,
    Payment.intent_id,
    Payment.latest_charge_id,
    Payment.available_on,
)


def payment_header() -> list[str]:
    return [
        _("Type"), _("Date"), _("Document type"), _("Document number"), _("Customer"),
        _("Email"), _("Currency"), _("Gross"), _("Fee"), _("Net"), _("Fee and net currency"),
        _("Tax"), _("Method"), _("Stripe PaymentIntent"), _("Stripe charge"), _("Available on"),
    ]  # fmt: skip


def _stream(session: DbSession, query: Any) -> Iterator[Any]:
    """The query's rows a batch at a time from a server-side cursor (on PostgreSQL a named
    cursor), as Core rows: nothing is loaded as objects and nothing is kept."""
    return iter(session.connection().execution_options(yield_per=BATCH).execute(query))


class _Names:
    """Words for codes, looked up once per export: a translation per row would cost more than
    writing the row."""

    def __init__(self) -> None:
        self.method = cache(method_name)
        self.document = cache(document_name)


def _payment_row(
    names: _Names,
    fmt: CsvFormat,
    kind: str,
    moment: datetime,
    columns: Sequence[Any],  # the values of PAYMENT_COLUMNS, unpacked by position (fast)
    amounts: tuple[int, int | None, int | None, int | None],  # gross, fee, net, tax
) -> list[str]:
    (document_type, document_id, number, _tax_total, _total, customer_name, buyer_name,
     buyer_email, currency, _amount, _fee, _net, settlement_currency, method_type, intent_id,
     charge_id, available_on) = columns  # fmt: skip
    settled = settlement_currency or currency
    gross, fee, net, tax = amounts
    return [
        kind,
        _day(moment),
        names.document(document_type),
        _document_number(document_type, document_id, number),
        _customer(customer_name, buyer_name),
        buyer_email,
        currency,
        fmt.amount(gross, currency),
        fmt.amount(fee, settled),
        fmt.amount(net, settled),
        settled,
        fmt.amount(tax, currency),
        names.method(method_type),
        intent_id,
        charge_id or "",
        available_on.isoformat() if available_on else "",
    ]


def payment_rows(
    session: DbSession, merchant_id: int, filters: PaymentFilters, fmt: CsvFormat
) -> Iterator[list[str]]:
    """A row per charge of the filtered payments Stripe took the money of (newest first),
    then a row per refund of them: the amount back as a negative gross and net (no fee; the
    net only when Stripe settled in the payment's currency, since Kassa does not keep the rate
    of the refund), or a refund that failed as the money coming back."""
    charge, refund, refund_failed = _("Charge"), _("Refund"), _("Refund failed")
    names = _Names()
    charges = _with_documents(_paid_payments(merchant_id, filters)).with_only_columns(
        Payment.created_at, *PAYMENT_COLUMNS
    )
    for created_at, *columns in _stream(session, charges):
        tax_total, total, amount, fee, net = (columns[i] for i in (3, 4, 9, 10, 11))
        tax = _tax_share(tax_total, total, amount)
        yield _payment_row(names, fmt, charge, created_at, columns, (amount, fee, net, tax))
    paid = _paid_payments(merchant_id, filters).with_only_columns(Payment.id).order_by(None)
    refunds = (
        _with_documents(
            select(PaymentEvent.created_at, PaymentEvent.kind, PaymentEvent.detail)
            .select_from(PaymentEvent)
            .join(Payment, Payment.id == PaymentEvent.payment_id)
        )
        .where(
            PaymentEvent.merchant_id == merchant_id,
            PaymentEvent.kind.in_(REFUND_KINDS),
            PaymentEvent.payment_id.in_(paid),
        )
        .add_columns(*PAYMENT_COLUMNS)
        .order_by(PaymentEvent.created_at.desc(), PaymentEvent.id.desc())
    )
    for created_at, _kind, detail, *columns in _stream(session, refunds):
        back = int(detail["amount_refunded"]) - int(detail["previously"])
        net = None if columns[12] else -back  # the refund's rate in another currency: unknown
        tax = _tax_share(columns[3], columns[4], -back)
        label = refund if back > 0 else refund_failed
        yield _payment_row(names, fmt, label, created_at, columns, (-back, 0, net, tax))


def count_payment_rows(session: DbSession, merchant_id: int, filters: PaymentFilters) -> int:
    paid = _paid_payments(merchant_id, filters).order_by(None)
    charges = session.scalar(paid.with_only_columns(func.count()))
    refunds = session.scalar(
        select(func.count()).where(
            PaymentEvent.merchant_id == merchant_id,
            PaymentEvent.kind.in_(REFUND_KINDS),
            PaymentEvent.payment_id.in_(paid.with_only_columns(Payment.id)),
        )
    )
    return int(charges or 0) + int(refunds or 0)


def _copy_day(moment: Any) -> ColumnElement[Any]:
    return func.to_char(func.timezone("UTC", moment), "YYYY-MM-DD")


def _copy_columns(fmt: CsvFormat, amounts: tuple[Any, Any, Any, Any]) -> list[ColumnElement[Any]]:
    """``_payment_row`` in SQL, from the document type on (the kind and date come first)."""
    gross, fee, net, tax = amounts
    settled = func.coalesce(Payment.settlement_currency, Payment.currency)
    number = case(
        (Payment.document_type == "invoice",
         func.coalesce(func.nullif(Invoice.number, ""), Payment.document_id)),
        else_=Payment.document_id,
    )  # fmt: skip
    texts = [
        words_for(Payment.document_type, {k: str(v) for k, v in DOCUMENT_NAMES.items()}, "—"),
        number,
        func.coalesce(func.nullif(Customer.name, ""), Payment.buyer_name),
        Payment.buyer_email,
        Payment.currency,
        amount_text(gross, Payment.currency, fmt.decimal_comma),
        amount_text(fee, settled, fmt.decimal_comma),
        amount_text(net, settled, fmt.decimal_comma),
        settled,
        amount_text(tax, Payment.currency, fmt.decimal_comma),
        words_for(Payment.method_type, {k: str(v) for k, v in METHOD_NAMES.items()}, "—"),
        Payment.intent_id,
        Payment.latest_charge_id,
        func.to_char(Payment.available_on, "YYYY-MM-DD"),
    ]
    return [blank_as_null(text) for text in texts]


def payment_copy_queries(
    merchant_id: int, filters: PaymentFilters, fmt: CsvFormat
) -> list[Select[Any]]:
    """``payment_rows`` as two SELECTs of text for PostgreSQL's COPY: the charges, then the
    refunds, in the same order and with the same words and figures."""
    tax = floor_share(Invoice.tax_total, Invoice.total, Payment.amount)
    charges = _with_documents(_paid_payments(merchant_id, filters)).with_only_columns(
        literal(_("Charge"), String),
        _copy_day(Payment.created_at),
        *_copy_columns(fmt, (Payment.amount, Payment.fee, Payment.net, tax)),
    )
    back = (
        PaymentEvent.detail["amount_refunded"].as_integer()
        - PaymentEvent.detail["previously"].as_integer()
    )
    refund, refund_failed = literal(_("Refund"), String), literal(_("Refund failed"), String)
    label = case((back > 0, refund), else_=refund_failed)
    net = case((func.nullif(Payment.settlement_currency, "").is_(None), -back), else_=null())
    refund_tax = floor_share(Invoice.tax_total, Invoice.total, -back)
    paid = _paid_payments(merchant_id, filters).with_only_columns(Payment.id).order_by(None)
    refunds = (
        _with_documents(
            select(label, _copy_day(PaymentEvent.created_at))
            .select_from(PaymentEvent)
            .join(Payment, Payment.id == PaymentEvent.payment_id)
        )
        .where(
            PaymentEvent.merchant_id == merchant_id,
            PaymentEvent.kind.in_(REFUND_KINDS),
            PaymentEvent.payment_id.in_(paid),
        )
        .add_columns(*_copy_columns(fmt, (-back, literal(0), net, refund_tax)))
        .order_by(PaymentEvent.created_at.desc(), PaymentEvent.id.desc())
    )
    return [charges, refunds]


# Invoices


def _invoices(merchant_id: int, filters: PaymentFilters) -> Select[Any]:
    query = select(Invoice).where(
        Invoice.merchant_id == merchant_id, Invoice.status != InvoiceStatus.DRAFT
    )
    if filters.currency:
        query = query.where(Invoice.currency == filters.currency)
    if filters.start is not None:
        query = query.where(Invoice.issue_date >= filters.start)
    if filters.end is not None:
        query = query.where(Invoice.issue_date <= filters.end)
    return query


def invoice_header() -> list[str]:
    return [
        _("Number"), _("Customer"), _("Issue date"), _("Due date"), _("Currency"), _("Net"),
        _("Tax"), _("Total"), _("Paid"), _("Balance"), _("Status"),
    ]  # fmt: skip


def invoice_rows(
    session: DbSession, merchant_id: int, filters: PaymentFilters, fmt: CsvFormat
) -> Iterator[list[str]]:
    """Finalized invoices (drafts have no number yet), newest issue first."""
    query = (
        _invoices(merchant_id, filters)
        .join(Customer, Customer.id == Invoice.customer_id)
        .with_only_columns(
            Invoice.number,
            Customer.name,
            Customer.company,
            Invoice.issue_date,
            Invoice.due_date,
            Invoice.currency,
            Invoice.total,
            Invoice.tax_total,
            Invoice.amount_paid,
            Invoice.status,
        )
        .order_by(Invoice.issue_date.desc(), Invoice.id.desc())
    )
    for row in _stream(session, query):
        currency = row.currency
        yield [
            row.number or "",
            row.name or row.company,
            row.issue_date.isoformat() if row.issue_date else "",
            row.due_date.isoformat() if row.due_date else "",
            row.currency,
            fmt.amount(row.total - row.tax_total, currency),
            fmt.amount(row.tax_total, currency),
            fmt.amount(row.total, currency),
            fmt.amount(row.amount_paid, currency),
            fmt.amount(row.total - row.amount_paid, currency),
            str(INVOICE_STATUS_NAMES[InvoiceStatus(row.status)]),
        ]


def count_invoice_rows(session: DbSession, merchant_id: int, filters: PaymentFilters) -> int:
    query = _invoices(merchant_id, filters).with_only_columns(func.count())
    return int(session.scalar(query) or 0)


# Customers


def _customers(merchant_id: int, filters: PaymentFilters) -> Select[Any]:
    query = select(Customer).where(Customer.merchant_id == merchant_id)
    if filters.start is not None:
        query = query.where(Customer.created_at >= day_begins(filters.start))
    if filters.end is not None:
        query = query.where(Customer.created_at < day_begins(filters.end) + timedelta(days=1))
    return query


def customer_header() -> list[str]:
    return [
        _("Name"), _("Email"), _("Company"), _("Tax ID"), _("Phone number"), _("Country"),
        _("Language"), _("Currency"), _("Added on"),
    ]  # fmt: skip


def customer_rows(
    session: DbSession, merchant_id: int, filters: PaymentFilters, fmt: CsvFormat
) -> Iterator[list[str]]:
    query = (
        _customers(merchant_id, filters)
        .with_only_columns(
            Customer.name,
            Customer.email,
            Customer.company,
            Customer.tax_id,
            Customer.phone,
            Customer.billing_address,
            Customer.locale,
            Customer.currency,
            Customer.created_at,
        )
        .order_by(Customer.created_at.desc(), Customer.id.desc())
    )
    for row in _stream(session, query):
        yield [
            row.name, row.email, row.company, row.tax_id, row.phone,
            (row.billing_address or {}).get("country", ""), row.locale, row.currency or "",
            _day(row.created_at),
        ]  # fmt: skip


def count_customer_rows(session: DbSession, merchant_id: int, filters: PaymentFilters) -> int:
    query = _customers(merchant_id, filters).with_only_columns(func.count())
    return int(session.scalar(query) or 0)


@dataclass(frozen=True)
class Export:
    header: Callable[[], list[str]]
    rows: Callable[[DbSession, int, PaymentFilters, CsvFormat], Iterator[list[str]]]
    count: Callable[[DbSession, int, PaymentFilters], int]
    # The same rows as SELECTs of text that PostgreSQL writes as CSV itself (``csv_copy``).
    copy_queries: Callable[[int, PaymentFilters, CsvFormat], list[Select[Any]]] | None = None


EXPORTS = {
    ExportKind.PAYMENTS: Export(
        payment_header, payment_rows, count_payment_rows, payment_copy_queries
    ),
    ExportKind.INVOICES: Export(invoice_header, invoice_rows, count_invoice_rows),
    ExportKind.CUSTOMERS: Export(customer_header, customer_rows, count_customer_rows),
}


def csv_chunks(
    header: list[str], rows: Iterable[list[str]], fmt: CsvFormat, *, rows_per_chunk: int = BATCH
) -> Iterator[str]:
    """The CSV text in pieces of ``rows_per_chunk`` rows, the byte order mark and header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=fmt.delimiter, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(header)
    for written, row in enumerate(rows, start=1):
        writer.writerow(row)
        if written % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _header_piece(header: list[str], fmt: CsvFormat) -> Piece:
    return Piece("".join(csv_chunks(header, [], fmt)), 0)


def _python_pieces(rows: Iterable[list[str]], fmt: CsvFormat) -> Iterator[Piece]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=fmt.delimiter, lineterminator="\r\n")
    rows = iter(rows)
    while batch := list(islice(rows, BATCH)):
        writer.writerows(batch)
        yield Piece(buffer.getvalue(), len(batch))
        buffer.seek(0)
        buffer.truncate()


def export_pieces(
    session: DbSession, kind: ExportKind, merchant_id: int, filters: PaymentFilters,
    fmt: CsvFormat,
) -> Iterator[Piece]:  # fmt: skip
    """The export's CSV text, the byte order mark and header first: on PostgreSQL written by
    the database where the export has its SELECTs for it, else row by row here; the same
    bytes either way."""
    export = EXPORTS[kind]
    yield _header_piece(export.header(), fmt)
    if export.copy_queries is not None and session.get_bind().dialect.name == "postgresql":
        for query in export.copy_queries(merchant_id, filters, fmt):
            yield from copy_pieces(session, query, fmt.delimiter)
        return
    yield from _python_pieces(export.rows(session, merchant_id, filters, fmt), fmt)
