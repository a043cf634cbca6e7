"""The merchant's questions (Settings → Custom fields) at checkout: asked with the input their
kind needs, checked on the server against the merchant's own questions only, kept with the
label the buyer saw, and shown to the merchant on the payment's page and in the email."""

from __future__ import annotations

import stripe
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.checkout.models import CheckoutSession, CheckoutStatus
from app.core.money import Money
from app.extensions import db
from app.payments.models import Payment, PaymentStatus
from app.settings.models import CustomField
from tests.integration.test_checkout import HTMX, open_as_buyer, shop
from tests.support.accounts import post_form, sign_up
from tests.support.mailbox import Mailbox
from tests.support.payments import merchant_id, open_checkout
from tests.support.settings import add_custom_field
from tests.support.stripe_sandbox import StripeSandbox

BUYER = {"email": "ada@example.com", "name": "Ada Buyer"}


def ask_questions(client: FlaskClient) -> None:
    """Company (text, required), Guests (number, optional), T-shirt (dropdown, required)."""
    for label, sv_label, fields in (
        ("Company", "Företag", {"kind": "text", "required": "y"}),
        ("Guests", "Gäster", {"kind": "number"}),
        ("T-shirt", "T-tröja", {"kind": "dropdown", "options": "S\nM\nL", "required": "y"}),
    ):
        response = add_custom_field(client, label, label_sv=sv_label, **fields)
        assert response.status_code == 302, response.get_data(as_text=True)


def question_ids(app: Flask) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(CustomField.id).order_by(CustomField.id)))


def stored_checkout(app: Flask) -> CheckoutSession:
    with app.app_context():
        checkout = db.session.scalars(select(CheckoutSession)).one()
        db.session.expunge(checkout)
        return checkout


def answers(app: Flask, company: str, guests: str, size: str) -> dict[str, str]:
    first, second, third = question_ids(app)
    return {f"answer_{first}": company, f"answer_{second}": guests, f"answer_{third}": size}


