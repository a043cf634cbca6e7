"""The quote pages of the panel (issue 15), driven through their forms as a merchant does: the
editor (lines with buyer limits, optional and recurring lines, added and removed without losing
what was typed, live totals, a schedule), sending (number, address, the email with its PDF),
revising an open quote (the old link shows the new revision), duplicating, canceling, the PDF,
the countersignature and converting an accepted quote into an invoice with what was paid."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from app.extensions import db
from app.invoices.models import Invoice, InvoiceStatus, ManualPayment
from app.quotes.models import PaymentMode, Quote, QuoteDelivery, QuoteLine, QuoteStatus
from tests.integration.test_quote_core import accept
from tests.support.accounts import post_form, sign_up
from tests.support.invoices import add_customer
from tests.support.mailbox import Mailbox
from tests.support.quotes import open_quote, quote_row

HTMX = {"HX-Request": "true"}
YEAR = date.today().year


@pytest.fixture
def merchant(client: FlaskClient, app: Flask) -> FlaskClient:
    sign_up(client)
    return client


def editor_data(customer_id: int, *lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """The editor's fields as a browser posts them (lines ``lines-N-...``, parts
    ``parts-N-...``)."""
    data: dict[str, Any] = {
        "customer": str(customer_id), "currency": "SEK", "locale": "en", "title": "",
        "expires_on": "", "discount_percent": "", "discount_amount": "",
        "acceptance_mode": "signature", "countersigner": "", "payment_mode": "full",
        "deposit_percent": "", "deposit_amount": "", "terms_en": "", "terms_sv": "",
        "notes_en": "", "notes_sv": "",
    }  # fmt: skip
    for n, line in enumerate(lines or ({"description": "Consulting", "unit_amount": "1000"},)):
        row = {"product": "", "description": "", "quantity": "1", "unit_amount": "",
               "discount_percent": "", "interval": "", "min_quantity": "", "max_quantity": "",
               **line}  # fmt: skip
        data.update({f"lines-{n}-{key}": value for key, value in row.items()})
    for n in range(4):
        for key in ("percent", "amount", "due_on"):
            data.setdefault(f"parts-{n}-{key}", "")
    data.update(fields)
    return data


def new_draft(client: FlaskClient, data: dict[str, Any]) -> Any:
    page = "/panel/quotes/new"
    return post_form(client, page, page, data)


def only_quote(app: Flask) -> Quote:
    with app.app_context():
        quote = db.session.scalars(select(Quote)).one()
        db.session.expunge(quote)
        return quote


def test_a_draft_is_made_with_buyer_limits_optional_and_recurring_lines(
    app: Flask, merchant: FlaskClient
) -> None:
    customer = add_customer(app)
    data = editor_data(
        customer,
        {"description": "Design", "quantity": "2", "unit_amount": "1000"},
        {"description": "Seats", "quantity": "5", "unit_amount": "100", "adjustable": "y",
         "min_quantity": "3", "max_quantity": "20"},
        {"description": "Support", "unit_amount": "250", "interval": "month", "optional": "y"},
        title="Kitchen", terms_en="Pay within 30 days.", terms_sv="Betala inom 30 dagar.",
    )  # fmt: skip
    response = new_draft(merchant, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    quote = only_quote(app)
    assert quote.status is QuoteStatus.DRAFT and quote.number is None
    assert quote.total == 250000  # the optional support is not in it until chosen
    assert quote.terms == {"en": "Pay within 30 days.", "sv": "Betala inom 30 dagar."}
    with app.app_context():
        lines = db.session.scalars(select(QuoteLine).order_by(QuoteLine.position)).all()
        assert [(line.adjustable, line.min_quantity, line.max_quantity) for line in lines] == [
            (False, None, None), (True, 3, 20), (False, None, None)
        ]  # fmt: skip
        assert [line.optional for line in lines] == [False, False, True]
        assert lines[2].interval == "month"
    page = merchant.get(f"/panel/quotes/{quote.id}").get_data(as_text=True)
    assert "2,500.00" in page and "Draft" in page and "Every month" in page


def test_adding_and_removing_lines_keeps_what_was_typed(app: Flask, merchant: FlaskClient) -> None:
    customer = add_customer(app)
    data = editor_data(customer, {"description": "Kept line", "unit_amount": "12"},
                       notes_en="Thanks for asking", add_line="1")  # fmt: skip
    added = new_draft(merchant, data)
    html = added.get_data(as_text=True)
    assert added.status_code == 200
    assert 'name="lines-1-description"' in html and 'value="Kept line"' in html
    assert "Thanks for asking" in html
    data = editor_data(customer, {"description": "First"}, {"description": "Second"},
                       remove_line="0")  # fmt: skip
    removed = new_draft(merchant, data).get_data(as_text=True)
    assert 'value="Second"' in removed and 'value="First"' not in removed
    with app.app_context():
        assert db.session.scalars(select(Quote)).all() == []


def test_live_totals_price_what_is_typed(app: Flask, merchant: FlaskClient) -> None:
    customer = add_customer(app)
    page = "/panel/quotes/new"
    data = editor_data(customer, {"description": "A", "quantity": "3", "unit_amount": "10"})
    totals = post_form(merchant, page, "/panel/quotes/totals", data, headers=HTMX)
    assert totals.status_code == 200 and "30.00" in totals.get_data(as_text=True)
    data = editor_data(customer, {"description": "A", "quantity": "x", "unit_amount": "10"})
    unpriced = post_form(merchant, page, "/panel/quotes/totals", data, headers=HTMX)
    assert "The totals show once" in unpriced.get_data(as_text=True)


def test_a_schedule_is_typed_and_refused_when_it_does_not_add_up(
    app: Flask, merchant: FlaskClient
) -> None:
    customer = add_customer(app)
    later, last = date.today() + timedelta(days=30), date.today() + timedelta(days=60)
    parts = {
        "parts-0-percent": "30", "parts-1-percent": "40", "parts-1-due_on": later.isoformat(),
        "parts-2-percent": "20", "parts-2-due_on": last.isoformat(),
    }  # fmt: skip
    data = editor_data(customer, payment_mode="schedule", **parts)
    refused = new_draft(merchant, data)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "add up to 100" in html and 'value="40"' in html  # what was typed is kept
    data["parts-2-percent"] = "30"
    assert new_draft(merchant, data).status_code == 302
    quote = only_quote(app)
    assert quote.payment_mode is PaymentMode.SCHEDULE
    page = merchant.get(f"/panel/quotes/{quote.id}").get_data(as_text=True)
    assert "300.00" in page and "400.00" in page


def test_sending_numbers_the_quote_and_emails_it_with_the_pdf(
    app: Flask, merchant: FlaskClient, mailbox: Mailbox
) -> None:
    customer = add_customer(app)
    new_draft(merchant, editor_data(customer))
    quote = only_quote(app)
    page = f"/panel/quotes/{quote.id}"
    sent = post_form(merchant, page, f"{page}/send", {})
    assert sent.status_code == 302
    stored = quote_row(app, quote.id)
    assert stored.status is QuoteStatus.OPEN and stored.shown_number == f"Q-{YEAR}-0001"
    assert stored.sent_at is not None
    email = mailbox.wait_for("grace@example.com")
    assert f"Q-{YEAR}-0001" in email.subject
    (attachment,) = list(email.message.iter_attachments())
    assert attachment.get_filename() == f"Q-{YEAR}-0001.pdf"
    link = re.search(r"http\S+/q/\S+", email.text)
    assert link is not None
    html = merchant.get(page).get_data(as_text=True)
    assert "/q/" in html and "Sent" in html


def test_revising_an_open_quote_makes_a_revision_the_old_link_shows(
    app: Flask, merchant: FlaskClient
) -> None:
    customer = add_customer(app)
    quote_id, token = open_quote(app, customer_id=customer)
    page = f"/panel/quotes/{quote_id}/edit"
    data = editor_data(customer, {"description": "Kitchen design", "unit_amount": "4500"})
    saved = post_form(merchant, page, page, data)
    assert saved.status_code == 302
    with app.app_context():
        revision = db.session.scalars(select(Quote).where(Quote.revision == 2)).one()
        revision_id = revision.id
    assert saved.headers["Location"].endswith(f"/panel/quotes/{revision_id}")
    assert quote_row(app, quote_id).status is QuoteStatus.SUPERSEDED
    buyer = app.test_client().get(f"/q/{token}").get_data(as_text=True)
    assert f"Q-{YEAR}-0001-2" in buyer and "4,500.00" in buyer
    old = merchant.get(f"/panel/quotes/{quote_id}").get_data(as_text=True)
    assert "A later revision replaced this one." in old


def test_duplicate_cancel_and_delete(app: Flask, merchant: FlaskClient) -> None:
    quote_id, token = open_quote(app)
    page = f"/panel/quotes/{quote_id}"
    copied = post_form(merchant, page, f"{page}/duplicate", {})
    assert copied.status_code == 302 and copied.headers["Location"].endswith("/edit")
    copy_id = int(copied.headers["Location"].split("/")[-2])
    assert quote_row(app, copy_id).status is QuoteStatus.DRAFT
    assert post_form(merchant, page, f"{page}/cancel", {}).status_code == 302
    assert quote_row(app, quote_id).status is QuoteStatus.CANCELED
    again = post_form(merchant, page, f"{page}/cancel", {}, follow_redirects=True)
    assert "Only an open quote can be canceled." in again.get_data(as_text=True)
    buyer = app.test_client().get(f"/q/{token}").get_data(as_text=True)
    assert "This quote was withdrawn." in buyer and "Accept and sign" not in buyer
    refused = post_form(merchant, page, f"{page}/delete", {}, follow_redirects=True)
    assert "cannot be deleted" in refused.get_data(as_text=True)
    copy_page = f"/panel/quotes/{copy_id}"
    assert post_form(merchant, copy_page, f"{copy_page}/delete", {}).status_code == 302
    with app.app_context():
        assert db.session.get(Quote, copy_id) is None


def test_the_pdf_downloads(app: Flask, merchant: FlaskClient) -> None:
    quote_id, _ = open_quote(app)
    response = merchant.get(f"/panel/quotes/{quote_id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert f"Q-{YEAR}-0001.pdf" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"


def test_converting_carries_over_what_was_paid(app: Flask, merchant: FlaskClient) -> None:
    quote_id, _ = open_quote(app, payment_mode=PaymentMode.DEPOSIT, deposit_percent=25)
    accept(app, quote_id, posted_quantities={"1": 4, "2": 1})
    with app.app_context():  # the deposit as the checkout will have recorded it
        db.session.execute(update(Quote).where(Quote.id == quote_id).values(amount_paid=175000))
        db.session.commit()
    page = f"/panel/quotes/{quote_id}"
    converted = post_form(merchant, page, f"{page}/convert", {})
    assert converted.status_code == 302 and "/panel/invoices/" in converted.headers["Location"]
    again = post_form(merchant, page, f"{page}/convert", {}, follow_redirects=True)
    assert "converted already" in again.get_data(as_text=True)
    with app.app_context():
        invoice = db.session.scalars(select(Invoice)).one()
        assert invoice.status is InvoiceStatus.OPEN and invoice.total == 700000
        assert invoice.amount_paid == 175000 and invoice.balance == 525000
        manual = db.session.scalars(select(ManualPayment)).one()
        assert manual.reference == f"Q-{YEAR}-0001"
        assert [line.description for line in invoice.lines] == [
            "Kitchen design", "Cabinets", "Installation"
        ]  # fmt: skip


def test_an_open_quote_cannot_be_converted(app: Flask, merchant: FlaskClient) -> None:
    quote_id, _ = open_quote(app)
    page = f"/panel/quotes/{quote_id}"
    refused = post_form(merchant, page, f"{page}/convert", {}, follow_redirects=True)
    assert "Only an accepted quote" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Invoice)).all() == []


def test_the_list_filters_and_searches(app: Flask, merchant: FlaskClient) -> None:
    first, _ = open_quote(app, title="Kitchen")
    open_quote(app, title="Bathroom")
    listed = merchant.get("/panel/quotes/?q=kitch").get_data(as_text=True)
    assert "Kitchen" in listed and "Bathroom" not in listed
    accept(app, first)
    accepted = merchant.get("/panel/quotes/?status=accepted").get_data(as_text=True)
    assert "Kitchen" in accepted and "Bathroom" not in accepted
    partial = merchant.get("/panel/quotes/?status=bogus", headers=HTMX)
    assert partial.status_code == 200 and 'id="quotes"' in partial.get_data(as_text=True)


def test_a_customers_page_export_and_erasure_cover_their_quotes(
    app: Flask, merchant: FlaskClient, mailbox: Mailbox
) -> None:
    customer = add_customer(app, name="Grace Hopper", email="grace@example.com")
    quote_id, _token = open_quote(app, customer_id=customer, title="Kitchen")
    accept(app, quote_id)
    declined_id, token = open_quote(app, customer_id=customer)
    buyer = app.test_client()
    reason = {"revision": str(declined_id), "reason": "Grace found it too dear"}
    assert post_form(buyer, f"/q/{token}", f"/q/{token}/decline", reason).status_code == 302
    page = f"/panel/customers/{customer}"
    shown = merchant.get(page).get_data(as_text=True)
    assert f"Q-{YEAR}-0001" in shown and f"Q-{YEAR}-0002" in shown and "New quote" in shown
    exported = post_form(merchant, page, f"{page}/export", {}).get_data(as_text=True)
    assert "203.0.113.9" in exported and "Grace found it too dear" in exported
    erased = post_form(merchant, f"{page}/erase", f"{page}/erase", {"confirm": "y"})
    assert erased.status_code == 302
    with app.app_context():
        rows = db.session.execute(
            select(
                Quote.signer_name, Quote.signer_ip, Quote.signer_user_agent, Quote.decline_reason
            )
        ).all()
        left = " ".join(str(value) for row in rows for value in row)
        recipients = db.session.scalars(select(QuoteDelivery.recipient)).all()
    assert "Grace" not in left and "203.0.113.9" not in left and "Mozilla" not in left
    assert all(recipient == "" for recipient in recipients)
    assert quote_row(app, quote_id).shown_digest  # that it was signed, and what, stays
