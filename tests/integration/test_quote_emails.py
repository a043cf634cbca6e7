"""The quotes' periodic task (issue 15): open quotes past their date marked expired, and the
reminder before expiry sent once per quote and day, also when the task runs twice."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from app.extensions import db
from app.quotes.delivery import queue_expiry_reminders
from app.quotes.models import Quote, QuoteDelivery, QuoteDeliveryKind, QuoteStatus
from app.quotes.service import expire_quotes
from tests.support.accounts import sign_up
from tests.support.mailbox import Mailbox
from tests.support.quotes import open_quote, quote_row

TODAY = date.today()


@pytest.fixture
def merchant(client: FlaskClient, app: Flask) -> FlaskClient:
    sign_up(client)
    return client


def run_task(app: Flask, today: date) -> tuple[int, int]:
    with app.app_context():
        expired = expire_quotes(db.session, today)
        reminded = queue_expiry_reminders(db.session, today)
        db.session.commit()
        return expired, reminded


def test_the_reminder_goes_once_before_expiry(
    app: Flask, merchant: FlaskClient, mailbox: Mailbox
) -> None:
    soon_id, _ = open_quote(app, expires_on=TODAY + timedelta(days=2))
    later_id, _ = open_quote(app, expires_on=TODAY + timedelta(days=20))
    assert run_task(app, TODAY) == (0, 1)
    assert run_task(app, TODAY) == (0, 0)  # a second run sends nothing
    email = mailbox.wait_for("grace@example.com", subject="expires")
    assert "Q-" in email.subject and "/q/" in email.text
    (attachment,) = list(email.message.iter_attachments())
    assert attachment.get_filename().endswith(".pdf")
    with app.app_context():
        rows = db.session.scalars(
            select(QuoteDelivery).where(QuoteDelivery.kind == QuoteDeliveryKind.REMINDER)
        ).all()
        assert [(row.quote_id, row.status) for row in rows] == [(soon_id, "sent")]
    assert quote_row(app, later_id).status is QuoteStatus.OPEN


def test_a_quote_past_its_date_is_expired_and_not_reminded(
    app: Flask, merchant: FlaskClient, mailbox: Mailbox
) -> None:
    quote_id, _ = open_quote(app)
    with app.app_context():
        yesterday = TODAY - timedelta(days=1)
        db.session.execute(update(Quote).where(Quote.id == quote_id).values(expires_on=yesterday))
        db.session.commit()
    assert run_task(app, TODAY) == (1, 0)
    assert quote_row(app, quote_id).status is QuoteStatus.EXPIRED
    assert mailbox.messages("grace@example.com") == []
