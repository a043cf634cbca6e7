"""The one flow of a posted form (``app/web/form_views.py``), seen through real panel pages:
saved and sent back, shown again with its errors, a service refusal on its field, HTMX."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from app.extensions import db
from app.settings.models import CheckoutSettings, Fee, TaxRate
from tests.support.accounts import post_form, sign_up
from tests.support.settings import add_fee, add_tax_rate

HTMX = {"HX-Request": "true"}
TAXES = "/panel/settings/taxes"


def _count(app: Flask, model: type[Fee] | type[TaxRate]) -> int:
    """Rows as another session sees them: only what was committed."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_a_valid_form_is_committed_and_the_browser_sent_back(
    client: FlaskClient, app: Flask
) -> None:
    sign_up(client)
    response = add_tax_rate(client, "Moms", "25")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(TAXES)
    assert _count(app, TaxRate) == 1
    page = client.get(TAXES).get_data(as_text=True)
    assert "Tax rate added." in page  # flashed for the page it was sent back to
    assert "Moms" in page


def test_an_invalid_form_is_shown_again_with_422_and_nothing_is_saved(
    client: FlaskClient, app: Flask
) -> None:
    sign_up(client)
    response = add_tax_rate(client, "Moms", "ten")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<html" in page  # the whole page for a plain post
    assert 'id="percent-error"' in page
    assert 'value="Moms"' in page  # what was typed stays
    assert "Tax rate added." not in page
    assert _count(app, TaxRate) == 0


def test_a_service_refusal_is_an_error_on_its_field_and_nothing_is_saved(
    client: FlaskClient, app: Flask
) -> None:
    sign_up(client)
    assert add_fee(client, "Card fee", percent="1.5").status_code == 302
    second = add_fee(client, "Another card fee", percent="2")
    assert second.status_code == 422
    page = second.get_data(as_text=True)
    assert 'id="method-error"' in page
    assert "already has a fee on payments in SEK" in page
    assert _count(app, Fee) == 1

    grossed_up = add_fee(client, "Steep", method="sepa_debit", percent="60", gross_up="y")
    assert grossed_up.status_code == 422
    assert 'id="percent-error"' in grossed_up.get_data(as_text=True)
    assert _count(app, Fee) == 1


def _add_tax_rate_with_htmx(client: FlaskClient, name: str, percent: str) -> TestResponse:
    data = {"name": name, "percent": percent, "country": ""}
    return post_form(client, TAXES, TAXES, data, headers=HTMX)


def test_with_htmx_the_partial_answers_after_a_change_and_after_a_refusal(
    client: FlaskClient, app: Flask
) -> None:
    sign_up(client)
    added = _add_tax_rate_with_htmx(client, "Moms", "25")
    assert added.status_code == 200
    page = added.get_data(as_text=True)
    assert "<html" not in page and 'id="taxes"' in page
    assert "Moms" in page and "Tax rate added." in page
    assert _count(app, TaxRate) == 1

    refused = _add_tax_rate_with_htmx(client, "Reduced", "ten")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "<html" not in page and 'id="percent-error"' in page
    assert _count(app, TaxRate) == 1


def test_a_page_that_posts_to_itself_shows_its_form_with_200_until_posted(
    client: FlaskClient, app: Flask
) -> None:
    sign_up(client)
    page = "/panel/settings/branding"
    assert client.get(page).status_code == 200
    refused = post_form(client, page, page, {"display_name": "Acme", "accent_color": "blue"})
    assert refused.status_code == 422
    assert 'id="accent_color-error"' in refused.get_data(as_text=True)
    with app.app_context():
        assert "blue" not in db.session.scalars(select(CheckoutSettings.accent_color)).all()
    saved = post_form(client, page, page, {"display_name": "Acme", "accent_color": "#3b4cca"})
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(CheckoutSettings.accent_color)).one() == "#3b4cca"
