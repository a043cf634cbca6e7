"""Making merchants the way a person does: through the sign-up and login forms."""

from __future__ import annotations

from dataclasses import dataclass

from flask.testing import FlaskClient

from tests.conftest import csrf_token_from

DEFAULT_PASSWORD = "correct horse battery"


@dataclass
class Account:
    email: str
    password: str
    business_name: str


def sign_up(
    client: FlaskClient,
    email: str = "owner@example.com",
    business_name: str = "Acme AB",
    country: str = "SE",
    password: str = DEFAULT_PASSWORD,
    currency: str = "",
) -> Account:
    token = csrf_token_from(client.get("/signup").get_data(as_text=True))
    response = client.post(
        "/signup",
        data={
            "csrf_token": token,
            "business_name": business_name,
            "country": country,
            "currency": currency,
            "email": email,
            "password": password,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return Account(email, password, business_name)


def log_in(client: FlaskClient, email: str, password: str = DEFAULT_PASSWORD) -> None:
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"csrf_token": token, "email": email, "password": password}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def post_form(client: FlaskClient, page: str, action: str, data: dict[str, str], **kwargs: object):  # type: ignore[no-untyped-def]
    """Submit a form found on ``page`` to ``action`` with the page's CSRF token."""
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    return client.post(action, data={"csrf_token": token, **data}, **kwargs)
