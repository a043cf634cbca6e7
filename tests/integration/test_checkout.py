"""The buyer checkout of a payment link: open and resume, the summary priced on the server,
quantity, optional items, discount code, method surcharge, taxes by country, details, closed
links; the merchant's preview of the same page."""

from __future__ import annotations

import re
from datetime import timedelta

import stripe
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.checkout.models import CheckoutSession
from app.core.clock import utcnow
from app.extensions import db
from app.links.models import PaymentLink
from tests.integration.test_payments import connected
from tests.support.accounts import post_form, sign_up
from tests.support.link_buyers import start_checkout
from tests.support.settings import (
    add_currency,
    add_discount,
    add_fee,
    add_payment_link,
    add_product,
    add_tax_rate,
)
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox

HTMX = {"HX-Request": "true"}


def the_link(app: Flask) -> PaymentLink:
    with app.app_context():
        link = db.session.scalars(select(PaymentLink)).one()
        link.lines  # noqa: B018  (loaded before it leaves the session)
        db.session.expunge_all()
        return link


def open_as_buyer(app: Flask, buyer: FlaskClient) -> str:
    """The buyer opens the link (a page that opens no checkout) and acts on it, or comes back to
    it after acting: returns their checkout page's path."""
    response = buyer.get(f"/l/{the_link(app).slug}")
    if response.status_code == 302:  # a returning buyer
        return response.headers["Location"]
    assert response.status_code == 200, response.get_data(as_text=True)
    return start_checkout(buyer, the_link(app).slug)


def shop(client: FlaskClient, app: Flask, sandbox: StripeSandbox, **link: str) -> SandboxAccount:
    """A Swedish merchant, connected to the sandbox, with one link."""
    account, _merchant = connected(client, app, sandbox, "SE", "sek")
    response = add_payment_link(client, **link)
    assert response.status_code == 302, response.get_data(as_text=True)
    return account


