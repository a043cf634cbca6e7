"""Invoice emails over a real SMTP server (aiosmtpd): the invoice with its PDF and link, a
refused send shown to the merchant and sent again, reminders at most once, the receipt and
the credit note."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.invoices.delivery import queue_due_reminders, send_credit_note, send_receipt
from app.invoices.models import (
    Invoice,
    InvoiceDelivery,
    ManualMethod,
)
from app.invoices.service import (
    invoice_by_token,
    invoice_settings,
    mark_uncollectible,
    record_manual_payment,
    void_invoice,
)
from app.invoices.tasks import send_reminders
from tests.conftest import csrf_token_from
from tests.integration.test_invoice_pdfs import pdf_text
from tests.support.accounts import log_in, post_form, sign_up
from tests.support.invoices import add_customer, draft_invoice, invoice_row, open_invoice
from tests.support.mailbox import Mailbox, ReceivedEmail
from tests.support.servers import free_port

CUSTOMER = "grace@example.com"


@pytest.fixture
def owner(app: Flask, mailbox: Mailbox) -> FlaskClient:
    client = app.test_client()
    sign_up(client)
    mailbox.clear()
    return client


def deliveries_page(invoice_id: int) -> str:
    return f"/panel/invoices/{invoice_id}/deliveries"


def send(client: FlaskClient, invoice_id: int) -> Any:
    page = deliveries_page(invoice_id)
    return post_form(client, page, f"/panel/invoices/{invoice_id}/send", {})


def deliveries(app: Flask, invoice_id: int) -> list[tuple[str, str, int | None, str]]:
    with app.app_context():
        rows = db.session.scalars(
            select(InvoiceDelivery)
            .where(InvoiceDelivery.invoice_id == invoice_id)
            .order_by(InvoiceDelivery.id)
        )
        return [(r.kind.value, r.status.value, r.reminder_day, r.error) for r in rows]


def attached_pdf(email: ReceivedEmail) -> tuple[str, bytes]:
    (part,) = [p for p in email.message.iter_attachments()]
    assert part.get_content_type() == "application/pdf"
    return part.get_filename() or "", part.get_content()


def test_the_invoice_email_arrives_with_its_pdf_and_a_working_link(
    app: Flask, owner: FlaskClient, mailbox: Mailbox
) -> None:
    invoice_id, token = open_invoice(app)
    number = invoice_row(app, invoice_id).number
    assert number

    response = send(owner, invoice_id)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/panel/invoices/{invoice_id}"

    email = mailbox.wait_for(CUSTOMER)
    assert number in email.subject and "Acme AB" in email.subject
    assert re.search(r"SEK ?1,125\.00", email.subject), email.subject  # 2 x 500 + 125
    name, data = attached_pdf(email)
    assert name == f"{number}.pdf"
    assert number in pdf_text(data) and "Grace Hopper" in pdf_text(data)

    (link,) = [word for word in email.text.split() if "/i/" in word]
    path = urlsplit(link).path
    assert path == f"/i/{token}"
    assert f'href="{link}"' in email.html
    with app.app_context():
        found = invoice_by_token(db.session, path.removeprefix("/i/"))
        assert found is not None and found.id == invoice_id
    download = app.test_client().get(f"{path}/pdf")
    assert download.status_code == 200 and number in pdf_text(download.data)

    assert deliveries(app, invoice_id) == [("invoice", "sent", None, "")]
    assert invoice_row(app, invoice_id).sent_at is not None
    page = owner.get(deliveries_page(invoice_id)).get_data(as_text=True)
    assert "Send again" in page and "Sent" in page


def test_the_email_is_in_the_customers_language(
    app: Flask, owner: FlaskClient, mailbox: Mailbox
) -> None:
    customer = add_customer(app, email="astrid@example.com", name="Astrid", locale="sv")
    invoice_id, _token = open_invoice(app, customer_id=customer, locale="sv")
    send(owner, invoice_id)
    email = mailbox.wait_for("astrid@example.com")
    assert email.subject.startswith("Faktura ") and re.search(r"1\s125,00\skr", email.subject)
    assert "Visa och betala den här:" in email.text
    assert "Att betala" in pdf_text(attached_pdf(email)[1])


class _Refusing:
    async def handle_RCPT(  # noqa: N802
        self, _server: Any, _session: Any, _envelope: Any, _address: str, _options: Any
    ) -> str:
        return "550 5.1.1 No such mailbox here"


@pytest.fixture
def refusing_app(app_settings: dict[str, str]) -> Iterator[Flask]:
    """The same Kassa (same database) whose SMTP server refuses every recipient."""
    port = free_port()
    controller = Controller(_Refusing(), hostname="127.0.0.1", port=port)
    controller.start()
    yield create_app({**app_settings, "KASSA_SMTP_PORT": str(port)})
    controller.stop()


@pytest.mark.parametrize("server", ["refusing", "stopped"])
def test_a_refused_send_is_failed_shown_and_can_be_sent_again(
    app: Flask, app_settings: dict[str, str], refusing_app: Flask, mailbox: Mailbox, server: str
) -> None:
    broken = refusing_app
    if server == "stopped":
        broken = create_app({**app_settings, "KASSA_SMTP_PORT": str(free_port())})
    owner = broken.test_client()
    sign_up(app.test_client())
    log_in(owner, "owner@example.com")
    invoice_id, _token = open_invoice(app)

    assert send(owner, invoice_id).status_code == 302
    ((kind, status, _day, error),) = deliveries(app, invoice_id)
    assert (kind, status) == ("invoice", "failed")
    assert ("550" in error) if server == "refusing" else ("Connection refused" in error)
    assert invoice_row(app, invoice_id).sent_at is None
    assert mailbox.messages(CUSTOMER) == []
    for page_url in (deliveries_page(invoice_id), f"/panel/invoices/{invoice_id}"):
        page = owner.get(page_url).get_data(as_text=True)
        assert "could not be sent" in page and "Failed" in page and "Send again" in page

    working = app.test_client()
    log_in(working, "owner@example.com")
    assert send(working, invoice_id).status_code == 302
    mailbox.wait_for(CUSTOMER)
    assert [d[1] for d in deliveries(app, invoice_id)] == ["failed", "sent"]
    assert invoice_row(app, invoice_id).sent_at is not None


def test_only_an_open_invoice_with_an_addressed_customer_can_be_sent(
    app: Flask, owner: FlaskClient, mailbox: Mailbox
) -> None:
    draft = draft_invoice(app)
    refused = send(owner, draft)
    assert refused.status_code == 422
    assert "Only an open invoice can be sent." in refused.get_data(as_text=True)

    nobody = add_customer(app, email="", name="No Address")
    invoice_id, _token = open_invoice(app, customer_id=nobody)
    refused = send(owner, invoice_id)
    assert refused.status_code == 422
    assert "no email address" in refused.get_data(as_text=True)
    assert deliveries(app, draft) == [] and deliveries(app, invoice_id) == []
    assert mailbox.messages() == []


def test_sending_twice_sends_two_emails_never_a_server_error(
    app: Flask, owner: FlaskClient, mailbox: Mailbox
) -> None:
    invoice_id, _token = open_invoice(app)
    page = deliveries_page(invoice_id)
    token = csrf_token_from(owner.get(page).get_data(as_text=True))
    first = owner.post(f"/panel/invoices/{invoice_id}/send", data={"csrf_token": token})
    second = owner.post(f"/panel/invoices/{invoice_id}/send", data={"csrf_token": token})
    assert (first.status_code, second.status_code) == (302, 302)
    assert len(mailbox.messages(CUSTOMER)) == 2
    assert [d[1] for d in deliveries(app, invoice_id)] == ["sent", "sent"]


def test_without_csrf_nothing_is_sent(app: Flask, owner: FlaskClient, mailbox: Mailbox) -> None:
    invoice_id, _token = open_invoice(app)
    assert owner.post(f"/panel/invoices/{invoice_id}/send").status_code == 400
    assert deliveries(app, invoice_id) == [] and mailbox.messages() == []


# Reminders


def overdue_invoice(app: Flask, **fields: Any) -> int:
    """Finalized 30 days ago on net 14 terms: due 16 days ago."""
    invoice_id, _token = open_invoice(app, today=date.today() - timedelta(days=30), **fields)
    return invoice_id


def test_an_overdue_invoices_reminder_is_sent_once(
    app: Flask, owner: FlaskClient, mailbox: Mailbox
) -> None:
    invoice_id = overdue_invoice(app)
    with app.app_context():
        assert send_reminders.call_local() == 1
        assert send_reminders.call_local() == 0
    (email,) = mailbox.messages(CUSTOMER)
    assert email.subject.startswith("Overdue: invoice ")
    assert "is overdue" in email.text and re.search(r"balance is SEK ?1,125\.00", email.text)
    assert attached_pdf(email)[0].endswith(".pdf")
    assert deliveries(app, invoice_id) == [("reminder", "sent", 14, "")]


def test_concurrent_runs_send_a_reminder_once(
    app: Flask, owner: FlaskClient, mailbox: Mailbox
) -> None:
    invoice_id = overdue_invoice(app)
    start = threading.Barrier(4)
    results: list[int] = []

    def run() -> None:
        with app.app_context():
            start.wait()
            results.append(send_reminders.call_local())
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 0, 0, 1]
    assert len(mailbox.messages(CUSTOMER)) == 1
    assert deliveries(app, invoice_id) == [("reminder", "sent", 14, "")]


def test_no_reminder_for_paid_void_or_uncollectible_invoices(
    app: Flask, owner: FlaskClient, mailbox: Mailbox
) -> None:
    customer = add_customer(app)
    paid, void, uncollectible = (overdue_invoice(app, customer_id=customer) for _ in range(3))
    with app.app_context():
        invoice = db.session.get_one(Invoice, paid)
        record_manual_payment(
            db.session,
            invoice,
            date.today(),
            amount=invoice.total,
            paid_on=date.today(),
            method=ManualMethod.BANK_TRANSFER,
        )
        void_invoice(db.session, db.session.get_one(Invoice, void), date.today())
        mark_uncollectible(db.session, db.session.get_one(Invoice, uncollectible))
        db.session.commit()
        assert send_reminders.call_local() == 0
    assert mailbox.messages() == []


def test_the_schedule_days_and_an_invoice_finalized_late(
    app: Flask, owner: FlaskClient, mailbox: Mailbox
) -> None:
    invoice_id, _token = open_invoice(app)  # due in 14 days
    due = invoice_row(app, invoice_id).due_date
    assert due is not None
    with app.app_context():
        assert queue_due_reminders(db.session, due - timedelta(days=4)) == 0
        assert queue_due_reminders(db.session, due - timedelta(days=3)) == 1
        db.session.commit()
        assert queue_due_reminders(db.session, due) == 1
        db.session.commit()
        # Thirty days on, without a run between: one reminder (day 14), not days 7 and 14.
        assert queue_due_reminders(db.session, due + timedelta(days=30)) == 1
        db.session.commit()
        assert queue_due_reminders(db.session, due + timedelta(days=31)) == 0
        db.session.commit()
    assert [d[2] for d in deliveries(app, invoice_id)] == [-3, 0, 14]
    subjects = [m.subject for m in mailbox.messages(CUSTOMER)]
    assert "is due soon" in subjects[0] and "is due today" in subjects[1]
    assert subjects[2].startswith("Overdue")


def test_the_merchants_own_schedule(app: Flask, owner: FlaskClient, mailbox: Mailbox) -> None:
    invoice_id = overdue_invoice(app)
    with app.app_context():
        invoice = db.session.get_one(Invoice, invoice_id)
        invoice_settings(db.session, invoice.merchant).reminder_days = [30]
        db.session.commit()
        assert send_reminders.call_local() == 0  # day 30 has not come
    assert mailbox.messages() == []


# Receipt and credit note


def test_the_receipt_when_paid_and_the_credit_note_when_voided(
    app: Flask, owner: FlaskClient, mailbox: Mailbox
) -> None:
    customer = add_customer(app)
    paid_id, _token = open_invoice(app, customer_id=customer)
    voided_id, _other = open_invoice(app, customer_id=customer, sent=True)
    with app.app_context():
        paid = db.session.get_one(Invoice, paid_id)
        record_manual_payment(
            db.session,
            paid,
            date.today(),
            amount=paid.total,
            paid_on=date.today(),
            method=ManualMethod.CASH,
        )
        assert send_receipt(db.session, paid) is not None
        note = void_invoice(db.session, db.session.get_one(Invoice, voided_id), date.today())
        assert note is not None
        assert send_credit_note(db.session, note) is not None
        db.session.commit()  # one commit: the savepoint taking the credit note's number is not it
        note_number = note.number

    receipt, credit = mailbox.messages(CUSTOMER)
    assert receipt.subject.startswith("Receipt: invoice ") and "is paid" in receipt.subject
    receipt_pdf = pdf_text(attached_pdf(receipt)[1])
    assert re.search(r"Balance due SEK ?0\.00", receipt_pdf)
    assert credit.subject.startswith("Credit note ")
    name, data = attached_pdf(credit)
    assert name == f"{note_number}.pdf"
    assert "Credit note" in pdf_text(data) and str(invoice_row(app, voided_id).number) in pdf_text(
        data
    )
    kinds = [(d[0], d[1]) for d in deliveries(app, paid_id) + deliveries(app, voided_id)]
    assert kinds == [("receipt", "sent"), ("credit_note", "sent")]


def test_a_rolled_back_transaction_sends_nothing(
    app: Flask, owner: FlaskClient, mailbox: Mailbox
) -> None:
    paid_id, _token = open_invoice(app)
    with app.app_context():
        paid = db.session.get_one(Invoice, paid_id)
        record_manual_payment(
            db.session, paid, date.today(), amount=paid.total, paid_on=date.today(),
            method=ManualMethod.CASH,
        )  # fmt: skip
        send_receipt(db.session, paid)
        db.session.rollback()
        db.session.commit()
    assert mailbox.messages() == []
    assert deliveries(app, paid_id) == []


def test_htmx_gets_the_deliveries_partial(app: Flask, owner: FlaskClient, mailbox: Mailbox) -> None:
    invoice_id, _token = open_invoice(app)
    page = owner.get(f"/panel/invoices/{invoice_id}").get_data(as_text=True)
    response = owner.post(
        f"/panel/invoices/{invoice_id}/send",
        data={"csrf_token": csrf_token_from(page)},
        headers={"HX-Request": "true"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith("<section")
    assert 'id="invoice-deliveries"' in html and "Send again" in html and "Sent" in html
    mailbox.wait_for(CUSTOMER)


def recipients(app: Flask, invoice_id: int) -> list[str]:
    with app.app_context():
        query = select(InvoiceDelivery.recipient).where(InvoiceDelivery.invoice_id == invoice_id)
        return list(db.session.scalars(query))


def test_a_customers_export_and_erasure_take_in_the_invoices_emails(
    app: Flask, owner: FlaskClient, mailbox: Mailbox
) -> None:
    invoice_id, _token = open_invoice(app)
    send(owner, invoice_id)
    mailbox.wait_for(CUSTOMER)
    customer_page = f"/panel/customers/{invoice_row(app, invoice_id).customer_id}"
    exported = post_form(owner, customer_page, f"{customer_page}/export", {})
    assert CUSTOMER in exported.get_data(as_text=True)
    assert "invoice_emails" in exported.get_json()
    assert recipients(app, invoice_id) == [CUSTOMER]
    erase = f"{customer_page}/erase"
    assert post_form(owner, erase, erase, {"confirm": "y"}).status_code == 302
    assert recipients(app, invoice_id) == [""]
    assert invoice_row(app, invoice_id).total == 112500  # the ledger stays
