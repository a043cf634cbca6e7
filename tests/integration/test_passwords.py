"""New passwords must be hard to guess wherever they are chosen (sign-up, password change, reset,
invitation), and a forgotten one can be replaced through an emailed link."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.merchants.models import User
from tests.conftest import csrf_token_from
from tests.integration.test_invitations import invitation_link, invite
from tests.support.accounts import DEFAULT_PASSWORD, emailed_link, log_in, post_form, sign_up
from tests.support.mailbox import Mailbox

CONTEXT = "Choose a password without your email address, your name, your business's name"
COMMON = "This is one of the most common passwords"
PATTERN = "Repeated characters, runs such as 1234 or abcd, keyboard rows and dates"
RESET_SUBJECT = "Choose a new password for Kassa"


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password12", COMMON),
        ("1234567890", COMMON),
        (" " * 10, PATTERN),
        ("anna.svensson@fika.example", CONTEXT),  # the email itself
        ("anna.svensson-2026", CONTEXT),  # its local part
        ("FikaLagom!2026", CONTEXT),  # the shop's name
        ("k4ss4-login-99", CONTEXT),  # the service's name, l33t
        ("qwertyuiopasdf", COMMON),
        ("aaaaaaaaaaaa", PATTERN),
    ],
)
def test_sign_up_refuses_a_weak_password_with_its_reason(
    client: FlaskClient, app: Flask, mailbox: Mailbox, password: str, message: str
) -> None:
    """Issue #18, finding 6: only the length was checked."""
    response = post_form(
        client,
        "/signup",
        "/signup",
        {
            "business_name": "Fika Lagom",
            "country": "SE",
            "currency": "",
            "email": "anna.svensson@fika.example",
            "password": password,
        },
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True).replace("&#39;", "'")
    assert mailbox.messages() == []
    with app.app_context():
        assert db.session.scalars(select(User)).all() == []


def test_the_refusal_is_in_the_readers_language(client: FlaskClient) -> None:
    page = "/signup"
    response = post_form(
        client,
        page,
        page,
        {"business_name": "Fika", "country": "SE", "currency": "", "email": "a@fika.example",
         "password": "password12"},
        headers={"Accept-Language": "sv"},
    )  # fmt: skip
    assert response.status_code == 422
    assert "Det här är ett av de vanligaste lösenorden" in response.get_data(as_text=True)


def test_a_password_change_refuses_the_business_name(client: FlaskClient) -> None:
    sign_up(client, business_name="Nordlys Design")
    response = post_form(
        client,
        "/panel/account",
        "/panel/account",
        {
            "current_password": DEFAULT_PASSWORD,
            "new_password": "nordlysdesign1",
            "confirm_password": "nordlysdesign1",
        },
    )
    assert response.status_code == 422
    assert CONTEXT in response.get_data(as_text=True).replace("&#39;", "'")


def test_an_invitation_refuses_a_common_password(
    client: FlaskClient, app: Flask, mailbox: Mailbox
) -> None:
    sign_up(client)
    invite(client, "sam@example.com")
    link = invitation_link(mailbox, "sam@example.com")
    response = post_form(
        app.test_client(),
        link,
        link,
        {"name": "Sam", "password": "iloveyou123", "confirm_password": "iloveyou123"},
    )
    assert response.status_code == 422
    assert COMMON in response.get_data(as_text=True)


def _ask_for_reset(client: FlaskClient, email: str):  # type: ignore[no-untyped-def]
    return post_form(client, "/password/forgot", "/password/forgot", {"email": email})


def test_a_forgotten_password_is_replaced_through_the_emailed_link(
    app: Flask, mailbox: Mailbox
) -> None:
    laptop, phone = app.test_client(), app.test_client()
    account = sign_up(laptop, email="owner@example.com", business_name="Acme AB")
    log_in(phone, account.email)
    assert "Forgot your password?" in app.test_client().get("/login").get_data(as_text=True)

    stranger = app.test_client()
    asked = _ask_for_reset(stranger, "Owner@Example.com")
    unknown = _ask_for_reset(stranger, "nobody@example.com")
    assert asked.status_code == unknown.status_code == 200
    assert "If an account uses this address" in asked.get_data(as_text=True)
    link = urlsplit(emailed_link("owner@example.com", RESET_SUBJECT)).path
    assert mailbox.messages("nobody@example.com") == []

    page = stranger.get(link)
    assert "Choose a new password" in page.get_data(as_text=True)
    weak = stranger.post(
        link,
        data={"csrf_token": csrf_token_from(page.get_data(as_text=True)),
              "password": "acme-ab-2026", "confirm_password": "acme-ab-2026"},
    )  # fmt: skip
    assert weak.status_code == 422
    assert CONTEXT in weak.get_data(as_text=True).replace("&#39;", "'")
    done = stranger.post(
        link,
        data={"csrf_token": csrf_token_from(page.get_data(as_text=True)),
              "password": "lantern otter ninety", "confirm_password": "lantern otter ninety"},
    )  # fmt: skip
    assert done.headers["Location"] == "/panel/"
    assert stranger.get("/panel/").status_code == 200
    assert laptop.get("/panel/").status_code == 302  # every other session ended
    assert phone.get("/panel/").status_code == 302
    assert app.test_client().get(link).status_code == 404  # once only
    log_in(app.test_client(), account.email, "lantern otter ninety")
    refused = post_form(
        app.test_client(),
        "/login",
        "/login",
        {"email": account.email, "password": DEFAULT_PASSWORD},
    )
    assert refused.status_code == 422


def test_a_reset_link_dies_when_the_password_changes_another_way(
    client: FlaskClient, app: Flask, mailbox: Mailbox
) -> None:
    account = sign_up(client)
    _ask_for_reset(app.test_client(), account.email)
    link = urlsplit(emailed_link(account.email, RESET_SUBJECT)).path
    post_form(
        client,
        "/panel/account",
        "/panel/account",
        {"current_password": DEFAULT_PASSWORD, "new_password": "lantern otter ninety",
         "confirm_password": "lantern otter ninety"},
    )  # fmt: skip
    assert app.test_client().get(link).status_code == 404
    with app.app_context():
        assert db.session.scalars(select(User)).one()