def test_a_buyer_opens_and_resumes_one_checkout(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    shop(client, app, stripe_sandbox, message="Thanks for booking!")
    buyer = app.test_client()
    page = open_as_buyer(app, buyer)
    token = page.rsplit("/", 1)[1]
    assert page == f"/c/{token}" and len(token) >= 43  # 256 random bits
    body = buyer.get(page).get_data(as_text=True)
    assert "Consultation" in body and "Thanks for booking!" in body
    assert "SEK500.00" in body and "Test mode" in body
    assert open_as_buyer(app, buyer) == page  # a reload resumes it
    assert open_as_buyer(app, app.test_client()) != page  # another buyer gets their own
    with app.app_context():
        assert db.session.scalars(select(CheckoutSession)).all().__len__() == 2


def test_quantity_changes_the_total_within_the_limits(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    shop(client, app, stripe_sandbox, adjustable_quantity="y", min_quantity="1", max_quantity="3")
    buyer = app.test_client()
    page = open_as_buyer(app, buyer)
    line = str(the_link(app).lines[0].id)
    response = post_form(buyer, page, page + "/quantity", {"line": line, "quantity": "3"},
                         headers=HTMX)  # fmt: skip
    summary = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="summary"' in summary and "<html" not in summary
    assert "SEK1,500.00" in summary
    response = post_form(buyer, page, page + "/quantity", {"line": line, "quantity": "4"})
    assert response.status_code == 422
    assert "Choose a quantity from 1 to 3." in response.get_data(as_text=True)
    without_js = post_form(buyer, page, page + "/quantity", {"line": line, "quantity": "2"})
    assert without_js.status_code == 302 and without_js.headers["Location"] == page
    assert "SEK1,000.00" in buyer.get(page).get_data(as_text=True)


def test_a_fixed_quantity_cannot_be_changed(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    shop(client, app, stripe_sandbox)
    buyer = app.test_client()
    page = open_as_buyer(app, buyer)
    line = str(the_link(app).lines[0].id)
    response = post_form(buyer, page, page + "/quantity", {"line": line, "quantity": "2"})
    assert response.status_code == 422  # not an adjustable line: not even a choice


def test_a_discount_code(client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox) -> None:
    shop(client, app, stripe_sandbox)
    add_discount(client, "SPRING25")
    buyer = app.test_client()
    page = open_as_buyer(app, buyer)
    response = post_form(buyer, page, page + "/discount", {"code": "nope"}, headers=HTMX)
    assert "This code does not work here." in response.get_data(as_text=True)
    response = post_form(buyer, page, page + "/discount", {"code": "spring25"}, headers=HTMX)
    summary = response.get_data(as_text=True)
    assert "Discount (SPRING25)" in summary and "SEK375.00" in summary


def test_a_method_surcharge_appears_when_the_method_is_chosen(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    shop(client, app, stripe_sandbox)
    add_fee(client, "Card fee", fixed_amount="", percent="2")
    buyer = app.test_client()
    page = open_as_buyer(app, buyer)
    assert "Card fee" not in buyer.get(page).get_data(as_text=True)
    response = post_form(buyer, page, page + "/method", {"method": "card"}, headers=HTMX)
    summary = response.get_data(as_text=True)
    assert "Card fee" in summary and "SEK10.00" in summary and "SEK510.00" in summary
    response = post_form(buyer, page, page + "/method", {"method": "sepa_debit"})
    assert response.status_code == 422  # not offered in SEK


def test_taxes_follow_the_buyers_country(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    connected(client, app, stripe_sandbox, "SE", "sek")
    add_tax_rate(client, "Moms", "25", country="SE")
    add_product(client, "Mug", "SEK", "100", tax_rate="1")
    add_payment_link(client, product="1", description="", amount="")
    buyer = app.test_client()
    page = open_as_buyer(app, buyer)
    assert "Moms" not in buyer.get(page).get_data(as_text=True)  # country unknown yet
    response = post_form(buyer, page, page + "/country", {"country": "SE"}, headers=HTMX)
    summary = response.get_data(as_text=True)
    assert "Moms" in summary and "SEK25.00" in summary and "SEK125.00" in summary


def test_a_required_address_missing_gives_a_field_error(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    shop(client, app, stripe_sandbox, billing_address="required", phone="optional")
    buyer = app.test_client()
    page = open_as_buyer(app, buyer)
    details = {"email": "ada@example.com", "name": "Ada Buyer", "phone": "+46 70 123 45 67",
               "billing_line1": "", "billing_postal_code": "", "billing_city": "",
               "billing_country": ""}  # fmt: skip
    response = post_form(buyer, page, page + "/details", details)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="billing_line1-error"' in body
    assert 'value="ada@example.com"' in body  # nothing typed is lost
    address = {"billing_line1": "Storgatan 1", "billing_postal_code": "111 22",
               "billing_city": "Stockholm", "billing_country": "SE"}  # fmt: skip
    response = post_form(buyer, page, page + "/details", {**details, **address})
    assert response.status_code == 302
    with app.app_context():
        checkout = db.session.scalars(select(CheckoutSession)).one()
        assert checkout.email == "ada@example.com" and checkout.country == "SE"
        assert checkout.billing_address == {"line1": "Storgatan 1", "postal_code": "111 22",
                                            "city": "Stockholm", "country": "SE"}  # fmt: skip


def test_a_started_address_names_the_part_left_empty_also_when_optional(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    shop(client, app, stripe_sandbox, shipping_address="optional")
    buyer = app.test_client()
    page = open_as_buyer(app, buyer)
    details = {"email": "ada@example.com", "name": "Ada Buyer",
               "shipping_line1": "Storgatan 1", "shipping_postal_code": "111 22",
               "shipping_city": "", "shipping_country": "SE"}  # fmt: skip
    response = post_form(buyer, page, page + "/details", details)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<p class="field-error" id="shipping_city-error">This field is required.' in body
    assert 'id="shipping_line1-error"' not in body and 'value="Storgatan 1"' in body
    untouched = {key: "" for key in details if key.startswith("shipping_")}
    assert post_form(buyer, page, page + "/details", {**details, **untouched}).status_code == 302
    with app.app_context():
        assert db.session.scalars(select(CheckoutSession)).one().shipping_address is None


def test_closed_links_get_a_clear_page(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    shop(client, app, stripe_sandbox)
    slug = the_link(app).slug
    with app.app_context():
        link = db.session.scalars(select(PaymentLink)).one()
        link.active = False
        db.session.commit()
    body = app.test_client().get(f"/l/{slug}").get_data(as_text=True)
    assert "This payment link is not active." in body
    with app.app_context():
        link = db.session.scalars(select(PaymentLink)).one()
        link.active, link.last_day = True, (utcnow() - timedelta(days=2)).date()
        db.session.commit()
    swedish = app.test_client().get(f"/l/{slug}", headers={"Accept-Language": "sv"})
    assert swedish.status_code == 200 and "Betallänken har gått ut." in swedish.get_data(
        as_text=True
    )
    assert app.test_client().get("/l/pl_unknown").status_code == 404


def test_a_merchant_without_stripe_cannot_be_paid(client: FlaskClient, app: Flask) -> None:
    sign_up(client, country="SE")
    add_payment_link(client)
    body = app.test_client().get(f"/l/{the_link(app).slug}").get_data(as_text=True)
    assert "The seller cannot take payments at the moment." in body


def test_the_pay_step_needs_the_buyers_details_first(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    shop(client, app, stripe_sandbox)
    buyer = app.test_client()
    page = open_as_buyer(app, buyer)
    response = buyer.get(page + "/pay")
    assert response.status_code == 302 and response.headers["Location"] == page


def test_the_pay_step_makes_one_intent_and_follows_the_amount(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account = shop(client, app, stripe_sandbox, adjustable_quantity="y", max_quantity="3")
    buyer = app.test_client()
    page = open_as_buyer(app, buyer)
    post_form(buyer, page, page + "/details", {"email": "ada@example.com", "name": "Ada"})
    first = buyer.get(page + "/pay").get_data(as_text=True)
    assert "Pay SEK500.00" in first and 'id="payment-element"' in first
    assert buyer.get(page + "/pay").status_code == 200  # a reload: the same intent
    line = str(the_link(app).lines[0].id)
    post_form(buyer, page + "/pay", page + "/quantity", {"line": line, "quantity": "2"})
    with app.app_context():
        checkout = db.session.scalars(select(CheckoutSession)).one()
        intent_id, version = checkout.payment_intent_id, checkout.intent_version
    assert intent_id is not None and version == 2  # created, then updated once
    merchant_stripe = stripe.StripeClient(
        account.secret_key, base_addresses={"api": stripe_sandbox.api_base}
    )
    assert merchant_stripe.v1.payment_intents.retrieve(intent_id).amount == 100000


def eu_shop(client: FlaskClient, app: Flask, sandbox: StripeSandbox) -> SandboxAccount:
    """A Swedish merchant selling a link of EUR 50 by card or SEPA, with a EUR 1 SEPA fee."""
    account, _merchant = connected(client, app, sandbox, "SE", "sek")
    add_currency(client, "EUR")
    page = "/panel/settings/checkout"
    post_form(client, page, page, {"payment_methods": ["card", "sepa_debit"],
              "billing_address": "off", "shipping_address": "off", "phone": "off"})  # fmt: skip
    add_fee(client, "SEPA fee", method="sepa_debit", fixed_currency="EUR", fixed_amount="1",
            percent="")  # fmt: skip
    assert add_payment_link(client, currency="EUR", amount="50").status_code == 302
    return account


def pay_form(html: str) -> dict[str, str]:
    """The data attributes of the pay step's form (what checkout.js reads)."""
    form = re.search(r'<form id="payment-form"(.*?)>', html, re.DOTALL)
    assert form, html
    return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', form.group(1)))


def test_the_payment_element_lists_the_method_priced_first(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    """A buyer who chose SEPA sees the Payment Element open on SEPA, priced with its fee; when
    the merchant stops offering SEPA meanwhile, the pay step prices the card they will see."""
    account = eu_shop(client, app, stripe_sandbox)
    buyer = app.test_client()
    page = open_as_buyer(app, buyer)
    post_form(buyer, page, page + "/method", {"method": "sepa_debit"})
    post_form(buyer, page, page + "/details", {"email": "ada@example.com", "name": "Ada"})
    html = buyer.get(page + "/pay").get_data(as_text=True)
    form = pay_form(html)
    assert (form["method"], form["method-order"]) == ("sepa_debit", "sepa_debit,card")
    assert "Pay €51.00" in html

    settings = "/panel/settings/checkout"
    post_form(client, settings, settings, {"payment_methods": ["card"], "billing_address": "off",
              "shipping_address": "off", "phone": "off"})  # fmt: skip
    html = buyer.get(page + "/pay").get_data(as_text=True)
    form = pay_form(html)
    assert (form["method"], form["method-order"]) == ("card", "card")
    assert "Pay €50.00" in html
    with app.app_context():
        intent_id = db.session.scalars(select(CheckoutSession.payment_intent_id)).one()
    assert intent_id is not None
    merchant_stripe = stripe.StripeClient(
        account.secret_key, base_addresses={"api": stripe_sandbox.api_base}
    )
    intent = merchant_stripe.v1.payment_intents.retrieve(intent_id)
    assert (intent.amount, intent.payment_method_types) == (5000, ["card"])


def test_the_details_step_lists_each_methods_total_and_leaves_the_choice_to_the_pay_step(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    """The method is chosen once, in the Payment Element: the details step asks for none, and
    says what each method costs (the SEPA fee) and that the choice comes next, in English and
    in Swedish."""
    eu_shop(client, app, stripe_sandbox)
    buyer = app.test_client()
    page = open_as_buyer(app, buyer)
    html = buyer.get(page).get_data(as_text=True)
    assert 'name="method"' not in html and 'type="radio"' not in html
    assert "Total by payment method" in html
    assert re.search(r"<span>Card</span><span>€50.00</span>", html), html
    assert re.search(r"<span>SEPA Direct Debit</span><span>€51.00</span>", html), html
    assert "You choose how to pay on the next step." in html
    swedish = buyer.get(page, headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Totalt per betalningsmetod" in swedish
    assert "Du väljer hur du betalar i nästa steg." in swedish


def test_method_totals_are_listed_only_when_a_method_costs_more(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    """Without a fee every method costs the total shown: nothing to list. With a fee on every
    method, each costs more than the total before a method is chosen: listed."""
    connected(client, app, stripe_sandbox, "SE", "sek")
    add_currency(client, "EUR")
    page = "/panel/settings/checkout"
    post_form(client, page, page, {"payment_methods": ["card", "sepa_debit"],
              "billing_address": "off", "shipping_address": "off", "phone": "off"})  # fmt: skip
    assert add_payment_link(client, currency="EUR", amount="50").status_code == 302
    buyer = app.test_client()
    checkout = open_as_buyer(app, buyer)
    html = buyer.get(checkout).get_data(as_text=True)
    assert "€50.00" in html and "Total by payment method" not in html
    for method in ("card", "sepa_debit"):
        add_fee(client, f"{method} fee", method=method, fixed_currency="EUR", fixed_amount="1",
                percent="")  # fmt: skip
    html = buyer.get(checkout).get_data(as_text=True)
    assert "Total by payment method" in html
    assert re.search(r"<span>Card</span><span>€51.00</span>", html), html
    assert re.search(r"<span>SEPA Direct Debit</span><span>€51.00</span>", html), html


def test_the_pay_step_is_never_kept_by_the_browser(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    """Back after paying asks for the pay step again (which then sends the buyer on to the
    receipt), so its form with an active Pay button is never shown from a cache."""
    eu_shop(client, app, stripe_sandbox)
    buyer = app.test_client()
    page = open_as_buyer(app, buyer)
    post_form(buyer, page, page + "/details", {"email": "ada@example.com", "name": "Ada"})
    response = buyer.get(page + "/pay")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"


def add_optional_line(client: FlaskClient, app: Flask, description: str, amount: str,
                      **fields: str) -> int:  # fmt: skip
    """The merchant adds an optional line to the (only) link; returns its id."""
    editor = f"/panel/links/{the_link(app).id}"
    response = post_form(client, editor, editor + "/lines", {
        "currency": "SEK", "product": "", "description": description, "amount": amount,
        "quantity": "1", "min_quantity": "1", "max_quantity": "1", "optional": "y", **fields,
    })  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    return the_link(app).lines[-1].id


def test_a_buyer_adds_and_removes_an_optional_item(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    shop(client, app, stripe_sandbox)
    wrap = add_optional_line(client, app, "Gift wrap", "25", quantity="2")
    buyer = app.test_client()
    page = open_as_buyer(app, buyer)
    body = buyer.get(page).get_data(as_text=True)
    assert "You may also add" in body and "+SEK50.00" in body and "Add<span" in body
    assert 'data-testid="due-now">SEK500.00<' in body  # not added: not charged

    response = post_form(buyer, page, f"{page}/items/{wrap}/add", {}, headers=HTMX)
    summary = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in summary
    assert "Gift wrap \u00d7 2" in summary and 'data-testid="due-now">SEK550.00<' in summary
    assert "You may also add" not in summary and "Remove<span" in summary
    post_form(buyer, page, f"{page}/items/{wrap}/add", {}, headers=HTMX)  # twice is once
    with app.app_context():
        assert db.session.scalars(select(CheckoutSession)).one().quantities[str(wrap)] == 2

    without_js = post_form(buyer, page, f"{page}/items/{wrap}/remove", {})
    assert without_js.status_code == 302 and without_js.headers["Location"] == page
    body = buyer.get(page).get_data(as_text=True)
    assert 'data-testid="due-now">SEK500.00<' in body and "You may also add" in body


def test_an_added_optional_item_is_paid_for(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    shop(client, app, stripe_sandbox)
    wrap = add_optional_line(client, app, "Gift wrap", "25", adjustable_quantity="y",
                             max_quantity="3")  # fmt: skip
    buyer = app.test_client()
    page = open_as_buyer(app, buyer)
    response = post_form(buyer, page, page + "/quantity", {"line": str(wrap), "quantity": "2"})
    assert response.status_code == 422  # not added yet: no quantity to change
    post_form(buyer, page, f"{page}/items/{wrap}/add", {})
    response = post_form(buyer, page, page + "/quantity", {"line": str(wrap), "quantity": "3"})
    assert response.status_code == 302  # once added, it is an adjustable line
    post_form(buyer, page, page + "/details", {"email": "ada@example.com", "name": "Ada"})
    assert "Pay SEK575.00" in buyer.get(page + "/pay").get_data(as_text=True)


def test_adding_an_item_while_paying_updates_the_payment_intent(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account = shop(client, app, stripe_sandbox)
    wrap = add_optional_line(client, app, "Gift wrap", "25")
    buyer = app.test_client()
    page = open_as_buyer(app, buyer)
    post_form(buyer, page, page + "/details", {"email": "ada@example.com", "name": "Ada"})
    assert "Pay SEK500.00" in buyer.get(page + "/pay").get_data(as_text=True)
    response = post_form(buyer, page + "/pay", f"{page}/items/{wrap}/add", {}, headers=HTMX)
    assert 'data-testid="due-now">SEK525.00<' in response.get_data(as_text=True)
    with app.app_context():
        intent_id = db.session.scalars(select(CheckoutSession)).one().payment_intent_id
    assert intent_id is not None
    merchant_stripe = stripe.StripeClient(
        account.secret_key, base_addresses={"api": stripe_sandbox.api_base}
    )
    assert merchant_stripe.v1.payment_intents.retrieve(intent_id).amount == 52500


def test_only_optional_items_of_this_link_can_be_added_or_removed(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    shop(client, app, stripe_sandbox)
    required = the_link(app).lines[0].id
    buyer = app.test_client()
    page = open_as_buyer(app, buyer)
    response = post_form(buyer, page, f"{page}/items/{required}/add", {}, headers=HTMX)
    assert response.status_code == 422
    assert "This item cannot be added." in response.get_data(as_text=True)
    response = post_form(buyer, page, f"{page}/items/{required}/remove", {})
    assert response.status_code == 422
    assert "This item cannot be removed." in response.get_data(as_text=True)
    assert post_form(buyer, page, f"{page}/items/999/add", {}).status_code == 404
    assert buyer.post(f"{page}/items/{required}/add").status_code == 400  # no CSRF token
    body = buyer.get(page).get_data(as_text=True)
    assert 'data-testid="due-now">SEK500.00<' in body


def test_a_line_made_required_after_the_checkout_opened_is_charged(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    shop(client, app, stripe_sandbox)
    wrap = add_optional_line(client, app, "Gift wrap", "25")
    buyer = app.test_client()
    page = open_as_buyer(app, buyer)
    editor = f"/panel/links/{the_link(app).id}"
    post_form(client, editor, f"{editor}/lines/{wrap}/required", {})
    body = buyer.get(page).get_data(as_text=True)
    assert 'data-testid="due-now">SEK525.00<' in body and "You may also add" not in body


def totals_of(page: str) -> str:
    return page.split('<dl class="totals">', 1)[1].split("</dl>", 1)[0]


def test_the_merchant_previews_the_buyer_page(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    connected(client, app, stripe_sandbox, "SE", "sek")
    post_form(client, "/panel/settings/branding", "/panel/settings/branding",
              {"display_name": "Verkstan", "accent_color": "#1d4ed8"})  # fmt: skip
    add_tax_rate(client, "Moms", "25", inclusive="y")
    add_product(client, "Mug", "SEK", "100", tax_rate="1")
    add_payment_link(client, "Mugs", product="1", description="", amount="", quantity="2",
                     adjustable_quantity="y", max_quantity="5",
                     message="Handmade in Malmö.")  # fmt: skip
    add_optional_line(client, app, "Gift wrap", "25")
    url = f"/panel/links/{the_link(app).id}"
    assert f'href="{url}/preview">Preview buyer page</a>' in client.get(url).get_data(as_text=True)

    response = client.get(url + "/preview")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<strong id="preview-title">Preview</strong>' in page
    assert "Nothing can be sent or paid here." in page and f'href="{url}">' in page
    assert "<h1>Mugs</h1>" in page and "Handmade in Malmö." in page
    assert "Verkstan" in page and "--accent: #1d4ed8" in page and "Test mode" in page
    assert "Mug \u00d7 2" in page and "Moms" in page and "You may also add" in page
    assert 'data-testid="due-now">SEK200.00<' in page
    assert "/c/" not in page  # no checkout behind it: no form posts anywhere
    assert '<button type="submit" class="button button-primary" disabled>Continue</button>' in page
    assert "disabled>Add<span" in page
    with app.app_context():
        assert db.session.scalars(select(CheckoutSession)).all() == []

    buyer = app.test_client()
    buyer_page = buyer.get(open_as_buyer(app, buyer)).get_data(as_text=True)
    assert totals_of(page) == totals_of(buyer_page)  # priced by the same code


def test_a_preview_of_a_closed_link_says_what_buyers_see(client: FlaskClient, app: Flask) -> None:
    sign_up(client, country="SE")  # no Stripe account yet
    add_payment_link(client)
    url = f"/panel/links/{the_link(app).id}"
    page = client.get(url + "/preview").get_data(as_text=True)
    assert "Stripe is not connected: buyers see a page saying that you cannot take payments." in (
        page
    )
    post_form(client, url, url + "/deactivate", {})
    page = client.get(url + "/preview").get_data(as_text=True)
    assert "The link is inactive: buyers see a page saying so instead." in page
    assert "<h1>Consultation</h1>" in page and 'data-testid="due-now">SEK500.00<' in page


def test_a_preview_needs_a_login(client: FlaskClient, app: Flask) -> None:
    sign_up(client, country="SE")
    add_payment_link(client)
    response = app.test_client().get(f"/panel/links/{the_link(app).id}/preview")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
