"""A payment link's first view: written nowhere, served from the page cache like the shop,
with Open Graph tags for link previewers; the buyer's first action opens their checkout, a
reload resumes it; whatever the merchant changes, and whatever closes the link, shows on the
next view."""

from __future__ import annotations

import re
import threading

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from app.catalog.models import Price
from app.checkout.models import CheckoutSession
from app.extensions import db
from app.links.models import PaymentLink
from app.web.page_cache import PageCache
from tests.conftest import csrf_token_from
from tests.integration.test_checkout import open_as_buyer, shop, the_link
from tests.integration.test_payments import connected
from tests.support.accounts import post_form
from tests.support.link_buyers import start_checkout
from tests.support.queries import counted_queries, writes
from tests.support.settings import add_payment_link, add_product
from tests.support.stripe_sandbox import StripeSandbox

HTMX = {"HX-Request": "true"}
PREVIEWERS = (
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "WhatsApp/2.23.20.0",
)


def rows_in_every_table(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {
            table.name: db.session.scalar(select(func.count()).select_from(table)) or 0
            for table in db.metadata.sorted_tables
        }


def checkouts(app: Flask) -> list[CheckoutSession]:
    with app.app_context():
        rows = list(db.session.scalars(select(CheckoutSession).order_by(CheckoutSession.id)))
        db.session.expunge_all()
        return rows


def cache_hits(app: Flask) -> int:
    cache: PageCache = app.extensions["kassa_page_cache"]
    return cache.hits


def adjustable_shop(client: FlaskClient, app: Flask, sandbox: StripeSandbox) -> tuple[str, str]:
    """A connected merchant's link of SEK 500 whose quantity the buyer may set from 1 to 3:
    (its page, its line's id)."""
    shop(client, app, sandbox, adjustable_quantity="y", min_quantity="1", max_quantity="3")
    link = the_link(app)
    return f"/l/{link.slug}", str(link.lines[0].id)


def test_a_get_and_a_head_of_a_link_page_write_nothing(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    page, _line = adjustable_shop(client, app, stripe_sandbox)
    before = rows_in_every_table(app)
    with counted_queries(app) as statements:
        for browser in (app.test_client(), app.test_client()):
            first = browser.get(page)
            again = browser.get(page)  # a reload by a browser that did nothing yet
            head = browser.head(page)
    assert (first.status_code, again.status_code, head.status_code) == (200, 200, 200)
    assert head.get_data() == b"" and head.headers["Content-Type"].startswith("text/html")
    assert writes(statements) == []
    assert rows_in_every_table(app) == before
    assert "SEK500.00" in first.get_data(as_text=True)


def test_a_repeat_first_view_comes_from_the_cache_for_one_query(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    page, _line = adjustable_shop(client, app, stripe_sandbox)
    first = app.test_client().get(page).get_data(as_text=True)
    hits = cache_hits(app)
    with counted_queries(app) as statements:
        second = app.test_client().get(page)
        head = app.test_client().head(page)
    assert cache_hits(app) == hits + 2
    assert len(statements) == 2  # the link's stamp, once per request
    body = second.get_data(as_text=True)
    assert csrf_token_from(body) != csrf_token_from(first)  # each visitor gets their own
    assert head.status_code == 200 and head.get_data() == b""


def test_a_link_previewer_gets_the_page_with_open_graph_tags(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    shop(client, app, stripe_sandbox, message="One hour with our best consultant.")
    slug = the_link(app).slug
    for agent in PREVIEWERS:
        response = app.test_client().get(f"/l/{slug}", headers={"User-Agent": agent})
        body = response.get_data(as_text=True)
        assert response.status_code == 200, agent
        assert '<meta property="og:title" content="Consultation">' in body
        assert (
            '<meta property="og:description" content="One hour with our best consultant.">'
        ) in body
        assert f'<meta property="og:url" content="http://localhost/l/{slug}">' in body
        assert '<meta property="og:type" content="website">' in body
        assert f'<link rel="canonical" href="http://localhost/l/{slug}">' in body
    assert checkouts(app) == []


def test_the_first_action_opens_one_checkout_and_a_reload_resumes_it(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    page, line = adjustable_shop(client, app, stripe_sandbox)
    buyer = app.test_client()
    assert buyer.get(page).status_code == 200
    response = post_form(buyer, page, page + "/quantity", {"line": line, "quantity": "3"},
                         headers=HTMX)  # fmt: skip
    summary = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="summary"' in summary and "<html" not in summary
    assert "SEK1,500.00" in summary
    (opened,) = checkouts(app)
    assert opened.quantities == {line: 3}
    address = response.headers["HX-Replace-Url"]
    assert re.fullmatch(r"/c/[\w-]{43,}", address)
    assert f'action="{address}/quantity"' in summary  # the next change goes to the checkout

    reload = buyer.get(page)
    assert reload.status_code == 302 and reload.headers["Location"] == address
    assert "SEK1,500.00" in buyer.get(address).get_data(as_text=True)
    stale = csrf_token_from(summary)  # a tab still showing the first view posts there again
    data = {"csrf_token": stale, "line": line, "quantity": "2"}
    again = buyer.post(page + "/quantity", data=data)
    assert again.status_code == 302 and again.headers["Location"] == address
    assert [row.quantities for row in checkouts(app)] == [{line: 2}]


def test_a_first_action_without_javascript_opens_the_checkout_and_goes_there(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    page, line = adjustable_shop(client, app, stripe_sandbox)
    buyer = app.test_client()
    response = post_form(buyer, page, page + "/quantity", {"line": line, "quantity": "2"})
    assert response.status_code == 302
    address = response.headers["Location"]
    assert "SEK1,000.00" in buyer.get(address).get_data(as_text=True)
    assert len(checkouts(app)) == 1


def test_details_as_the_first_action_open_the_checkout_and_lead_to_the_pay_step(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    page, _line = adjustable_shop(client, app, stripe_sandbox)
    buyer = app.test_client()
    refused = post_form(buyer, page, page + "/details", {"email": "not an email", "name": "Ada"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="email-error"' in body
    assert 'value="Ada"' in body and 'value="not an email"' in body  # nothing typed is lost
    assert checkouts(app) == []
    details = {"email": "ada@example.com", "name": "Ada Lovelace"}
    htmx = post_form(buyer, page, page + "/details", details, headers=HTMX)
    assert htmx.status_code == 204
    assert re.fullmatch(r"/c/[\w-]{43,}/pay", htmx.headers["HX-Redirect"])
    (opened,) = checkouts(app)
    assert (opened.email, opened.name) == ("ada@example.com", "Ada Lovelace")
    assert buyer.get(page).headers["Location"] + "/pay" == htmx.headers["HX-Redirect"]


def test_a_refused_first_action_opens_nothing_and_keeps_what_was_typed(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    page, line = adjustable_shop(client, app, stripe_sandbox)
    buyer = app.test_client()
    too_many = post_form(buyer, page, page + "/quantity", {"line": line, "quantity": "4"})
    body = too_many.get_data(as_text=True)
    assert too_many.status_code == 422 and "Choose a quantity from 1 to 3." in body
    assert 'value="4"' in body
    code = post_form(buyer, page, page + "/discount", {"code": "NOPE"}, headers=HTMX)
    assert code.status_code == 422
    assert "This code does not work here." in code.get_data(as_text=True)
    method = post_form(buyer, page, page + "/method", {"method": "bitcoin"})
    assert method.status_code == 422
    not_a_line = post_form(buyer, page, page + "/items/999999/add", {})
    assert not_a_line.status_code == 404
    assert checkouts(app) == []
    assert buyer.get(page).status_code == 200  # still a first view


def test_two_browsers_get_two_checkouts(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    page, line = adjustable_shop(client, app, stripe_sandbox)
    first, second = app.test_client(), app.test_client()
    one = post_form(first, page, page + "/quantity", {"line": line, "quantity": "2"})
    other = post_form(second, page, page + "/quantity", {"line": line, "quantity": "3"})
    assert one.headers["Location"] != other.headers["Location"]
    assert sorted(row.quantities[line] for row in checkouts(app)) == [2, 3]
    assert first.get(page).headers["Location"] == one.headers["Location"]
    assert second.get(page).headers["Location"] == other.headers["Location"]


def test_first_actions_sent_at_once_share_one_checkout(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    """A double click, or two tabs: the first view gave the browser its id, so every action
    it sends at once finds the one checkout the first insert made."""
    page, line = adjustable_shop(client, app, stripe_sandbox)
    browser = app.test_client()
    token = csrf_token_from(browser.get(page).get_data(as_text=True))
    answers: list[str] = []

    def act() -> None:
        data = {"csrf_token": token, "line": line, "quantity": "2"}
        answers.append(browser.post(page + "/quantity", data=data).headers["Location"])

    threads = [threading.Thread(target=act) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 8 and len(set(answers)) == 1
    assert len(checkouts(app)) == 1


def test_a_link_edited_by_the_merchant_shows_the_change_on_the_next_view(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    page, _line = adjustable_shop(client, app, stripe_sandbox)
    link_id = the_link(app).id
    app.test_client().get(page)
    assert "Consultation" in app.test_client().get(page).get_data(as_text=True)  # cached
    editor = f"/panel/links/{link_id}"
    form = client.get(editor).get_data(as_text=True)
    fields = dict(re.findall(r'name="(name|currency|message)"[^>]*value="([^"]*)"', form))
    edited = {**fields, "name": "Deep dive", "methods": "card", "billing_address": "",
              "shipping_address": "", "phone": "", "message": "Two hours now."}  # fmt: skip
    saved = post_form(client, editor, editor, edited)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    body = app.test_client().get(page).get_data(as_text=True)
    assert "Deep dive" in body and "Two hours now." in body and "Consultation" not in body


def test_an_inactive_or_used_up_link_is_never_served_from_a_stale_cache(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    page, _line = adjustable_shop(client, app, stripe_sandbox)
    link_id = the_link(app).id
    app.test_client().get(page)
    assert "Your details" in app.test_client().get(page).get_data(as_text=True)  # cached
    deactivate = f"/panel/links/{link_id}/deactivate"
    assert post_form(client, f"/panel/links/{link_id}", deactivate, {}).status_code == 302
    closed = app.test_client().get(page).get_data(as_text=True)
    assert "This payment link is not active." in closed and "Your details" not in closed
    reactivate = f"/panel/links/{link_id}/reactivate"
    assert post_form(client, f"/panel/links/{link_id}", reactivate, {}).status_code == 302
    assert "Your details" in app.test_client().get(page).get_data(as_text=True)

    with app.app_context():  # a limit of one, reached by a payment claimed as it is confirmed
        db.session.execute(
            update(PaymentLink)
            .where(PaymentLink.id == link_id)
            .values(payment_limit=1, paid_count=1)
        )
        db.session.commit()
    used_up = app.test_client().get(page).get_data(as_text=True)
    assert "Your details" not in used_up
    with app.app_context():  # its bank debit bounced: the sale is given back
        db.session.execute(
            update(PaymentLink).where(PaymentLink.id == link_id).values(paid_count=0)
        )
        db.session.commit()
    assert "Your details" in app.test_client().get(page).get_data(as_text=True)


def test_a_first_action_on_a_link_closed_meanwhile_opens_nothing(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    page, line = adjustable_shop(client, app, stripe_sandbox)
    buyer = app.test_client()
    token = csrf_token_from(buyer.get(page).get_data(as_text=True))
    link_id = the_link(app).id
    deactivate = f"/panel/links/{link_id}/deactivate"
    assert post_form(client, f"/panel/links/{link_id}", deactivate, {}).status_code == 302
    data = {"csrf_token": token, "line": line, "quantity": "2"}
    response = buyer.post(page + "/quantity", data=data)
    assert response.status_code == 302 and response.headers["Location"] == page
    assert "This payment link is not active." in buyer.get(page).get_data(as_text=True)
    assert checkouts(app) == []


def test_a_paid_checkout_is_not_resumed_the_link_page_shows_again(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    from app.checkout.models import CheckoutStatus

    page, _line = adjustable_shop(client, app, stripe_sandbox)
    buyer = app.test_client()
    address = start_checkout(buyer, the_link(app).slug)
    with app.app_context():
        db.session.execute(update(CheckoutSession).values(status=CheckoutStatus.PAID))
        db.session.commit()
    again = buyer.get(page)
    assert again.status_code == 200 and "Your details" in again.get_data(as_text=True)
    assert start_checkout(buyer, the_link(app).slug) != address


def _set_product_price(app: Flask, amount: int) -> None:
    """The product's SEK price (in öre) changed as the product editor saves it (an ORM flush)."""
    with app.app_context():
        db.session.scalars(select(Price)).one().unit_amount = amount
        db.session.commit()


def test_a_link_made_unpayable_by_a_lowered_price_closes_on_the_next_view_and_reopens(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    # What the buyer pages keep per public version (whether the link can ever be paid, whether
    # the settings price it) is read again once the product's price changes.
    connected(client, app, stripe_sandbox, "SE", "sek")
    add_product(client, "Mug", "SEK", "500")
    add_payment_link(client, product="1", description="", amount="")
    buyer = app.test_client()
    page = open_as_buyer(app, buyer)
    link_page = f"/l/{the_link(app).slug}"
    unpayable = "The amount due is below the smallest payment we can take in this currency"
    assert "SEK500.00" in buyer.get(page).get_data(as_text=True)
    assert "SEK500.00" in app.test_client().get(link_page).get_data(as_text=True)
    _set_product_price(app, 100)  # SEK 1.00: below Stripe's minimum at any quantity
    closed = buyer.get(page).get_data(as_text=True)
    assert unpayable in closed and "SEK1.00" not in closed
    assert unpayable in app.test_client().get(link_page).get_data(as_text=True)
    _set_product_price(app, 70000)
    reopened = buyer.get(page).get_data(as_text=True)
    assert unpayable not in reopened and "SEK700.00" in reopened
