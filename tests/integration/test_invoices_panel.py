"""The invoice pages of the panel (issue 13), driven through their forms as a merchant does:
the editor (lines added and removed without losing what was typed, live totals), drafts
deleted without leaving a gap, finalizing, revising an unpaid invoice, manual payments, voiding
with and without a credit note, uncollectible, the list's filters and the invoice settings."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.checkout.models import CheckoutSession
from app.core.tokens import new_public_id, new_secret_token
from app.extensions import db
from app.invoices.models import CreditNote, Invoice, InvoiceEvent, InvoiceStatus, ManualPayment
from tests.support.accounts import post_form, sign_up
from tests.support.invoices import add_customer, draft_invoice, invoice_row, open_invoice
from tests.support.mailbox import Mailbox
from tests.support.settings import add_tax_rate

HTMX = {"HX-Request": "true"}
YEAR = date.today().year


@pytest.fixture
def merchant(client: FlaskClient, app: Flask) -> FlaskClient:
    sign_up(client)
    return client


def editor_data(customer_id: int, *lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """The editor's fields as a browser posts them (lines ``lines-N-...``)."""
    data: dict[str, Any] = {
        "customer": str(customer_id), "currency": "SEK", "locale": "en", "terms": "net_14",
        "due_date": "", "memo": "", "footer": "", "discount_percent": "", "discount_amount": "",
        "minimum_part": "",
    }  # fmt: skip
    for n, line in enumerate(lines or ({"description": "Consulting", "unit_amount": "1000"},)):
        row = {"product": "", "description": "", "quantity": "1", "unit_amount": "",
               "discount_percent": "", **line}  # fmt: skip
        data.update({f"lines-{n}-{key}": value for key, value in row.items()})
    data.update(fields)
    return data


def new_draft(client: FlaskClient, data: dict[str, Any]) -> Any:
    page = "/panel/invoices/new"
    return post_form(client, page, page, data)


def only_invoice(app: Flask) -> Invoice:
    with app.app_context():
        invoice = db.session.scalars(select(Invoice)).one()
        db.session.expunge(invoice)
        return invoice