def test_each_question_gets_the_input_of_its_kind(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    shop(client, app, stripe_sandbox)
    ask_questions(client)
    company, guests, size = question_ids(app)
    page = app.test_client().get(open_as_buyer(app, app.test_client())).get_data(as_text=True)
    assert f'<label class="field-label" for="answer_{company}">Company</label>' in page
    assert f'id="answer_{company}" maxlength="500" name="answer_{company}" required' in page
    assert f'<label class="field-label" for="answer_{guests}">Guests (optional)</label>' in page
    assert 'inputmode="decimal"' in page
    assert f'class="input" id="answer_{size}" name="answer_{size}" required><option' in page
    assert '<option value="M">M</option>' in page

    swedish = app.test_client()
    page = swedish.get(open_as_buyer(app, swedish), headers={"Accept-Language": "sv"})
    assert "Gäster (valfritt)" in page.get_data(as_text=True)


def test_missing_and_invalid_answers_are_field_errors_that_keep_what_was_typed(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    shop(client, app, stripe_sandbox)
    ask_questions(client)
    company, guests, size = question_ids(app)
    buyer = app.test_client()
    page = open_as_buyer(app, buyer)
    wrong = {**BUYER, **answers(app, "", "many", "XXL")}

    response = post_form(buyer, page, page + "/details", wrong)  # no JavaScript: the page
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" in body
    assert f'<p class="field-error" id="answer_{company}-error">This field is required.' in body
    assert f'id="answer_{guests}-error">Enter a number like 12.50.' in body
    assert f'id="answer_{size}-error">Choose one of the options.' in body
    assert 'value="ada@example.com"' in body and 'value="many"' in body

    response = post_form(buyer, page, page + "/details", wrong, headers=HTMX)  # the section
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" not in body
    assert body.lstrip().startswith('<section id="details"')
    assert f'id="answer_{company}-error"' in body and 'value="Ada Buyer"' in body

    swedish = post_form(buyer, page, page + "/details", wrong,
                        headers={**HTMX, "Accept-Language": "sv"})  # fmt: skip
    body = swedish.get_data(as_text=True)
    assert "Fältet måste fyllas i." in body and "Ange ett tal som 12,50." in body
    assert "Företag" in body
    assert stored_checkout(app).email == ""  # nothing was saved


def test_answers_are_kept_by_question_with_the_label_the_buyer_saw(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    shop(client, app, stripe_sandbox)
    ask_questions(client)
    company, guests, size = question_ids(app)
    buyer = app.test_client()
    page = open_as_buyer(app, buyer)
    typed = {**BUYER, **answers(app, "  Verkstan AB ", "2,5", "M"),
             "answer_999": "not a question", "custom_answers": "{}"}  # fmt: skip

    response = post_form(buyer, page, page + "/details", typed,
                         headers={**HTMX, "Accept-Language": "sv"})  # fmt: skip
    assert response.status_code == 204 and response.headers["HX-Redirect"] == page + "/pay"
    assert stored_checkout(app).custom_answers == {
        str(company): {"label": "Företag", "kind": "text", "value": "Verkstan AB"},
        str(guests): {"label": "Gäster", "kind": "number", "value": "2.5"},
        str(size): {"label": "T-tröja", "kind": "dropdown", "value": "M"},
    }
    again = buyer.get(page, headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert 'value="2,5"' in again and '<option selected value="M">' in again
    assert 'value="2.5"' in buyer.get(page).get_data(as_text=True)  # in English

    # The merchant renames a question (removes it and asks it again): the answer keeps its label.
    post_form(client, "/panel/settings/custom-fields",
              f"/panel/settings/custom-fields/{company}/remove", {})  # fmt: skip
    add_custom_field(client, "Organisation", kind="text")
    stored = stored_checkout(app)
    assert [(a.label, a.value) for a in stored.answers] == [
        ("Företag", "Verkstan AB"), ("Gäster", "2.5"), ("T-tröja", "M")
    ]  # fmt: skip


def test_optional_questions_may_be_left_unanswered(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    shop(client, app, stripe_sandbox)
    add_custom_field(client, "Dietary needs", kind="text")
    add_custom_field(client, "Table", kind="dropdown", options="Inside\nOutside")
    buyer = app.test_client()
    page = open_as_buyer(app, buyer)
    first, second = question_ids(app)
    response = post_form(buyer, page, page + "/details",
                         {**BUYER, f"answer_{first}": " ", f"answer_{second}": ""})  # fmt: skip
    assert response.status_code == 302 and response.headers["Location"] == page + "/pay"
    assert stored_checkout(app).custom_answers == {}


def pay_with_card(app: Flask, sandbox: StripeSandbox, secret_key: str, buyer: FlaskClient,
                  page: str) -> None:  # fmt: skip
    """The pay step, the buyer's card confirmed at Stripe, then the return page."""
    assert buyer.get(page + "/pay").status_code == 200
    intent_id = stored_checkout(app).payment_intent_id
    assert intent_id is not None
    merchant_stripe = stripe.StripeClient(secret_key, base_addresses={"api": sandbox.api_base})
    merchant_stripe.v1.payment_intents.confirm(
        intent_id,
        params={"payment_method": "pm_card_visa", "return_url": "https://shop.example/return"},
    )
    receipt = buyer.get(page + "/return")
    assert "Thank you, your payment went through" in receipt.get_data(as_text=True)


def test_the_merchant_sees_the_answers_on_the_payment_and_in_the_email(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, mailbox: Mailbox
) -> None:
    account = shop(client, app, stripe_sandbox, billing_address="required", phone="optional")
    ask_questions(client)
    buyer = app.test_client()
    page = open_as_buyer(app, buyer)
    details = {**BUYER, "phone": "+46 70 123 45 67", "billing_line1": "Storgatan 1",
               "billing_postal_code": "111 22", "billing_city": "Stockholm",
               "billing_country": "SE", **answers(app, "Verkstan & Co", "12", "L")}  # fmt: skip
    assert post_form(buyer, page, page + "/details", details).status_code == 302
    pay_with_card(app, stripe_sandbox, account.secret_key, buyer, page)

    notice = mailbox.wait_for("owner@example.com")
    assert notice.subject == "New payment: SEK500.00"
    assert "Answers to your questions:" in notice.text
    assert "Company: Verkstan & Co" in notice.text and "Guests: 12" in notice.text
    assert "T-shirt: L" in notice.text
    assert "Verkstan &amp; Co" in notice.html and "Answers to your questions" in notice.html
    receipt = mailbox.wait_for("ada@example.com")
    assert "Verkstan" not in receipt.text  # the answers are for the merchant

    with app.app_context():
        payment = db.session.scalars(select(Payment)).one()
        payment_id, intent_id = payment.id, payment.intent_id
        assert payment.status is PaymentStatus.SUCCEEDED
    listing = client.get("/panel/payments").get_data(as_text=True)
    assert f'href="/panel/payments/{payment_id}"' in listing
    detail = client.get(f"/panel/payments/{payment_id}", headers={"Accept-Language": "sv"})
    body = detail.get_data(as_text=True)
    assert detail.status_code == 200 and "Genomförd" in body and intent_id in body
    assert "500,00" in body and "Visa •••• 4242" in body
    assert '<a href="mailto:ada@example.com">ada@example.com</a>' in body
    assert "+46 70 123 45 67" in body and "Storgatan 1<br>111 22 Stockholm<br>Sverige" in body
    assert "Svar på dina frågor" in body
    assert "<dt>Company</dt><dd>Verkstan &amp; Co</dd>" in body  # the label the buyer saw
    assert "<dt>Guests</dt><dd>12</dd>" in body and "<dt>T-shirt</dt><dd>L</dd>" in body
    assert "Köpet påbörjades" in body  # the history

    # Paid: the details are closed, so what the merchant was told stays true.
    changed = post_form(buyer, page, page + "/details", {**details, **answers(app, "X", "", "S")})
    assert changed.status_code == 302 and changed.headers["Location"] == page + "/return"
    assert stored_checkout(app).status is CheckoutStatus.PAID
    assert stored_checkout(app).custom_answers[str(question_ids(app)[0])]["value"] == (
        "Verkstan & Co"
    )


def test_answers_stay_with_their_merchant(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    """A payment shows the answers of its own merchant's checkout only, even when another
    merchant's payment names that checkout's public id as its reference."""
    shop(client, app, stripe_sandbox)
    ask_questions(client)
    buyer = app.test_client()
    page = open_as_buyer(app, buyer)
    post_form(buyer, page, page + "/details", {**BUYER, **answers(app, "Secret Co", "", "S")})
    reference = stored_checkout(app).public_id

    other = app.test_client()
    sign_up(other, email="b@example.com", business_name="Merchant B")
    other_account = stripe_sandbox.create_account("SE", "sek")
    from tests.integration.test_processor_connection import connect

    assert connect(other, other_account).status_code == 302
    theirs = open_checkout(app, merchant_id(app, "b@example.com"), Money(5000, "SEK"),
                           reference=reference)  # fmt: skip
    body = other.get(f"/panel/payments/{theirs.payment_id}").get_data(as_text=True)
    assert "Payment of SEK" in body and "Secret Co" not in body
    assert "Answers to your questions" not in body

    ours = buyer.get(page + "/pay")  # merchant A's own payment of that checkout
    assert ours.status_code == 200
    with app.app_context():
        own_id = db.session.scalars(
            select(Payment.id).where(Payment.merchant_id == merchant_id(app))
        ).one()
    assert other.get(f"/panel/payments/{own_id}").status_code == 404
    assert "Secret Co" in client.get(f"/panel/payments/{own_id}").get_data(as_text=True)


def test_a_question_added_after_the_details_were_saved_is_asked_before_paying(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    shop(client, app, stripe_sandbox)
    buyer = app.test_client()
    page = open_as_buyer(app, buyer)
    assert post_form(buyer, page, page + "/details", BUYER).headers["Location"] == page + "/pay"
    assert add_custom_field(client, "Company", kind="text", required="y").status_code == 302

    response = buyer.get(page + "/pay")
    assert response.status_code == 302 and response.headers["Location"] == page
    [company] = question_ids(app)
    answered = {**BUYER, f"answer_{company}": "Verkstan AB"}
    assert post_form(buyer, page, page + "/details", answered).status_code == 302
    assert buyer.get(page + "/pay").status_code == 200
