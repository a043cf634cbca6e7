"""The invoices' core (issue 13): numbers taken at finalization without gaps or repeats, also
when 20 finalizations race; the customer's address; the amounts paid and clearing, moved by
guarded UPDATEs that never over-collect when payments race; shown statuses."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.core.clock import utcnow
from app.documents.models import NumberSeries, SeriesKind
from app.documents.numbering import take_number
from app.extensions import db
from app.invoices import balance
from app.invoices.models import (
    Invoice,
    InvoiceEvent,
    InvoiceStatus,
    PaymentTerms,
)
from app.invoices.service import (
    ShownStatus,
    buyer_token,
    invoice_by_token,
    shown_status,
)
from tests.conftest import SECRET_KEY
from tests.support.accounts import sign_up
from tests.support.invoices import (
    add_customer,
    draft_invoice,
    invoice_row,
    merchant_of,
    open_invoice,
)
from tests.support.payments import merchant_id

DAY = date(2026, 3, 10)


@pytest.fixture
def merchant(client: FlaskClient, app: Flask) -> int:
    sign_up(client)
    return merchant_id(app)


def in_threads(count: int, work: Callable[[int], object]) -> list[object]:
    """``work(n)`` in ``count`` threads started together, each in its own app context (so its
    own session and connection); their results (or exceptions) in thread order."""
    start = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(n: int) -> None:
        start.wait()
        try:
            results[n] = work(n)
        except Exception as error:  # a failure is a result the test asserts on
            results[n] = error

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_numbers_start_at_one_per_kind_and_follow_each_other(app: Flask, merchant: int) -> None:
    with app.app_context():
        taken = [take_number(db.session, merchant, SeriesKind.INVOICE, DAY) for _ in range(3)]
        note = take_number(db.session, merchant, SeriesKind.CREDIT_NOTE, DAY)
        quote = take_number(db.session, merchant, SeriesKind.QUOTE, DAY)
        db.session.commit()
    assert taken == ["INV-2026-0001", "INV-2026-0002", "INV-2026-0003"]
    assert (note, quote) == ("CN-2026-0001", "Q-2026-0001")


def test_a_yearly_series_restarts_in_a_new_year_and_a_plain_one_does_not(
    app: Flask, merchant: int
) -> None:
    with app.app_context():
        assert take_number(db.session, merchant, SeriesKind.INVOICE, DAY) == "INV-2026-0001"
        assert take_number(db.session, merchant, SeriesKind.INVOICE, DAY) == "INV-2026-0002"
        new_year = date(2027, 1, 1)
        assert take_number(db.session, merchant, SeriesKind.INVOICE, new_year) == "INV-2027-0001"
        series = db.session.scalars(
            select(NumberSeries).where(NumberSeries.kind == SeriesKind.CREDIT_NOTE)
        ).one_or_none()
        assert series is None  # made on first use only
        take_number(db.session, merchant, SeriesKind.CREDIT_NOTE, DAY)
        plain = db.session.scalars(
            select(NumberSeries).where(NumberSeries.kind == SeriesKind.CREDIT_NOTE)
        ).one()
        plain.pattern, plain.padding = "K", 6
        db.session.flush()
        assert take_number(db.session, merchant, SeriesKind.CREDIT_NOTE, new_year) == "K000002"
        db.session.commit()


def test_a_rolled_back_finalization_gives_its_number_back(app: Flask, merchant: int) -> None:
    with app.app_context():
        take_number(db.session, merchant, SeriesKind.INVOICE, DAY)
        db.session.commit()
        assert take_number(db.session, merchant, SeriesKind.INVOICE, DAY) == "INV-2026-0002"
        db.session.rollback()
        assert take_number(db.session, merchant, SeriesKind.INVOICE, DAY) == "INV-2026-0002"
        db.session.commit()


def test_twenty_finalizations_at_once_take_twenty_numbers_without_gap_or_repeat(
    app: Flask, merchant: int
) -> None:
    customer = add_customer(app)
    drafts = [draft_invoice(app, customer_id=customer) for _ in range(20)]

    def finalize(n: int) -> str:
        from app.invoices.service import finalize_invoice

        with app.app_context():
            invoice = db.session.get(Invoice, drafts[n])
            assert invoice is not None
            finalize_invoice(db.session, invoice, DAY, SECRET_KEY)
            number = invoice.number
            db.session.commit()
            return str(number)

    numbers = in_threads(20, finalize)

    expected = [f"INV-2026-{n:04d}" for n in range(1, 21)]
    assert sorted(map(str, numbers)) == expected, numbers
    with app.app_context():
        stored = db.session.scalars(select(Invoice.number)).all()
        assert sorted(map(str, stored)) == expected
        series = db.session.scalars(select(NumberSeries)).one()
        assert series.next_number == 21


def test_finalizing_numbers_dates_and_gives_the_customer_an_address(
    app: Flask, merchant: int
) -> None:
    invoice_id, token = open_invoice(app, today=DAY, terms=PaymentTerms.NET_30)
    invoice = invoice_row(app, invoice_id)
    assert invoice.number == "INV-2026-0001"
    assert invoice.status is InvoiceStatus.OPEN
    assert (invoice.issue_date, invoice.due_date) == (DAY, DAY + timedelta(days=30))
    assert invoice.finalized_at is not None
    assert token not in (invoice.token_digest, invoice.token_encrypted)
    assert len(token) >= 43  # 256 bits
    with app.app_context():
        found = invoice_by_token(db.session, token)
        assert found is not None and found.id == invoice_id
        assert buyer_token(found, SECRET_KEY) == token
        assert invoice_by_token(db.session, token[:-1]) is None
        assert invoice_by_token(db.session, "") is None
        kinds = db.session.scalars(
            select(InvoiceEvent.kind).where(InvoiceEvent.invoice_id == invoice_id)
        ).all()
        assert kinds == ["finalized"]


def test_totals_are_kept_from_the_pricing_engine(app: Flask, merchant: int) -> None:
    invoice = invoice_row(app, draft_invoice(app))
    assert (invoice.subtotal, invoice.discount_total, invoice.tax_total) == (112500, 0, 0)
    assert invoice.total == 112500
    assert invoice.number is None and invoice.token_digest is None


def test_shown_status_follows_the_amounts_and_the_due_date(app: Flask, merchant: int) -> None:
    invoice_id, _ = open_invoice(app, today=DAY, terms=PaymentTerms.NET_7)
    due = DAY + timedelta(days=7)
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        assert invoice is not None
        assert shown_status(invoice, due) is ShownStatus.OPEN
        assert shown_status(invoice, due + timedelta(days=1)) is ShownStatus.OVERDUE
        assert balance.claim(db.session, invoice_id, merchant, 1000)
        assert shown_status(invoice, due + timedelta(days=1)) is ShownStatus.PROCESSING
        assert balance.settle(db.session, invoice, 1000)
        assert shown_status(invoice, due) is ShownStatus.PARTIALLY_PAID
        assert balance.add_paid(db.session, invoice, invoice.total - 1000)
        assert shown_status(invoice, due + timedelta(days=30)) is ShownStatus.PAID
        db.session.commit()


def test_claims_settle_release_and_refund_move_the_balance(app: Flask, merchant: int) -> None:
    invoice_id, _ = open_invoice(app)
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        assert invoice is not None
        total = invoice.total
        assert not balance.claim(db.session, invoice_id, merchant, total + 1)
        assert not balance.claim(db.session, invoice_id, merchant, 0)
        assert not balance.claim(db.session, invoice_id, merchant + 1000, 100)  # not theirs
        assert balance.claim(db.session, invoice_id, merchant, total - 100)
        pending = (invoice.amount_pending, invoice.payable, invoice.balance)
        assert pending == (total - 100, 100, total)
        assert not balance.claim(db.session, invoice_id, merchant, 101)
        assert not balance.add_paid(db.session, invoice, 101)
        assert balance.release(db.session, invoice, total - 100)  # the debit bounced
        assert not balance.release(db.session, invoice, 1)  # nothing left to release
        assert (invoice.amount_pending, invoice.payable) == (0, total)
        assert balance.claim(db.session, invoice_id, merchant, total)
        assert not balance.settle(db.session, invoice, total + 1)
        assert balance.settle(db.session, invoice, total)
        assert invoice.status is InvoiceStatus.PAID and invoice.paid_at is not None
        assert not balance.claim(db.session, invoice_id, merchant, 1)  # paid: nothing to pay
        assert balance.refund(db.session, invoice, 500)
        assert invoice.status is InvoiceStatus.OPEN and invoice.paid_at is None
        assert (invoice.amount_paid, invoice.balance) == (total - 500, 500)
        assert not balance.refund(db.session, invoice, total)
        db.session.commit()


def test_a_void_invoice_takes_no_payment(app: Flask, merchant: int) -> None:
    invoice_id, _ = open_invoice(app)
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        assert invoice is not None
        invoice.status, invoice.voided_at = InvoiceStatus.VOID, utcnow()
        db.session.flush()
        assert not balance.claim(db.session, invoice_id, merchant, 100)
        assert not balance.add_paid(db.session, invoice, 100)
        db.session.commit()


def test_buyers_claiming_the_same_balance_at_once_never_over_collect(
    app: Flask, merchant: int
) -> None:
    invoice_id, _ = open_invoice(app)
    total = invoice_row(app, invoice_id).total
    part = total * 2 // 5  # two parts fit, a third does not

    def pay(n: int) -> bool:
        with app.app_context():
            claimed = balance.claim(db.session, invoice_id, merchant, part)
            db.session.commit()
            return claimed

    claimed = in_threads(10, pay)

    assert claimed.count(True) == 2, claimed
    assert invoice_row(app, invoice_id).amount_pending == 2 * part


def test_manual_payments_and_settlements_at_once_stop_at_the_total(
    app: Flask, merchant: int
) -> None:
    invoice_id, _ = open_invoice(app)
    total = invoice_row(app, invoice_id).total
    part = total // 4 + 1  # three fit, a fourth does not

    def pay(n: int) -> bool:
        with app.app_context():
            invoice = db.session.get(Invoice, invoice_id)
            assert invoice is not None
            paid = balance.add_paid(db.session, invoice, part)
            db.session.commit()
            return paid

    paid = in_threads(8, pay)

    assert paid.count(True) == 3, paid
    stored = invoice_row(app, invoice_id)
    assert stored.amount_paid == 3 * part <= total
    assert stored.status is InvoiceStatus.OPEN


def test_a_merchant_series_is_their_own(app: Flask, client: FlaskClient, merchant: int) -> None:
    other_client = app.test_client()
    sign_up(other_client, "other@example.com", "Other AB")
    with app.app_context():
        other = merchant_of("other@example.com").id
        assert take_number(db.session, merchant, SeriesKind.INVOICE, DAY) == "INV-2026-0001"
        assert take_number(db.session, other, SeriesKind.INVOICE, DAY) == "INV-2026-0001"
        assert take_number(db.session, merchant, SeriesKind.INVOICE, DAY) == "INV-2026-0002"
        db.session.commit()


def test_a_clearing_payment_stops_a_revision_and_a_void(app: Flask, merchant: int) -> None:
    from app.core.errors import ServiceError
    from app.invoices.service import LineInput, revise_invoice, void_invoice

    invoice_id, _ = open_invoice(app)
    with app.test_request_context():
        assert balance.claim(db.session, invoice_id, merchant, 500)
        db.session.commit()
        invoice = db.session.get(Invoice, invoice_id)
        assert invoice is not None
        with pytest.raises(ServiceError):
            revise_invoice(db.session, invoice, DAY, lines=[LineInput("Cheaper", 1, 100)])
        db.session.rollback()
        with pytest.raises(ServiceError):
            void_invoice(db.session, invoice, DAY)
        db.session.rollback()
    stored = invoice_row(app, invoice_id)
    assert (stored.revision, stored.status, stored.total) == (1, InvoiceStatus.OPEN, 112500)


def test_a_revision_below_nothing_or_of_a_draft_is_refused(app: Flask, merchant: int) -> None:
    from app.core.errors import ServiceError
    from app.invoices.service import LineInput, revise_invoice

    draft_id = draft_invoice(app)
    invoice_id, _ = open_invoice(app)
    with app.test_request_context():
        for refused_id, lines in ((draft_id, [LineInput("x", 1, 100)]),
                                  (invoice_id, [LineInput("Free", 1, 0)])):  # fmt: skip
            invoice = db.session.get(Invoice, refused_id)
            assert invoice is not None
            with pytest.raises(ServiceError):
                revise_invoice(db.session, invoice, DAY, lines=lines)
            db.session.rollback()
    assert invoice_row(app, invoice_id).revision == 1