def test_a_draft_is_made_from_the_editor_with_taxes_and_discounts(
    app: Flask, merchant: FlaskClient
) -> None:
    add_tax_rate(merchant, "Moms", "25")
    customer = add_customer(app)
    with app.app_context():
        from app.settings.models import TaxRate

        rate = db.session.scalars(select(TaxRate)).one().id
    data = editor_data(
        customer,
        {"description": "Design", "quantity": "2", "unit_amount": "1000",
         "discount_percent": "10", "tax_rates": str(rate)},
        {"description": "Print", "unit_amount": "500", "tax_rates": str(rate)},
        discount_amount="100",
    )  # fmt: skip
    response = new_draft(merchant, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    invoice = only_invoice(app)
    # 2 x 1000 - 10 % = 1800; + 500 = 2300; - 100 spread = 2200; + 25 % = 2750 (SEK, in öre)
    assert invoice.subtotal == 250000
    assert invoice.discount_total == 20000 + 10000
    assert invoice.tax_total == 55000
    assert invoice.total == 275000
    assert invoice.status is InvoiceStatus.DRAFT and invoice.number is None
    page = merchant.get(f"/panel/invoices/{invoice.id}").get_data(as_text=True)
    assert "2,750.00" in page and "Draft" in page


def test_adding_and_removing_lines_keeps_what_was_typed(app: Flask, merchant: FlaskClient) -> None:
    customer = add_customer(app)
    data = editor_data(customer, {"description": "Kept line", "unit_amount": "12"},
                       memo="Thanks for your order", add_line="1")  # fmt: skip
    added = new_draft(merchant, data)
    html = added.get_data(as_text=True)
    assert added.status_code == 200
    assert 'name="lines-1-description"' in html and 'value="Kept line"' in html
    assert "Thanks for your order" in html
    data = editor_data(customer, {"description": "First"}, {"description": "Second"},
                       remove_line="0")  # fmt: skip
    removed = new_draft(merchant, data).get_data(as_text=True)
    assert 'value="Second"' in removed and 'value="First"' not in removed
    assert "lines-1-description" not in removed
    with app.app_context():
        assert db.session.scalars(select(Invoice)).all() == []  # nothing saved


def test_live_totals_price_what_is_typed(app: Flask, merchant: FlaskClient) -> None:
    customer = add_customer(app)
    page = "/panel/invoices/new"
    data = editor_data(customer, {"description": "A", "quantity": "3", "unit_amount": "10"})
    totals = post_form(merchant, page, "/panel/invoices/totals", data, headers=HTMX)
    assert totals.status_code == 200
    assert "30.00" in totals.get_data(as_text=True)
    data = editor_data(customer, {"description": "A", "quantity": "x", "unit_amount": "10"})
    unpriced = post_form(merchant, page, "/panel/invoices/totals", data, headers=HTMX)
    assert "The totals show once" in unpriced.get_data(as_text=True)


def test_customer_query_prefills_the_editor(app: Flask, merchant: FlaskClient) -> None:
    customer = add_customer(app, name="Ada Lovelace", locale="sv")
    html = merchant.get(f"/panel/invoices/new?customer={customer}").get_data(as_text=True)
    assert f'<option selected value="{customer}">Ada Lovelace</option>' in html
    assert '<option selected value="sv">' in html


def test_deleting_a_draft_leaves_no_gap(app: Flask, merchant: FlaskClient) -> None:
    customer = add_customer(app)
    first = draft_invoice(app, customer_id=customer)
    second = draft_invoice(app, customer_id=customer)
    third = draft_invoice(app, customer_id=customer)
    page = f"/panel/invoices/{first}"
    assert post_form(merchant, page, f"{page}/finalize", {}).status_code == 302
    page = f"/panel/invoices/{second}"
    assert post_form(merchant, page, f"{page}/delete", {}).status_code == 302
    page = f"/panel/invoices/{third}"
    assert post_form(merchant, page, f"{page}/finalize", {}).status_code == 302
    assert invoice_row(app, first).number == f"INV-{YEAR}-0001"
    assert invoice_row(app, third).number == f"INV-{YEAR}-0002"
    with app.app_context():
        assert db.session.get(Invoice, second) is None


def test_a_finalized_invoice_is_never_deleted(app: Flask, merchant: FlaskClient) -> None:
    invoice_id, _ = open_invoice(app)
    page = f"/panel/invoices/{invoice_id}"
    refused = post_form(merchant, page, f"{page}/delete", {}, follow_redirects=True)
    assert "cannot be deleted" in refused.get_data(as_text=True)
    assert invoice_row(app, invoice_id).number == f"INV-{YEAR}-0001"


def test_finalizing_twice_takes_one_number(app: Flask, merchant: FlaskClient) -> None:
    draft = draft_invoice(app)
    page = f"/panel/invoices/{draft}"
    post_form(merchant, page, f"{page}/finalize", {})
    again = post_form(merchant, page, f"{page}/finalize", {}, follow_redirects=True)
    assert "finalized already" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Invoice.number)).all() == [f"INV-{YEAR}-0001"]


def open_checkout_of(app: Flask, invoice_id: int) -> int:
    """A buyer's checkout open on the invoice, priced at its amount (as the pay step leaves it)."""
    invoice = invoice_row(app, invoice_id)
    with app.app_context():
        checkout = CheckoutSession(
            merchant_id=invoice.merchant_id, public_id=new_public_id("chk"),
            token=new_secret_token(), document_type="invoice", document_id=str(invoice_id),
            locale="en", quantities={},
            priced={"currency": "SEK", "amounts": {"card": invoice.total}, "discount_id": None},
        )  # fmt: skip
        db.session.add(checkout)
        db.session.commit()
        return checkout.id


