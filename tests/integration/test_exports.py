"""CSV exports: their columns, separators, decimal marks and totals, for payments made through
the sandbox, invoices and customers; a large export written by the background task with flat
memory, its progress page, its emailed link and that link's expiry."""

from __future__ import annotations

import csv
import io
import tracemalloc
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, select, update

from app.core.clock import utcnow
from app.core.money import Money
from app.extensions import db
from app.payments.models import Payment, PaymentStatus
from app.payments.queries import PaymentFilters
from app.reports import jobs
from app.reports.models import ExportJob, ExportKind, ExportStatus
from tests.integration.test_payments import connected
from tests.integration.test_revenue_report import paid, refund
from tests.support.accounts import emailed_link, post_form, sign_up
from tests.support.invoices import open_invoice
from tests.support.mailbox import Mailbox
from tests.support.payments import balance_of, merchant_id, payment_row
from tests.support.settings import add_currency
from tests.support.stripe_sandbox import StripeSandbox

PAGE = "/panel/reports/exports"


def export(client: FlaskClient, kind: str, **filters: str):  # type: ignore[no-untyped-def]
    return post_form(client, PAGE, PAGE, {"kind": kind, **filters})


def rows_of(body: bytes, delimiter: str) -> list[list[str]]:
    text = body.decode("utf-8")
    assert text.startswith("\ufeff"), "no byte order mark"
    return list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))


def amount(text: str) -> int:
    """A CSV amount ("1250,50" or "1250.50") in minor units of a two-decimal currency."""
    return int(Decimal(text.replace(",", ".")) * 100) if text else 0


