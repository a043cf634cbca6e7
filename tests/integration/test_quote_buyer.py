"""The customer's quote page ``/q/<token>`` (issue 15), driven through its forms as a buyer
does: the document with the choices priced on the server, the first view written once (and
never by the merchant's own staff), accepting with the terms ticked before the typed name
(evidence kept; the confirmation to both sides with the signed PDF), declining with a reason,
and every way a quote cannot be accepted: expired, declined, canceled, revised, twice."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from app.extensions import db
from app.quotes.models import Quote, QuoteEvent, QuoteStatus
from app.quotes.service import LineInput, revise_quote
from tests.integration.test_invoice_pdfs import pdf_text
from tests.support.accounts import post_form, sign_up
from tests.support.invoices import add_customer
from tests.support.mailbox import Mailbox
from tests.support.quotes import open_quote, quote_row

YEAR = date.today().year
BROWSER = {"User-Agent": "Mozilla/5.0 (Quote test)"}


@pytest.fixture
def merchant(client: FlaskClient, app: Flask) -> FlaskClient:
    sign_up(client)
    return client


@pytest.fixture
def buyer(app: Flask) -> FlaskClient:
    return app.test_client()


def accept_data(quote_id: int, **fields: str) -> dict[str, str]:
    return {"revision": str(quote_id), "agree": "y", "signature": "Grace Hopper",
            "quantity-1": "4", **fields}  # fmt: skip


def view_events(app: Flask, quote_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).where(QuoteEvent.quote_id == quote_id, QuoteEvent.kind == "viewed")
        )


def test_the_page_shows_the_quote_and_the_first_view_is_written_once(
    app: Flask, merchant: FlaskClient, buyer: FlaskClient
) -> None:
    quote_id, token = open_quote(app, terms={"en": "Half now, half on delivery."})
    staff = merchant.get(f"/q/{token}")
    assert staff.status_code == 200
    assert quote_row(app, quote_id).first_viewed_at is None  # the merchant is not the buyer
    page = buyer.get(f"/q/{token}").get_data(as_text=True)
    assert f"Quote Q-{YEAR}-0001" in page and "6,000.00" in page
    assert "Half now, half on delivery." in page and "Accept and sign" in page
    first = quote_row(app, quote_id)
    assert first.first_viewed_at is not None
    buyer.get(f"/q/{token}")
    later = quote_row(app, quote_id)
    assert later.first_viewed_at == first.first_viewed_at
    assert later.updated_at == first.updated_at  # the later view wrote nothing
    assert view_events(app, quote_id) == 1
    panel = merchant.get(f"/panel/quotes/{quote_id}").get_data(as_text=True)
    assert "Not yet" not in panel


def test_unknown_and_draft_addresses_are_not_found(app: Flask, merchant: FlaskClient) -> None:
    _quote_id, token = open_quote(app)
    assert merchant.get(f"/q/{token[:-1]}").status_code == 404
    assert merchant.get("/q/nothing-here").status_code == 404
    assert merchant.get(f"/q/{token}x/pdf").status_code == 404


def test_choices_are_priced_on_the_server(
    app: Flask, merchant: FlaskClient, buyer: FlaskClient
) -> None:
    quote_id, token = open_quote(app)
    page = f"/q/{token}"
    priced = post_form(buyer, page, f"{page}/price", {**accept_data(quote_id), "quantity-1": "8",
                                                       "add-2": "1"})  # fmt: skip
    html = priced.get_data(as_text=True)
    # 4000 + 8 x 500 + 1000 installation, whatever total a browser might post
    assert priced.status_code == 200 and "9,000.00" in html
    htmx = post_form(buyer, page, f"{page}/price", {**accept_data(quote_id), "quantity-1": "3"},
                     headers={"HX-Request": "true"})  # fmt: skip
    assert 'id="quote-buyer-totals"' in htmx.get_data(as_text=True)
    assert "<html" not in htmx.get_data(as_text=True) and "5,500.00" in htmx.get_data(as_text=True)
    refused = post_form(buyer, page, f"{page}/price", {**accept_data(quote_id), "quantity-1": "99"})
    assert "Choose a quantity within the limits shown." in refused.get_data(as_text=True)
    assert quote_row(app, quote_id).status is QuoteStatus.OPEN


@pytest.mark.parametrize("typed", ["", "four", "1e3", "-2", "12345678", "9"])
def test_mistyped_or_out_of_limit_quantities_keep_the_quote_open(
    app: Flask, merchant: FlaskClient, buyer: FlaskClient, typed: str
) -> None:
    quote_id, token = open_quote(app)
    page = f"/q/{token}"
    response = post_form(
        buyer, page, f"{page}/accept", accept_data(quote_id, **{"quantity-1": typed})
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "whole number" in html or "within the limits" in html
    assert 'value="Grace Hopper"' in html  # what was typed stays
    assert quote_row(app, quote_id).status is QuoteStatus.OPEN


def test_accepting_keeps_the_evidence_and_emails_both_sides_the_signed_pdf(
    app: Flask, merchant: FlaskClient, buyer: FlaskClient, mailbox: Mailbox
) -> None:
    quote_id, token = open_quote(app)
    page = f"/q/{token}"
    accepted = post_form(buyer, page, f"{page}/accept", accept_data(quote_id, **{"add-2": "1"}),
                         headers=BROWSER, environ_base={"REMOTE_ADDR": "198.51.100.7"})  # fmt: skip
    assert accepted.status_code == 302
    stored = quote_row(app, quote_id)
    assert stored.status is QuoteStatus.ACCEPTED and stored.total == 700000
    assert stored.signer_name == "Grace Hopper" and stored.signer_ip == "198.51.100.7"
    assert stored.signer_user_agent == "Mozilla/5.0 (Quote test)"
    shown = buyer.get(page).get_data(as_text=True)
    assert "Accepted and signed by Grace Hopper" in shown and "Accept and sign" not in shown
    for to in ("grace@example.com", "owner@example.com"):
        email = mailbox.wait_for(to, subject="accepted")
        (attachment,) = list(email.message.iter_attachments())
        text = pdf_text(attachment.get_content())
        assert "Grace Hopper" in text and "198.51.100.7" in text
        assert stored.shown_digest in text.replace("\n", "").replace(" ", "")
    panel = merchant.get(f"/panel/quotes/{quote_id}").get_data(as_text=True)
    assert stored.shown_digest in panel and "198.51.100.7" in panel


def test_the_terms_must_be_ticked_and_the_name_typed(
    app: Flask, merchant: FlaskClient, buyer: FlaskClient
) -> None:
    quote_id, token = open_quote(app)
    page = f"/q/{token}"
    unticked = post_form(buyer, page, f"{page}/accept", accept_data(quote_id, agree=""))
    assert unticked.status_code == 422
    assert "Tick the box to agree to the terms." in unticked.get_data(as_text=True)
    unsigned = post_form(buyer, page, f"{page}/accept", accept_data(quote_id, signature=" "))
    assert unsigned.status_code == 422
    assert "Type your full name to sign." in unsigned.get_data(as_text=True)
    assert quote_row(app, quote_id).status is QuoteStatus.OPEN


def test_a_double_submit_accepts_once(
    app: Flask, merchant: FlaskClient, buyer: FlaskClient
) -> None:
    quote_id, token = open_quote(app)
    page = f"/q/{token}"
    assert post_form(buyer, page, f"{page}/accept", accept_data(quote_id)).status_code == 302
    again = post_form(buyer, page, f"{page}/accept", accept_data(quote_id, signature="Someone"))
    assert again.status_code == 422
    assert "This quote was accepted already." in again.get_data(as_text=True)
    assert quote_row(app, quote_id).signer_name == "Grace Hopper"
    with app.app_context():
        kinds = db.session.scalars(
            select(QuoteEvent.kind).where(QuoteEvent.quote_id == quote_id)
        ).all()
    assert kinds.count("accepted") == 1


def test_declining_keeps_the_reason(app: Flask, merchant: FlaskClient, buyer: FlaskClient) -> None:
    quote_id, token = open_quote(app)
    page = f"/q/{token}"
    reason = {"revision": str(quote_id), "reason": "We chose another kitchen."}
    declined = post_form(buyer, page, f"{page}/decline", reason)
    assert declined.status_code == 302
    stored = quote_row(app, quote_id)
    assert stored.status is QuoteStatus.DECLINED
    assert stored.decline_reason == "We chose another kitchen."
    html = buyer.get(page).get_data(as_text=True)
    assert "This quote was declined." in html and "Accept and sign" not in html
    refused = post_form(buyer, page, f"{page}/accept", accept_data(quote_id))
    assert "This quote was declined." in refused.get_data(as_text=True)
    assert "We chose another kitchen." in merchant.get(f"/panel/quotes/{quote_id}").get_data(
        as_text=True
    )


def test_an_expired_quote_says_so_and_cannot_be_accepted(
    app: Flask, merchant: FlaskClient, buyer: FlaskClient
) -> None:
    quote_id, token = open_quote(app)
    with app.app_context():  # sent weeks ago, valid until yesterday
        yesterday = date.today() - timedelta(days=1)
        db.session.execute(update(Quote).where(Quote.id == quote_id).values(expires_on=yesterday))
        db.session.commit()
    page = f"/q/{token}"
    html = buyer.get(page).get_data(as_text=True)
    assert "This quote has expired." in html and "Accept and sign" not in html
    refused = post_form(buyer, page, f"{page}/accept", accept_data(quote_id))
    assert refused.status_code == 422 and "This quote has expired." in refused.get_data(
        as_text=True
    )
    assert quote_row(app, quote_id).status is QuoteStatus.OPEN  # the task marks it later


def test_a_tab_left_open_on_an_old_revision_cannot_accept_it(
    app: Flask, merchant: FlaskClient, buyer: FlaskClient
) -> None:
    quote_id, token = open_quote(app)
    page = f"/q/{token}"
    old_tab = buyer.get(page)  # the buyer reads revision 1
    assert old_tab.status_code == 200
    with app.app_context():
        quote = db.session.get(Quote, quote_id)
        assert quote is not None
        revision = revise_quote(db.session, quote, date.today(),
                                lines=(LineInput("Kitchen design", 1, 450000),))  # fmt: skip
        db.session.commit()
        revision_id = revision.id
    refused = post_form(buyer, page, f"{page}/accept", accept_data(quote_id))
    assert refused.status_code == 422
    assert "This quote was revised" in refused.get_data(as_text=True)
    assert quote_row(app, revision_id).status is QuoteStatus.OPEN
    now = buyer.get(page).get_data(as_text=True)
    assert f"Q-{YEAR}-0001-2" in now and "4,500.00" in now
    post_form(buyer, page, f"{page}/accept", {"revision": str(revision_id), "agree": "y",
                                              "signature": "Grace Hopper"})  # fmt: skip
    assert quote_row(app, revision_id).status is QuoteStatus.ACCEPTED


def test_the_page_and_pdf_are_in_the_quotes_language(
    app: Flask, merchant: FlaskClient, buyer: FlaskClient
) -> None:
    customer = add_customer(app, name="Sven Svensson", email="sven@example.com", locale="sv")
    quote_id, token = open_quote(app, customer_id=customer,
                                 terms={"sv": "Hälften nu.", "en": "Half now."})  # fmt: skip
    html = buyer.get(f"/q/{token}").get_data(as_text=True)
    assert f"Offert Q-{YEAR}-0001" in html and "Godkänn och signera" in html
    assert "Hälften nu." in html
    pdf = buyer.get(f"/q/{token}/pdf")
    assert pdf.status_code == 200 and "Offert" in pdf_text(pdf.data)
    assert quote_row(app, quote_id).locale == "sv"
