"""Making merchants the way a person does: through the sign-up form, the emailed link and the
login form."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask.testing import FlaskClient

from tests.conftest import csrf_token_from
from tests.support.mailbox import running_mailbox

DEFAULT_PASSWORD = "correct horse battery"
EMAILED_LINK = re.compile(r"https?://\S+")


def emailed_link(to: str, subject: str = "", path: str = "") -> str:
    """The first address (under ``path``) in the newest email to ``to`` about ``subject``,
    which is taken from the mailbox."""
    email = running_mailbox().take(to.strip().lower(), subject, containing=path)
    found = [link for link in EMAILED_LINK.findall(email.text) if path in link]
    assert found, email.text
    return found[0]


def sign_up_link_path(email: str) -> str:
    """The path of the link that opens the account just signed up for with ``email`` (in
    whatever language the email is)."""
    return urlsplit(emailed_link(email, path="/signup/confirm/")).path


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
    assert response.status_code == 200, response.get_data(as_text=True)
    confirmation = sign_up_link_path(email)
    token = csrf_token_from(client.get(confirmation).get_data(as_text=True))
    opened = client.post(confirmation, data={"csrf_token": token})
    assert opened.status_code == 302, opened.get_data(as_text=True)
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