def test_payments_export_a_row_per_charge_and_refund_with_the_countrys_separators(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account, merchant = connected(client, app, stripe_sandbox, "SE", "sek")
    add_currency(client, "EUR")  # a merchant takes euros in an account currency
    link = paid(app, stripe_sandbox, account, merchant, Money(12550, "SEK"), "chk_1")
    cart = paid(app, stripe_sandbox, account, merchant, Money(30000, "SEK"), "chk_2",
                document_type="cart")  # fmt: skip
    refund(app, merchant, cart, Money(2500, "SEK"))
    paid(app, stripe_sandbox, account, merchant, Money(5000, "EUR"), "chk_3")

    response = export(client, "payments")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = rows_of(response.get_data(), ";")  # Sweden: semicolons and decimal commas
    header, *lines = rows
    assert header == [
        "Type", "Date", "Document type", "Document number", "Customer", "Email", "Currency",
        "Gross", "Fee", "Net", "Fee and net currency", "Tax", "Method", "Stripe PaymentIntent",
        "Stripe charge", "Available on",
    ]  # fmt: skip
    table = [dict(zip(header, line, strict=True)) for line in lines]
    assert [row["Type"] for row in table] == ["Charge", "Charge", "Charge", "Refund"]
    by_intent = {row["Stripe PaymentIntent"]: row for row in table if row["Type"] == "Charge"}
    first = by_intent[payment_row(app, link).intent_id]
    balance = balance_of(stripe_sandbox, account, first["Stripe PaymentIntent"])
    assert first["Gross"] == "125,50" and first["Currency"] == "SEK"
    assert amount(first["Fee"]) == balance["fee"] and amount(first["Net"]) == balance["net"]
    assert first["Document type"] == "Payment link" and first["Method"] == "Card"
    assert first["Customer"] == "Ada Buyer" and first["Email"] == "buyer@example.com"
    assert first["Stripe charge"].startswith("ch_")
    available = datetime.fromtimestamp(balance["available_on"], UTC).date()
    assert first["Available on"] == available.isoformat()
    refunded = table[-1]
    assert (refunded["Gross"], refunded["Fee"], refunded["Net"]) == ("-25,00", "0,00", "-25,00")
    assert refunded["Document type"] == "Storefront"
    kronor = [row for row in table if row["Currency"] == "SEK"]
    assert sum(amount(row["Gross"]) for row in kronor) == 12550 + 30000 - 2500
    euros = next(row for row in table if row["Currency"] == "EUR")
    assert euros["Gross"] == "50,00" and euros["Fee and net currency"] == "SEK"

    only_euros = rows_of(export(client, "payments", currency="EUR").get_data(), ";")
    assert [line[6] for line in only_euros[1:]] == ["EUR"]
    cart_only = rows_of(export(client, "payments", document_type="cart").get_data(), ";")
    assert [line[0] for line in cart_only[1:]] == ["Charge", "Refund"]
    yesterday = (utcnow().date() - timedelta(days=1)).isoformat()
    before = export(client, "payments", start=yesterday, end=yesterday).get_data()
    assert rows_of(before, ";") == [header]


def test_the_merchant_chooses_commas_and_points_but_never_commas_for_both(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account, merchant = connected(client, app, stripe_sandbox, "SE", "sek")
    paid(app, stripe_sandbox, account, merchant, Money(12550, "SEK"), "chk_1")
    both = post_form(client, PAGE, f"{PAGE}/format", {"delimiter": ",", "decimal_mark": ","})
    assert both.status_code == 422
    assert "separate columns with semicolons" in both.get_data(as_text=True)

    saved = post_form(client, PAGE, f"{PAGE}/format", {"delimiter": ",", "decimal_mark": "."})
    assert saved.status_code == 302
    rows = rows_of(export(client, "payments").get_data(), ",")
    assert rows[1][7] == "125.50" and len(rows[1]) == 16
    assert 'value="," checked' in client.get(PAGE).get_data(as_text=True).replace(
        'checked id="delimiter-0" name="delimiter" type="radio" value=","', 'value="," checked'
    )


def test_invoices_and_customers_exports(client: FlaskClient, app: Flask) -> None:
    sign_up(client, country="US")  # points and commas
    add_currency(client, "EUR")
    open_invoice(app, currency="USD")
    rows = rows_of(export(client, "invoices").get_data(), ",")
    header, line = rows
    assert header == ["Number", "Customer", "Issue date", "Due date", "Currency", "Net", "Tax",
                      "Total", "Paid", "Balance", "Status"]  # fmt: skip
    record = dict(zip(header, line, strict=True))
    assert record["Total"] == "1125.00" and record["Net"] == "1125.00"
    assert record["Paid"] == "0.00" and record["Balance"] == "1125.00"
    assert record["Status"] == "Open" and record["Customer"] == "Grace Hopper"
    assert record["Issue date"] == utcnow().date().isoformat()
    assert rows_of(export(client, "invoices", currency="EUR").get_data(), ",") == [header]

    customers = rows_of(export(client, "customers").get_data(), ",")
    assert customers[0][:3] == ["Name", "Email", "Company"]
    assert [line[:2] for line in customers[1:]] == [["Grace Hopper", "grace@example.com"]]


def seed_payments(app: Flask, merchant: int, count: int) -> int:
    """``count`` succeeded card payments of SEK 1.00 to 100.00, written straight to the table
    (this test is about exporting them, not taking them); their total gross."""
    created = utcnow() - timedelta(days=1)
    rows = [
        {"merchant_id": merchant, "intent_id": f"pi_seeded_{i}", "status": PaymentStatus.SUCCEEDED,
         "currency": "SEK", "amount": 100 + i % 9900, "fee": 25, "net": 75 + i % 9900,
         "method_type": "card", "document_type": "payment_link", "document_id": "7",
         "created_at": created, "updated_at": created}
        for i in range(count)
    ]  # fmt: skip
    with app.app_context():
        db.session.execute(insert(Payment), rows)
        db.session.commit()
    return sum(row["amount"] for row in rows)


def test_an_export_of_60000_rows_runs_as_a_job_with_a_link_that_expires(
    client: FlaskClient, app: Flask, mailbox: Mailbox
) -> None:
    sign_up(client)
    merchant = merchant_id(app)
    gross = seed_payments(app, merchant, 60_000)

    started = export(client, "payments")
    assert started.status_code == 302
    job_page = urlsplit(started.headers["Location"]).path
    page = client.get(job_page).get_data(as_text=True)
    assert "Ready: 60,000 rows" in page and "Download the CSV file" in page

    link = urlsplit(emailed_link("owner@example.com", "Your export is ready")).path
    download = client.get(link)
    assert download.status_code == 200 and download.mimetype == "text/csv"
    header, *lines = rows_of(download.get_data(), ";")
    assert len(lines) == 60_000 and header[0] == "Type"
    assert sum(amount(line[7]) for line in lines) == gross

    with app.app_context():
        job = db.session.scalars(select(ExportJob)).one()
        assert (job.status, job.rows_written, job.rows_total) == (ExportStatus.DONE, 60_000, 60_000)
        stored = jobs.exports_folder() / job.file_name
        assert stored.is_file() and stored.stat().st_mode & 0o077 == 0
        db.session.execute(update(ExportJob).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert client.get(link).status_code == 410
    with app.app_context():
        assert jobs.expire_exports(db.session, utcnow()) == 1
        db.session.commit()
        assert not stored.exists()
        assert db.session.scalars(select(ExportJob.status)).one() is ExportStatus.EXPIRED
    expired = client.get(job_page).get_data(as_text=True)
    assert "This export has expired" in expired
    assert client.get(link[:-3] + "abc").status_code == 404  # an altered link


def test_a_background_export_streams_with_flat_memory(client: FlaskClient, app: Flask) -> None:
    """The task writes 60,000 rows holding a few batches at a time: loading them all would
    take far more than the bound (60,000 payments as objects are well over 100 MB)."""
    sign_up(client)
    merchant = merchant_id(app)
    seed_payments(app, merchant, 60_000)
    with app.test_request_context():
        from app.merchants.models import Merchant, User

        owner = db.session.scalars(select(User)).one()
        job = jobs.queue_export(
            db.session, db.session.get_one(Merchant, merchant), owner, ExportKind.PAYMENTS,
            PaymentFilters(), 60_000, "en",
        )  # fmt: skip
        db.session.commit()
        tracemalloc.start()
        try:
            assert jobs.run_export(job.id) is ExportStatus.DONE
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 20 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
