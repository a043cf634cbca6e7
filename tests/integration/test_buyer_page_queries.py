"""The buyer's checkout page and its HTMX partials run at most three queries: the checkout
with its merchant, settings and connection; the document with its lines, products, prices and
tax rates (or, for a page kept in the page cache, the link's stamp); and the change itself. The
merchant's currencies, fees, questions and policies are read once per public version. A request
that read more would fail here."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.web.page_cache import PageCache
from tests.conftest import csrf_token_from
from tests.integration.test_checkout import shop, the_link
from tests.support.accounts import post_form
from tests.support.link_buyers import start_checkout
from tests.support.queries import counted_queries, writes
from tests.support.settings import add_custom_field, add_discount, add_fee, add_tax_rate
from tests.support.stripe_sandbox import StripeSandbox

HTMX = {"HX-Request": "true"}
MOST = 3


def buyer_with_choices(
    client: FlaskClient, app: Flask, sandbox: StripeSandbox
) -> tuple[FlaskClient, str, str]:
    """A buyer whose checkout has a quantity, a discount code and a method chosen, of a link
    of a merchant with a fee, a tax rate, a question and a policy: (buyer, page, line id)."""
    shop(client, app, sandbox, adjustable_quantity="y", max_quantity="5")
    add_fee(client)
    add_tax_rate(client)
    add_discount(client, "SPRING25")
    add_custom_field(client, "Company")
    page = "/panel/settings/policies"
    post_form(client, page, page, {"kind": "terms", "locale": "en", "url": "", "text": "Terms."})
    buyer = app.test_client()
    checkout = start_checkout(buyer, the_link(app).slug)
    line = str(the_link(app).lines[0].id)
    for action, data in (
        ("/quantity", {"line": line, "quantity": "2"}),
        ("/discount", {"code": "SPRING25"}),
        ("/method", {"method": "card"}),
    ):
        assert post_form(buyer, checkout, checkout + action, data).status_code == 302
    return buyer, checkout, line


def test_the_checkout_page_of_a_buyer_with_choices_runs_two_queries_or_three_rendered(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    buyer, checkout, _line = buyer_with_choices(client, app, stripe_sandbox)
    buyer.get(checkout)  # this worker reads the merchant's settings once, and keeps the page
    with counted_queries(app) as statements:
        response = buyer.get(checkout)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Discount (SPRING25)" in body and "Company" in body
    assert len(statements) <= MOST - 1, statements
    assert writes(statements) == []
    kept = app.extensions["kassa_page_cache"]
    app.extensions["kassa_page_cache"] = PageCache(kept.entries)  # nothing kept: rendered
    try:
        with counted_queries(app) as statements:
            rendered = buyer.get(checkout)
    finally:
        app.extensions["kassa_page_cache"] = kept
    assert rendered.status_code == 200 and "Discount (SPRING25)" in rendered.get_data(as_text=True)
    assert len(statements) <= MOST, statements
    assert writes(statements) == []


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("/quantity", {"quantity": "3"}),
        ("/method", {"method": "card"}),
        ("/country", {"country": "SE"}),
        ("/quantity", {"quantity": "99"}),  # refused: the summary with the error
    ],
    ids=["quantity", "method", "country", "refused quantity"],
)
def test_a_summary_update_runs_at_most_three_queries(
    action: str,
    data: dict[str, str],
    client: FlaskClient,
    app: Flask,
    stripe_sandbox: StripeSandbox,
) -> None:
    buyer, checkout, line = buyer_with_choices(client, app, stripe_sandbox)
    token = csrf_token_from(buyer.get(checkout).get_data(as_text=True))
    form = {"csrf_token": token, "line": line, **data}
    with counted_queries(app) as statements:
        response = buyer.post(checkout + action, data=form, headers=HTMX)
    assert response.status_code in (200, 422)
    assert 'id="summary"' in response.get_data(as_text=True)
    assert len(statements) <= MOST, statements
    if response.status_code == 200:
        assert len(writes(statements)) <= 1  # the change, if it changed anything


def test_the_details_partial_runs_at_most_three_queries(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    buyer, checkout, _line = buyer_with_choices(client, app, stripe_sandbox)
    token = csrf_token_from(buyer.get(checkout).get_data(as_text=True))
    with counted_queries(app) as statements:
        response = buyer.post(
            checkout + "/details", data={"csrf_token": token, "email": "nope"}, headers=HTMX
        )
    assert response.status_code == 422 and 'id="details"' in response.get_data(as_text=True)
    assert len(statements) <= MOST, statements
