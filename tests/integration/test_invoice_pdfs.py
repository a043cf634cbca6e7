"""Invoice, credit note and receipt PDFs: rendered by WeasyPrint, read back with pdftotext
(Debian's poppler-utils), in English and Swedish, on A4 or US Letter, without the network."""

from __future__ import annotations

import io
import re
import subprocess
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jinja2 import ChoiceLoader, FileSystemLoader
from PIL import Image

from app.extensions import db
from app.invoices.models import CreditNote, Invoice, InvoiceStatus, ManualMethod, ManualPayment
from app.invoices.pdf import credit_note_pdf, invoice_pdf, receipt_pdf
from app.invoices.service import void_invoice
from app.settings.service import checkout_settings
from app.web.pdf import PageSize, render_pdf
from app.web.uploads import store_image
from tests.support.accounts import sign_up
from tests.support.invoice_rows import make_credit_note, make_invoice
from tests.support.invoices import draft_invoice, invoice_row, open_invoice
from tests.support.mailbox import Mailbox


def pdf_text(data: bytes) -> str:
    """The PDF's text as pdftotext reads it, with runs of spaces made one (table layout)."""
    assert data.startswith(b"%PDF-")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    return re.sub(r"[ \u00a0\u202f]+", " ", text)


def media_box(data: bytes) -> tuple[float, float]:
    """The first page's MediaBox (width and height in points), as poppler's pdfinfo reads it."""
    info = subprocess.run(
        ["pdfinfo", "-box", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    match = re.search(r"MediaBox:\s+0\.00\s+0\.00\s+([\d.]+)\s+([\d.]+)", info)
    assert match, info
    return float(match.group(1)), float(match.group(2))


@pytest.fixture
def owner(app: Flask, mailbox: Mailbox) -> FlaskClient:
    client = app.test_client()
    sign_up(client)
    return client


def rendered(app: Flask, invoice_id: int) -> str:
    with app.app_context():
        return pdf_text(invoice_pdf(db.session.get_one(Invoice, invoice_id)))


def test_the_english_pdf_shows_number_lines_totals_and_balance(
    app: Flask, owner: FlaskClient
) -> None:
    text = rendered(app, make_invoice(app, amount_paid=100000))
    assert "INV-2026-0007" in text
    assert "Acme AB" in text and "Garbo Film AB" in text and "SE556677889901" in text
    assert "Drottninggatan 1" in text and "111 51 Stockholm" in text
    assert "March 2, 2026" in text and "March 16, 2026" in text
    assert "Consulting day 2" in text and "10%" in text
    # 2 500.00 + 2 250.00 = 4 750.00; 25% VAT 1 187.50; total 5 937.50; paid 1 000; due 4 937.50.
    assert re.search(r"Subtotal SEK ?4,750\.00", text), text
    assert re.search(r"Moms 25% SEK ?1,187\.50", text), text
    assert re.search(r"Total SEK ?5,937\.50", text), text
    assert re.search(r"Amount paid SEK ?1,000\.00", text), text
    assert re.search(r"Balance due SEK ?4,937\.50", text), text
    assert "Thank you for your business." in text and "Bankgiro 123-4567" in text
    assert "DRAFT" not in text and "VOID" not in text


def test_the_swedish_pdf_is_in_swedish_with_swedish_numbers_and_dates(
    app: Flask, owner: FlaskClient
) -> None:
    text = rendered(app, make_invoice(app, locale="sv", amount_paid=100000))
    assert "Faktura" in text and "INV-2026-0007" in text
    assert "2 mars 2026" in text and "16 mars 2026" in text
    assert re.search(r"Delsumma 4 750,00 kr", text), text
    assert re.search(r"Totalt 5 937,50 kr", text), text
    assert re.search(r"Att betala 4 937,50 kr", text), text
    assert "Balance due" not in text and "Subtotal" not in text


def test_a_draft_is_marked_draft_and_a_void_invoice_void(app: Flask, owner: FlaskClient) -> None:
    assert "DRAFT" in rendered(app, make_invoice(app, status=InvoiceStatus.DRAFT))
    assert "VOID" in rendered(app, make_invoice(app, status=InvoiceStatus.VOID, number="INV-9"))
    assert "UTKAST" in rendered(app, make_invoice(app, status=InvoiceStatus.DRAFT, locale="sv"))


def test_a4_for_sweden_and_us_letter_for_the_united_states_and_canada(
    app: Flask, mailbox: Mailbox
) -> None:
    invoices = {}
    for country in ("SE", "US", "CA"):
        email = f"{country.lower()}@example.com"
        sign_up(app.test_client(), email=email, country=country, business_name=f"Shop {country}")
        invoices[country] = make_invoice(app, owner=email)
    with app.app_context():
        sizes = {
            country: media_box(invoice_pdf(db.session.get_one(Invoice, invoice_id)))
            for country, invoice_id in invoices.items()
        }
    assert sizes["SE"] == pytest.approx((595.28, 841.89), abs=0.5)  # A4: 210 x 297 mm
    assert sizes["US"] == pytest.approx((612, 792), abs=0.5)  # Letter: 8.5 x 11 in
    assert sizes["CA"] == sizes["US"]


def test_the_credit_note_references_the_invoice(app: Flask, owner: FlaskClient) -> None:
    note_id = make_credit_note(app, make_invoice(app, locale="sv"))
    with app.app_context():
        text = pdf_text(credit_note_pdf(db.session.get_one(CreditNote, note_id)))
    assert "Kreditnota" in text and "CN-2026-0001" in text and "INV-2026-0007" in text
    assert re.search("\N{MINUS SIGN}5 937,50 kr", text), text


def test_the_receipt_of_a_manual_payment(app: Flask, owner: FlaskClient) -> None:
    invoice_id = make_invoice(app, amount_paid=593750)
    with app.app_context():
        invoice = db.session.get_one(Invoice, invoice_id)
        payment = ManualPayment(
            merchant_id=invoice.merchant_id,
            invoice=invoice,
            amount=593750,
            paid_on=invoice.due_date,
            method=ManualMethod.BANK_TRANSFER,
            reference="OCR 4711",
        )
        db.session.add(payment)
        db.session.flush()
        text = pdf_text(receipt_pdf(invoice, payment))
    assert "Receipt" in text and "OCR 4711" in text and "March 16, 2026" in text
    assert re.search(r"Amount paid SEK ?5,937\.50", text) and re.search(
        r"Balance due SEK ?0\.00", text
    )


class _Recorder(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:
        _Recorder.requests.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


def test_a_pdf_fetches_nothing_from_the_network(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    local = f"http://127.0.0.1:{server.server_port}"
    (tmp_path / "pdf").mkdir()
    (tmp_path / "pdf" / "probe.html").write_text(
        f'<img src="http://example.invalid/x.png"><img src="{local}/img.png">'
        f'<link rel="stylesheet" href="{local}/style.css">'
        f'<img src="file:///etc/hostname"><img src="../media/../../secret.png">'
        "<p>Rendered anyway</p>"
    )
    templates = ChoiceLoader([FileSystemLoader(tmp_path), app.jinja_env.loader])  # type: ignore[list-item]
    monkeypatch.setattr(app.jinja_env, "loader", templates)
    with app.app_context():
        data = render_pdf("probe.html", locale="en", page_size=PageSize.A4)
    server.shutdown()
    assert "Rendered anyway" in pdf_text(data)
    assert _Recorder.requests == []
    refused = [r.fields["url"] for r in caplog.records if r.getMessage() == "PDF fetch refused"]  # type: ignore[attr-defined]
    assert "http://example.invalid/x.png" in refused and f"{local}/style.css" in refused


# Downloads


def test_the_merchant_downloads_any_of_their_invoices_drafts_marked(
    app: Flask, owner: FlaskClient
) -> None:
    invoice_id, _token = open_invoice(app)
    number = invoice_row(app, invoice_id).number
    response = owner.get(f"/panel/invoices/{invoice_id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{number}.pdf"'
    assert response.headers["Cache-Control"] == "private, no-store"
    assert str(number) in pdf_text(response.data)

    draft = draft_invoice(app, customer_id=invoice_row(app, invoice_id).customer_id)
    response = owner.get(f"/panel/invoices/{draft}/pdf")
    assert response.status_code == 200
    assert f'filename="draft-{draft}.pdf"' in response.headers["Content-Disposition"]
    assert "DRAFT" in pdf_text(response.data)


def test_downloads_need_a_login(app: Flask, owner: FlaskClient) -> None:
    invoice_id, _token = open_invoice(app, sent=True)
    with app.app_context():
        note = void_invoice(db.session, db.session.get_one(Invoice, invoice_id), date.today())
        assert note is not None
        db.session.commit()
        note_id = note.id
    stranger = app.test_client()
    for url in (
        f"/panel/invoices/{invoice_id}/pdf",
        f"/panel/invoices/{invoice_id}/credit-notes/{note_id}/pdf",
    ):
        response = stranger.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        assert owner.get(url).data.startswith(b"%PDF-")
    # A credit note is found under its own invoice only.
    assert (
        owner.get(f"/panel/invoices/{invoice_id + 1}/credit-notes/{note_id}/pdf").status_code == 404
    )
    credited = pdf_text(owner.get(f"/panel/invoices/{invoice_id}/credit-notes/{note_id}/pdf").data)
    assert "Credit note" in credited and str(invoice_row(app, invoice_id).number) in credited


def test_the_buyer_downloads_by_token_only(app: Flask, owner: FlaskClient) -> None:
    invoice_id, token = open_invoice(app)
    buyer = app.test_client()
    response = buyer.get(f"/i/{token}/pdf")
    assert response.status_code == 200
    number = invoice_row(app, invoice_id).number
    assert response.headers["Content-Disposition"] == f'attachment; filename="{number}.pdf"'
    for wrong in (token[:-1], token + "x", "x" * len(token), "", "%00", "../../etc/passwd"):
        # (an empty token's double slash is first merged by a redirect, then not found)
        assert buyer.get(f"/i/{wrong}/pdf", follow_redirects=True).status_code == 404
    with app.app_context():
        void_invoice(db.session, db.session.get_one(Invoice, invoice_id), date.today())
        db.session.commit()
    assert "VOID" in pdf_text(buyer.get(f"/i/{token}/pdf").data)


def test_the_merchants_logo_is_in_the_pdf(app: Flask, owner: FlaskClient) -> None:
    """The logo is the one address a PDF may load: read from the upload folder."""
    picture = io.BytesIO()
    Image.new("RGB", (120, 40), "#7a4b2a").save(picture, "PNG")
    invoice_id = make_invoice(app)
    with app.app_context():
        invoice = db.session.get_one(Invoice, invoice_id)
        checkout_settings(db.session, invoice.merchant).logo_filename = store_image(
            picture.getvalue()
        )
        db.session.commit()
        data = invoice_pdf(invoice)
    images = subprocess.run(
        ["pdfimages", "-list", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    assert re.search(r"^\s+1\s+0\s+image\s+120\s+40\s", images, re.M), images
