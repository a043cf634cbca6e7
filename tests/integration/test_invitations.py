"""Inviting staff: the email a real SMTP server receives, and what its link allows."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.merchants.models import Invitation, Role, User
from tests.support.accounts import post_form, sign_up
from tests.support.mailbox import Mailbox

LINK = re.compile(r"http://localhost/invitations/(\S+)")


def invite(owner: FlaskClient, email: str, locale: str = "en"):  # type: ignore[no-untyped-def]
    return post_form(
        owner, "/panel/team", "/panel/team/invitations", {"email": email, "locale": locale}
    )


def invitation_link(mailbox: Mailbox, email: str) -> str:
    message = mailbox.messages(email)[-1]
    match = LINK.search(message.text)
    assert match, message.text
    return "/invitations/" + match.group(1)


def join(
    app: Flask, link: str, name: str = "Sam", password: str = "harbour lantern 7"
) -> FlaskClient:
    staff = app.test_client()
    response = post_form(
        staff, link, link, {"name": name, "password": password, "confirm_password": password}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return staff


def invite_and_join(owner: FlaskClient, app: Flask, mailbox: Mailbox, email: str) -> FlaskClient:
    """A logged-in staff member of the owner's merchant, who joined through the emailed link."""
    assert invite(owner, email).status_code == 200
    return join(app, invitation_link(mailbox, email))


def test_invitation_email_reaches_the_smtp_server(client: FlaskClient, mailbox: Mailbox) -> None:
    sign_up(client, business_name="Acme AB")
    response = invite(client, "Sam@Example.com ", locale="sv")
    assert response.status_code == 200
    message = mailbox.wait_for("sam@example.com")
    assert message.subject == "Du är inbjuden till Acme AB på Kassa"
    assert message.message["Content-Language"] == "sv"
    assert "Välj ditt lösenord" in message.text
    assert "Tacka ja till inbjudan" in message.html
    assert LINK.search(message.text)


def test_accepting_makes_a_staff_user_of_the_same_merchant(
    client: FlaskClient, app: Flask, mailbox: Mailbox
) -> None:
    sign_up(client)
    invite(client, "sam@example.com")
    staff = join(app, invitation_link(mailbox, "sam@example.com"), name="Sam Berg")
    assert staff.get("/panel/").status_code == 200
    with app.app_context():
        owner, member = db.session.scalars(select(User).order_by(User.id)).all()
        assert (member.email, member.name, member.role) == (
            "sam@example.com",
            "Sam Berg",
            Role.STAFF,
        )
        assert member.merchant_id == owner.merchant_id


def test_a_link_works_once(client: FlaskClient, app: Flask, mailbox: Mailbox) -> None:
    sign_up(client)
    invite(client, "sam@example.com")
    link = invitation_link(mailbox, "sam@example.com")
    join(app, link)
    again = app.test_client().get(link)
    assert again.status_code == 404
    assert "This invitation is not valid" in again.get_data(as_text=True)


def test_resending_replaces_the_old_link_and_revoking_ends_it(
    client: FlaskClient, app: Flask, mailbox: Mailbox
) -> None:
    sign_up(client)
    invite(client, "sam@example.com")
    first_link = invitation_link(mailbox, "sam@example.com")
    with app.app_context():
        invitation_id = db.session.scalars(select(Invitation.id)).one()
    post_form(client, "/panel/team", f"/panel/team/invitations/{invitation_id}/resend", {})
    second_link = invitation_link(mailbox, "sam@example.com")
    assert first_link != second_link
    assert app.test_client().get(first_link).status_code == 404
    assert app.test_client().get(second_link).status_code == 200

    with app.app_context():
        open_id = db.session.scalars(
            select(Invitation.id).where(Invitation.revoked_at.is_(None))
        ).one()
    response = post_form(client, "/panel/team", f"/panel/team/invitations/{open_id}/revoke", {})
    assert "Invitation to sam@example.com revoked." in response.get_data(as_text=True)
    assert app.test_client().get(second_link).status_code == 404


def test_an_expired_link_is_refused(client: FlaskClient, app: Flask, mailbox: Mailbox) -> None:
    sign_up(client)
    invite(client, "sam@example.com")
    link = invitation_link(mailbox, "sam@example.com")
    with app.app_context():
        invitation = db.session.scalars(select(Invitation)).one()
        invitation.expires_at = invitation.created_at - timedelta(seconds=1)
        db.session.commit()
    assert app.test_client().get(link).status_code == 404


def test_existing_users_cannot_be_invited(client: FlaskClient, mailbox: Mailbox) -> None:
    sign_up(client, email="owner@example.com")
    response = invite(client, "owner@example.com")
    assert response.status_code == 422
    assert "An account with this email already exists" in response.get_data(as_text=True)
    assert mailbox.messages() == []


def test_the_owner_removes_staff(client: FlaskClient, app: Flask, mailbox: Mailbox) -> None:
    sign_up(client)
    invite(client, "sam@example.com")
    staff = join(app, invitation_link(mailbox, "sam@example.com"))
    with app.app_context():
        member_id = db.session.scalars(select(User.id).where(User.role == Role.STAFF)).one()
    response = post_form(client, "/panel/team", f"/panel/team/members/{member_id}/remove", {})
    assert "sam@example.com was removed from the team." in response.get_data(as_text=True)
    assert staff.get("/panel/").status_code == 302
