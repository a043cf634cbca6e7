"""The merchant's questions (Settings → Custom fields) at checkout: asked with the input their
kind needs, checked on the server against the merchant's own questions only, kept with the
label the buyer saw."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.checkout.models import CheckoutSession
from app.extensions import db
from app.settings.models import CustomField
from tests.integration.test_checkout import HTMX, open_as_buyer, shop
from tests.support.accounts import post_form
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
