"""A buyer on a payment link's page, as the integration tests drive it: the page (``/l/<slug>``)
opens no checkout; the buyer's first action does."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.support.accounts import post_form


def start_checkout(buyer: FlaskClient, slug: str) -> str:
    """The buyer's first action on the link's page (here: the country form sent as it is,
    which changes nothing) opens their checkout; returns its page's path, ``/c/<token>``."""
    page = f"/l/{slug}"
    response = post_form(buyer, page, page + "/country", {"country": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    return str(response.headers["Location"])
