"""Sign up, log in, log out, change password: what the data and the pages must show."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from app.extensions import db
from app.links.models import PaymentLink
from app.merchants.models import Merchant, Role, User
from app.settings.models import TaxRate
from tests.conftest import csrf_token_from
from tests.support.accounts import emailed_link, log_in, post_form, sign_up
from tests.support.mailbox import Mailbox


def test_sign_up_creates_a_merchant_and_its_owner(client: FlaskClient, app: Flask) -> None:
    sign_up(client, email="Ann@Example.com ", business_name="  Ann's Bakery ", country="DE")

    dashboard = client.get("/panel/")
    assert dashboard.status_code == 200
    assert "Ann&#39;s Bakery" in dashboard.get_data(as_text=True)
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        merchant = db.session.scalars(select(Merchant)).one()
        assert user.email == "ann@example.com"
        assert user.role is Role.OWNER
        assert user.merchant_id == merchant.id
        assert (merchant.name, merchant.country, merchant.default_currency) == (
            "Ann's Bakery",
            "DE",
            "EUR",
        )
        assert merchant.public_id.startswith("mer_")
        assert user.password_hash.startswith("$argon2id$")


def test_sign_up_keeps_an_explicit_currency(client: FlaskClient, app: Flask) -> None:
    sign_up(client, country="SE", currency="EUR")
    with app.app_context():
        assert db.session.scalars(select(Merchant.default_currency)).one() == "EUR"


# What differs between any two responses: the CSRF token (timestamped) and the CSP nonce.
PER_RESPONSE_VALUES = re.compile(
    r'(name="csrf_token"( type="hidden")? value|nonce)="[^"]*"'
    r'|"(inlineScriptNonce|X-CSRFToken)": "[^"]*"'
)


def _probe_sign_up(client: FlaskClient, email: str) -> TestResponse:
    return post_form(
        client,
        "/signup",
        "/signup",
        {
            "business_name": "Probe AB",
            "country": "SE",
            "currency": "",
            "email": email,
            "password": "glass otter ninety lanterns",
        },
    )


def test_sign_up_with_a_registered_email_answers_as_for_a_new_one_and_tells_the_owner(
    app: Flask, mailbox: Mailbox
) -> None:
    """Issue #18, finding 6: the sign-up form told whether an address had an account. Now a
    prober gets the same answer for a registered and a new address; the owner gets an email."""
    sign_up(app.test_client(), email="owner@example.com", business_name="Acme AB")
    prober = app.test_client()
    registered = _probe_sign_up(prober, "Owner@Example.com")
    new = _probe_sign_up(prober, "newcomer@example.com")

    assert registered.status_code == new.status_code == 200
    assert sorted(registered.headers.keys()) == sorted(new.headers.keys())
    assert registered.headers.get("Set-Cookie") is None and new.headers.get("Set-Cookie") is None
    bodies = [
        PER_RESPONSE_VALUES.sub("", response.get_data(as_text=True)).replace(email, "EMAIL")
        for response, email in ((registered, "owner@example.com"), (new, "newcomer@example.com"))
    ]
    assert bodies[0] == bodies[1]
    assert "Check your email" in bodies[0]

    note = mailbox.wait_for("owner@example.com", subject="Someone tried to sign up")
    assert "It already has an account, so nothing was created or changed." in note.text
    assert "http://localhost/login" in note.text
    assert "http://localhost/password/forgot" in note.text
    assert "/signup/confirm/" not in note.text
    assert mailbox.wait_for("newcomer@example.com", subject="Confirm your email")
    with app.app_context():
        assert db.session.scalars(select(Merchant.name)).all() == ["Acme AB"]
    log_in(app.test_client(), "owner@example.com")  # the owner's password is as it was


def test_a_new_account_opens_only_from_its_emailed_link_and_only_once(
    app: Flask, mailbox: Mailbox
) -> None:
    browser = app.test_client()
    _probe_sign_up(browser, "newcomer@example.com")
    with app.app_context():
        assert db.session.scalars(select(User)).all() == []
    assert browser.get("/panel/").status_code == 302
    link = urlsplit(emailed_link("newcomer@example.com", "Confirm your email")).path

    page = browser.get(link)  # opening the link (a mail scanner does) changes nothing
    assert "Open my account" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(User)).all() == []
    opened = browser.post(link, data={"csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert opened.headers["Location"] == "/panel/"
    assert "Probe AB" in browser.get("/panel/").get_data(as_text=True)

    again = app.test_client()
    token = csrf_token_from(again.get(link).get_data(as_text=True))
    assert again.post(link, data={"csrf_token": token}).headers["Location"] == "/login"
    with app.app_context():
        assert len(db.session.scalars(select(User)).all()) == 1
    tampered = link[:-6] + ("AAAAAA" if not link.endswith("AAAAAA") else "BBBBBB")
    assert app.test_client().get(tampered).status_code == 404


def test_log_out_then_log_in(client: FlaskClient) -> None:
    account = sign_up(client)
    response = post_form(client, "/panel/", "/logout", {})
    assert response.status_code == 302
    assert client.get("/panel/").status_code == 302

    log_in(client, account.email, account.password)
    assert client.get("/panel/").status_code == 200


def test_a_cookie_captured_before_logout_opens_nothing_after_it(
    client: FlaskClient, app: Flask
) -> None:
    """Issue #18, finding 4: someone copies the session cookie (a shared computer, a proxy log),
    the owner logs out, and the copy is replayed within its 12 hours."""
    sign_up(client)
    tax_page = client.get("/panel/settings/taxes").get_data(as_text=True)
    captured_cookie = client.get_cookie("kassa_session")
    assert captured_cookie is not None
    captured_csrf = csrf_token_from(tax_page)
    assert post_form(client, "/panel/", "/logout", {}).status_code == 302

    attacker = app.test_client()
    attacker.set_cookie("kassa_session", captured_cookie.value)
    panel = attacker.get("/panel/settings/taxes")
    assert panel.status_code == 302
    assert panel.headers["Location"].startswith("/login")
    assert "Log in" in attacker.get(panel.headers["Location"]).get_data(as_text=True)

    attacker.set_cookie("kassa_session", captured_cookie.value)
    created = attacker.post(
        "/panel/settings/taxes",
        data={"csrf_token": captured_csrf, "name": "Stolen", "percent": "1", "country": ""},
    )
    assert created.status_code == 302
    assert created.headers["Location"].startswith("/login")
    with app.app_context():
        assert db.session.scalars(select(TaxRate)).all() == []


def test_logging_out_in_one_browser_keeps_the_other_signed_in(app: Flask) -> None:
    """Logout ends the session it is sent from; the phone stays signed in when the laptop
    logs out (a password change ends them all)."""
    laptop, phone = app.test_client(), app.test_client()
    account = sign_up(laptop)
    log_in(phone, account.email)
    post_form(laptop, "/panel/", "/logout", {})
    assert laptop.get("/panel/").status_code == 302
    assert phone.get("/panel/").status_code == 200


def test_wrong_password_gives_one_message_for_every_cause(client: FlaskClient) -> None:
    sign_up(client)
    post_form(client, "/panel/", "/logout", {})
    wrong_password = post_form(
        client, "/login", "/login", {"email": "owner@example.com", "password": "nope-nope-nope"}
    )
    unknown_email = post_form(
        client, "/login", "/login", {"email": "nobody@example.com", "password": "nope-nope-nope"}
    )
    for response in (wrong_password, unknown_email):
        assert response.status_code == 422
        assert "Email or password is incorrect." in response.get_data(as_text=True)
    assert 'value="nobody@example.com"' in unknown_email.get_data(as_text=True)


def test_login_returns_to_the_page_asked_for_but_never_off_site(client: FlaskClient) -> None:
    account = sign_up(client)
    post_form(client, "/panel/", "/logout", {})
    assert client.get("/panel/team").headers["Location"] == "/login?next=/panel/team"
    response = post_form(
        client,
        "/login",
        "/login?next=/panel/team",
        {"email": account.email, "password": account.password},
    )
    assert response.headers["Location"] == "/panel/team"
    post_form(client, "/panel/", "/logout", {})
    response = post_form(
        client,
        "/login",
        "/login?next=//evil.example/x",
        {"email": account.email, "password": account.password},
    )
    assert response.headers["Location"] == "/panel/"


def test_password_change_ends_other_sessions(app: Flask) -> None:
    first, second = app.test_client(), app.test_client()
    account = sign_up(first)
    log_in(second, account.email)

    response = post_form(
        first,
        "/panel/account",
        "/panel/account",
        {
            "current_password": account.password,
            "new_password": "a brand new secret",
            "confirm_password": "a brand new secret",
        },
    )
    assert response.status_code == 302
    assert first.get("/panel/").status_code == 200
    assert second.get("/panel/").status_code == 302

    fresh = app.test_client()
    log_in(fresh, account.email, "a brand new secret")


def test_password_change_requires_the_current_password(client: FlaskClient) -> None:
    sign_up(client)
    response = post_form(
        client,
        "/panel/account",
        "/panel/account",
        {
            "current_password": "not my password",
            "new_password": "a brand new secret",
            "confirm_password": "a brand new secret",
        },
    )
    assert response.status_code == 422
    assert "Your current password is not correct." in response.get_data(as_text=True)


def test_login_is_rate_limited(app_settings: dict[str, str]) -> None:
    from app import create_app

    limited = create_app({**app_settings, "KASSA_LOGIN_RATE_LIMIT": "3 per minute"})
    client = limited.test_client()
    statuses = [
        post_form(
            client, "/login", "/login", {"email": "x@example.com", "password": "wrong-password"}
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [422, 422, 422, 429]
    refused = post_form(
        client,
        "/login",
        "/login",
        {"email": "x@example.com", "password": "wrong-password"},
        headers={"Accept-Language": "sv"},
    )
    assert refused.status_code == 429
    assert "För många försök" in refused.get_data(as_text=True)


def test_the_seeded_demo_owner_logs_in_through_the_form(app: Flask, client: FlaskClient) -> None:
    result = app.test_cli_runner().invoke(args=["kassa", "seed-demo"])
    assert result.exit_code == 0, result.output
    password = result.output.split("demo@kassa.test / ")[1].split()[0]
    log_in(client, "demo@kassa.test", password)
    assert "Kassa Demo Shop" in client.get("/panel/").get_data(as_text=True)

    again = app.test_cli_runner().invoke(args=["kassa", "seed-demo"])
    assert f"demo@kassa.test / {password}" in again.output
    assert "(created)" not in again.output


def test_the_demo_has_one_payment_link_to_open(app: Flask, client: FlaskClient) -> None:
    first = app.test_cli_runner().invoke(args=["kassa", "seed-demo"]).output
    address = first.split("Demo payment link: ")[1].split()[0]
    assert (
        address
        == app.test_cli_runner()
        .invoke(args=["kassa", "seed-demo"])
        .output.split("Demo payment link: ")[1]
        .split()[0]
    )
    slug = address.rsplit("/l/", 1)[1]
    with app.app_context():
        [link] = db.session.scalars(select(PaymentLink)).all()
        assert link.slug == slug and [line.title for line in link.lines] == [
            "Ceramics workshop seat",
            "Linen apron",
        ]