def test_an_unpaid_open_invoice_is_revised_and_its_open_checkouts_withdrawn(
    app: Flask, merchant: FlaskClient
) -> None:
    customer = add_customer(app)
    invoice_id, _ = open_invoice(app, customer_id=customer)
    checkout_id = open_checkout_of(app, invoice_id)
    page = f"/panel/invoices/{invoice_id}/edit"
    data = editor_data(customer, {"description": "Less work", "unit_amount": "300"})
    response = post_form(merchant, page, page, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    invoice = invoice_row(app, invoice_id)
    assert (invoice.revision, invoice.total, invoice.number) == (2, 30000, f"INV-{YEAR}-0001")
    with app.app_context():
        checkout = db.session.get(CheckoutSession, checkout_id)
        assert checkout is not None and checkout.priced["amounts"] == {}
        kinds = db.session.scalars(
            select(InvoiceEvent.kind).where(InvoiceEvent.invoice_id == invoice_id)
        ).all()
        assert kinds == ["finalized", "revised"]


def test_an_invoice_with_a_payment_cannot_be_edited_or_voided(
    app: Flask, merchant: FlaskClient
) -> None:
    customer = add_customer(app)
    invoice_id, _ = open_invoice(app, customer_id=customer)
    page = f"/panel/invoices/{invoice_id}"
    paid = post_form(merchant, page, f"{page}/payments",
                     {"amount": "100", "paid_on": date.today().isoformat(),
                      "method": "bank_transfer", "reference": "OCR 123"})  # fmt: skip
    assert paid.status_code == 302, paid.get_data(as_text=True)
    edit = f"{page}/edit"
    refused = merchant.get(edit, follow_redirects=True).get_data(as_text=True)
    assert "can no longer be changed" in refused
    data = editor_data(customer, {"description": "Sneaky", "unit_amount": "1"})
    token_page = page  # the edit page refuses to show a form: post with the invoice page's token
    posted = post_form(merchant, token_page, edit, data, follow_redirects=True)
    assert "can no longer be changed" in posted.get_data(as_text=True)
    voided = post_form(merchant, page, f"{page}/void", {"reason": ""})
    assert voided.status_code == 422
    invoice = invoice_row(app, invoice_id)
    assert invoice.status is InvoiceStatus.OPEN and invoice.revision == 1
    assert invoice.amount_paid == 10000


def test_manual_payments_reduce_the_balance_and_stop_at_it(
    app: Flask, merchant: FlaskClient
) -> None:
    invoice_id, _ = open_invoice(app)
    total = invoice_row(app, invoice_id).total
    page = f"/panel/invoices/{invoice_id}"
    today = date.today().isoformat()

    def pay(amount: str, **fields: str) -> Any:
        data = {"amount": amount, "paid_on": today, "method": "cash", "reference": "", **fields}
        return post_form(merchant, page, f"{page}/payments", data)

    too_much = pay(str(total / 100 + 0.01))
    assert too_much.status_code == 422
    assert "more than the balance" in too_much.get_data(as_text=True)
    assert pay("0").status_code == 422
    assert pay("100", paid_on=(date.today() + timedelta(days=2)).isoformat()).status_code == 422
    assert pay("100").status_code == 302
    assert pay(str((total - 10000) / 100)).status_code == 302
    invoice = invoice_row(app, invoice_id)
    assert (invoice.amount_paid, invoice.status) == (total, InvoiceStatus.PAID)
    with app.app_context():
        assert len(db.session.scalars(select(ManualPayment)).all()) == 2
    shown = merchant.get(page).get_data(as_text=True)
    assert "Paid" in shown and "Record payment" not in shown


def test_voiding_a_sent_invoice_issues_a_credit_note_and_an_unsent_one_none(
    app: Flask, merchant: FlaskClient, mailbox: Mailbox
) -> None:
    customer = add_customer(app)
    unsent, _ = open_invoice(app, customer_id=customer)
    sent, _ = open_invoice(app, customer_id=customer, sent=True)
    for invoice_id in (unsent, sent):
        page = f"/panel/invoices/{invoice_id}"
        voided = post_form(merchant, page, f"{page}/void", {"reason": "Wrong customer"})
        assert voided.status_code == 302, voided.get_data(as_text=True)
        assert invoice_row(app, invoice_id).status is InvoiceStatus.VOID
    with app.app_context():
        notes = db.session.scalars(select(CreditNote)).all()
        assert [(n.invoice_id, n.number, n.reason) for n in notes] == [
            (sent, f"CN-{YEAR}-0001", "Wrong customer")
        ]
        assert notes[0].total == invoice_row(app, sent).total
    # The customer who had the invoice gets the credit note (the unsent one's customer: none).
    credit = mailbox.wait_for("grace@example.com", subject=f"Credit note CN-{YEAR}-0001")
    assert [m.subject for m in mailbox.messages("grace@example.com")] == [credit.subject]
    page = f"/panel/invoices/{sent}"
    again = post_form(merchant, page, f"{page}/void", {"reason": ""})
    assert again.status_code == 422  # void already: no second credit note
    with app.app_context():
        assert len(db.session.scalars(select(CreditNote)).all()) == 1


def test_an_uncollectible_invoice_takes_no_manual_payment(
    app: Flask, merchant: FlaskClient
) -> None:
    invoice_id, _ = open_invoice(app)
    page = f"/panel/invoices/{invoice_id}"
    assert post_form(merchant, page, f"{page}/uncollectible", {}).status_code == 302
    assert invoice_row(app, invoice_id).status is InvoiceStatus.UNCOLLECTIBLE
    data = {"amount": "1", "paid_on": date.today().isoformat(), "method": "cash",
            "reference": ""}  # fmt: skip
    assert post_form(merchant, page, f"{page}/payments", data).status_code == 422


def test_the_list_filters_by_status_and_searches(app: Flask, merchant: FlaskClient) -> None:
    ada = add_customer(app, name="Ada Lovelace", email="ada@example.com")
    grace = add_customer(app, name="Grace Hopper", email="grace@example.com")
    draft_invoice(app, customer_id=ada)
    open_invoice(app, customer_id=grace)
    overdue_id, _ = open_invoice(
        app, customer_id=grace, today=date.today() - timedelta(days=30), terms=None
    )
    listing = merchant.get("/panel/invoices/?status=draft").get_data(as_text=True)
    assert "Ada Lovelace" in listing and "Grace Hopper" not in listing
    listing = merchant.get("/panel/invoices/?status=overdue").get_data(as_text=True)
    assert invoice_row(app, overdue_id).number == f"INV-{YEAR}-0002"
    assert f"INV-{YEAR}-0002" in listing and f"INV-{YEAR}-0001" not in listing
    listing = merchant.get("/panel/invoices/?q=hopper", headers=HTMX).get_data(as_text=True)
    assert "Grace Hopper" in listing and "Ada Lovelace" not in listing
    assert merchant.get("/panel/invoices/?q=%25&status=nonsense&page=x").status_code == 200
    empty = merchant.get("/panel/invoices/?q=nobody").get_data(as_text=True)
    assert "No invoices match." in empty


def test_the_list_pages(app: Flask, merchant: FlaskClient) -> None:
    customer = add_customer(app)
    for _ in range(26):
        draft_invoice(app, customer_id=customer)
    first = merchant.get("/panel/invoices/").get_data(as_text=True)
    assert "Next page" in first and "Previous page" not in first
    second = merchant.get("/panel/invoices/?page=2").get_data(as_text=True)
    assert "Previous page" in second and "Next page" not in second


def test_settings_change_the_numbering_and_the_defaults(app: Flask, merchant: FlaskClient) -> None:
    page = "/panel/invoices/settings"
    data = {"invoice_pattern": "F{YYYY}-", "invoice_padding": "3",
            "credit_note_pattern": "KF-", "credit_note_padding": "5", "terms": "net_30",
            "reminder_days": "7, -3, 0", "memo_en": "Thank you!", "memo_sv": "Tack!",
            "footer_en": "Bankgiro 123", "footer_sv": "Bankgiro 123"}  # fmt: skip
    saved = post_form(merchant, page, page, data)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    shown = merchant.get(page).get_data(as_text=True)
    assert f"F{YEAR}-001" in shown and "KF-00001" in shown and "-3, 0, 7" in shown
    customer = add_customer(app, locale="sv")
    editor = merchant.get(f"/panel/invoices/new?customer={customer}").get_data(as_text=True)
    assert "Tack!" in editor
    invoice_id, _ = open_invoice(app, customer_id=customer)
    invoice = invoice_row(app, invoice_id)
    assert invoice.number == f"F{YEAR}-001"
    assert invoice.due_date == invoice.issue_date + timedelta(days=30)  # type: ignore[operator]


def test_a_prefix_already_used_is_refused(app: Flask, merchant: FlaskClient) -> None:
    open_invoice(app)
    page = "/panel/invoices/settings"
    data = {"invoice_pattern": f"INV-{YEAR}-", "invoice_padding": "4",
            "credit_note_pattern": "CN-{YYYY}-", "credit_note_padding": "4", "terms": "net_14",
            "reminder_days": "", "memo_en": "", "memo_sv": "", "footer_en": "",
            "footer_sv": ""}  # fmt: skip
    refused = post_form(merchant, page, page, data)
    assert refused.status_code == 422
    assert "exist already" in refused.get_data(as_text=True)


def test_the_panel_navigation_leads_to_invoices(merchant: FlaskClient) -> None:
    html = merchant.get("/panel/invoices/").get_data(as_text=True)
    assert 'href="/panel/invoices/" aria-current="page"' in html


def test_a_customers_page_lists_their_invoices_and_links_a_new_one(
    app: Flask, merchant: FlaskClient
) -> None:
    ada = add_customer(app, name="Ada Lovelace", email="ada@example.com")
    grace = add_customer(app, name="Grace Hopper", email="grace@example.com")
    open_invoice(app, customer_id=ada)
    draft_invoice(app, customer_id=grace)
    html = merchant.get(f"/panel/customers/{ada}").get_data(as_text=True)
    assert "<h2" in html and "Invoices" in html
    assert f"INV-{YEAR}-0001" in html and "Open" in html and "1,125.00" in html
    assert "Draft" not in html  # Grace's draft is not Ada's
    assert f"/panel/invoices/new?customer={ada}" in html


def test_a_product_line_takes_the_products_price_in_the_invoices_currency(
    app: Flask, merchant: FlaskClient
) -> None:
    from app.catalog.models import Product
    from tests.support.settings import add_product

    add_product(merchant, "Mug", "SEK", "129")
    with app.app_context():
        mug = db.session.scalars(select(Product.id)).one()
    customer = add_customer(app)
    data = editor_data(customer, {"product": str(mug), "quantity": "3"})
    assert new_draft(merchant, data).status_code == 302
    invoice = only_invoice(app)
    assert invoice.total == 3 * 12900
    with app.app_context():
        line = db.session.scalars(select(Invoice)).one().lines[0]
        assert (line.description, line.product_id, line.unit_amount) == ("Mug", mug, 12900)
    data = editor_data(customer, {"product": str(mug)}, currency="EUR")
    refused = new_draft(merchant, data)
    assert refused.status_code == 422  # EUR is not an account currency of this merchant


def test_a_draft_opens_in_the_editor_as_saved_and_saves_again(
    app: Flask, merchant: FlaskClient
) -> None:
    customer = add_customer(app)
    data = editor_data(customer, {"description": "Design", "quantity": "2", "unit_amount": "1000",
                                  "discount_percent": "12.5"},
                       memo="Thanks", discount_amount="50")  # fmt: skip
    new_draft(merchant, data)
    invoice = only_invoice(app)
    edit = f"/panel/invoices/{invoice.id}/edit"
    html = merchant.get(edit).get_data(as_text=True)
    for shown in ('value="Design"', 'value="2"', 'value="1,000"', 'value="12.5"',
                  'value="50"', "Thanks</textarea>"):  # fmt: skip
        assert shown in html, shown
    changed = {**data, "lines-0-description": "Design and print"}
    assert post_form(merchant, edit, edit, changed).status_code == 302
    again = only_invoice(app)
    assert (again.total, again.revision) == (invoice.total, 1)  # a draft has no revisions
    with app.app_context():
        assert db.session.get(Invoice, invoice.id).lines[0].description == "Design and print"  # type: ignore[union-attr]


def test_a_draft_whose_tax_rate_was_removed_is_not_finalized(
    app: Flask, merchant: FlaskClient
) -> None:
    from app.invoices.service import LineInput
    from app.settings.models import TaxRate

    add_tax_rate(merchant, "Moms", "25")
    with app.app_context():
        rate = db.session.scalars(select(TaxRate.id)).one()
    draft = draft_invoice(app, lines=[LineInput("Work", 1, 10000, tax_rate_ids=(rate,))])
    assert invoice_row(app, draft).total == 12500
    taxes = "/panel/settings/taxes"
    assert post_form(merchant, taxes, f"{taxes}/{rate}/remove", {}).status_code == 302
    page = f"/panel/invoices/{draft}"
    refused = post_form(merchant, page, f"{page}/finalize", {}, follow_redirects=True)
    assert "A tax rate of this invoice no longer exists." in refused.get_data(as_text=True)
    assert invoice_row(app, draft).number is None
    with app.app_context():
        assert db.session.scalars(select(Invoice.number)).all() == [None]


def test_the_memo_and_footer_follow_the_language_unless_typed(
    app: Flask, merchant: FlaskClient
) -> None:
    page = "/panel/invoices/settings"
    texts = {"memo_en": "Thank you!", "memo_sv": "Tack!", "footer_en": "Bank account 123",
             "footer_sv": "Bankkonto 123"}  # fmt: skip
    settings = {"invoice_pattern": "INV-{YYYY}-", "invoice_padding": "4",
                "credit_note_pattern": "CN-{YYYY}-", "credit_note_padding": "4",
                "terms": "net_14", "reminder_days": "", **texts}  # fmt: skip
    assert post_form(merchant, page, page, settings).status_code == 302
    customer = add_customer(app)
    editor = merchant.get("/panel/invoices/new").get_data(as_text=True)
    assert "Thank you!" in editor and 'name="texts_locale" type="hidden" value="en"' in editor

    english = {"memo": "Thank you!", "footer": "Bank account 123", "texts_locale": "en"}
    swapped = post_form(merchant, "/panel/invoices/new", "/panel/invoices/texts",
                        editor_data(customer, locale="sv", **english), headers=HTMX)  # fmt: skip
    body = swapped.get_data(as_text=True)
    assert swapped.status_code == 200 and "<html" not in body
    assert "Tack!" in body and "Bankkonto 123" in body and "Thank you!" not in body
    assert 'name="texts_locale" type="hidden" value="sv"' in body

    typed = {**english, "memo": "Thanks for the quick turnaround"}
    kept = post_form(merchant, "/panel/invoices/new", "/panel/invoices/texts",
                     editor_data(customer, locale="sv", **typed), headers=HTMX).text  # fmt: skip
    assert "Thanks for the quick turnaround" in kept and "Bankkonto 123" in kept

    # Saved without the live swap (no JavaScript): the same rule when the draft is saved.
    saved = new_draft(merchant, editor_data(customer, locale="sv", **english))
    assert saved.status_code == 302, saved.get_data(as_text=True)
    invoice = only_invoice(app)
    assert (invoice.locale, invoice.memo, invoice.footer) == ("sv", "Tack!", "Bankkonto 123")
    editor = merchant.get(f"/panel/invoices/{invoice.id}/edit").get_data(as_text=True)
    assert 'name="texts_locale" type="hidden" value="sv"' in editor
