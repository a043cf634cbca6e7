"""The customer's quote page (``/q/<token>``), served like an invoice's: its first view by the
customer is noted once (never the merchant's staff's), every later view writes nothing and
comes from the page cache for the stamp's one query, and whatever changes what the page shows
(a revision, a cancel, an acceptance, a payment, a part of the schedule, the expiry date) shows
on the next view, never a page cached before it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from app.extensions import db
from app.quotes.buyer_service import quote_stamp
from app.quotes.models import PartStatus, PaymentMode, Quote, QuoteEvent, QuotePaymentPart
from app.quotes.pricing import PartSpec
from app.quotes.service import LineInput, cancel_quote, revise_quote
from app.web.page_cache import PageCache
from tests.integration.test_invoice_payments import shown
from tests.integration.test_quote_buyer import accept_data
from tests.integration.test_quote_payments import accepted_quote, press_pay
from tests.support.accounts import post_form, sign_up
from tests.support.invoice_buyers import invoicing_merchant, pay
from tests.support.queries import counted_queries, writes
from tests.support.quotes import open_quote, quote_row
from tests.support.stripe_sandbox import StripeSandbox

TODAY = date.today()


def hits(app: Flask) -> int:
    cache: PageCache = app.extensions["kassa_page_cache"]
    return cache.hits


def view(app: Flask, token: str) -> str:
    """The page as a new visitor sees it."""
    response = app.test_client().get(f"/q/{token}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def cached_view(app: Flask, token: str) -> str:
    """The page as a new visitor sees it, asserted to have come from the cache."""
    view(app, token)  # the first view, if it was not viewed yet
    view(app, token)  # rendered once as viewed, if it was not cached yet
    before = hits(app)
    page = view(app, token)
    assert hits(app) == before + 1
    return page


def viewed_events(app: Flask, quote_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).where(QuoteEvent.quote_id == quote_id, QuoteEvent.kind == "viewed")
        )


def test_the_first_view_writes_once_and_later_views_write_nothing_from_the_cache(
    client: FlaskClient, app: Flask
) -> None:
    sign_up(client)
    quote_id, token = open_quote(app)
    page = f"/q/{token}"
    with counted_queries(app) as staff:
        assert client.get(page).status_code == 200
    assert not [s for s in writes(staff) if "quote" in s.lower()]
    assert quote_row(app, quote_id).first_viewed_at is None
    with counted_queries(app) as first:
        assert app.test_client().get(page).status_code == 200
    assert any(s.lstrip().upper().startswith("UPDATE QUOTES") for s in writes(first))
    assert quote_row(app, quote_id).first_viewed_at is not None
    app.test_client().get(page)  # the page as viewed, rendered once
    before = hits(app)
    with counted_queries(app) as later:
        for _ in range(3):
            response = app.test_client().get(page)
        head = app.test_client().head(page)
    assert writes(later) == []
    assert len(later) == 4  # the quote's stamp, once per request
    assert hits(app) == before + 4
    assert head.status_code == 200 and head.get_data() == b""
    assert "Accept and sign" in response.get_data(as_text=True)
    assert viewed_events(app, quote_id) == 1
    staff_hits = hits(app)
    assert "Accept and sign" in client.get(page).get_data(as_text=True)
    assert hits(app) == staff_hits  # the merchant's look is rendered for them
    assert viewed_events(app, quote_id) == 1


def test_two_quotes_never_share_a_page(client: FlaskClient, app: Flask) -> None:
    sign_up(client)
    _first, first_token = open_quote(app, title="Alpha project")
    _second, second_token = open_quote(app, title="Beta project")
    first = cached_view(app, first_token)
    assert "Alpha project" in first and f"Q-{TODAY.year}-0001" in first
    second = cached_view(app, second_token)
    assert "Beta project" in second and f"Q-{TODAY.year}-0002" in second
    assert "Alpha project" not in second


def test_a_revision_and_a_cancel_show_on_the_next_view(client: FlaskClient, app: Flask) -> None:
    sign_up(client)
    quote_id, token = open_quote(app)
    assert "6,000.00" in cached_view(app, token)
    with app.app_context():
        quote = db.session.get_one(Quote, quote_id)
        revision = revise_quote(db.session, quote, TODAY,
                                lines=(LineInput("Kitchen design", 1, 450000),))  # fmt: skip
        db.session.commit()
        revision_id = revision.id
    revised = cached_view(app, token)
    assert f"Q-{TODAY.year}-0001-2" in revised and "4,500.00" in revised
    with app.app_context():
        cancel_quote(db.session, db.session.get_one(Quote, revision_id))
        db.session.commit()
    canceled = view(app, token)
    assert "This quote was withdrawn." in canceled and "Accept and sign" not in canceled


def test_an_acceptance_shows_and_its_flash_is_not_cached_for_the_next_buyer(
    client: FlaskClient, app: Flask
) -> None:
    sign_up(client)
    quote_id, token = open_quote(app)
    page = f"/q/{token}"
    assert "Accept and sign" in cached_view(app, token)
    buyer = app.test_client()
    assert post_form(buyer, page, f"{page}/accept", accept_data(quote_id)).status_code == 302
    own = buyer.get(page).get_data(as_text=True)
    assert "Thank you: your acceptance is recorded." in own
    for seen in (view(app, token), cached_view(app, token), buyer.get(page).get_data(as_text=True)):
        assert "Accepted and signed by Grace Hopper" in seen and "Accept and sign" not in seen
        assert "Thank you: your acceptance is recorded." not in seen


def test_a_payment_shows_on_the_next_view(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    account, _merchant_id = invoicing_merchant(client, app, stripe_sandbox)
    buyer = app.test_client()
    _quote_id, token = accepted_quote(
        app, buyer, payment_mode=PaymentMode.DEPOSIT, deposit_percent=Decimal(30)
    )
    assert "Pay €1,830.00" in cached_view(app, token)
    pay(app, stripe_sandbox, account, buyer, press_pay(buyer, token))
    paid = view(app, token)
    assert "Paid so far: €1,830.00" in paid and "quote-pay" not in paid


def test_a_part_of_the_schedule_changing_alone_shows_on_the_next_view(
    client: FlaskClient, app: Flask
) -> None:
    sign_up(client)
    later = TODAY + timedelta(days=30)
    parts = (PartSpec(percent=Decimal(50)), PartSpec(percent=Decimal(50), due_on=later))
    quote_id, token = open_quote(app, payment_mode=PaymentMode.SCHEDULE, parts=parts)
    page = f"/q/{token}"
    accepted = post_form(app.test_client(), page, f"{page}/accept", accept_data(quote_id))
    assert accepted.status_code == 302
    assert "Next payment: SEK3,000.00" in cached_view(app, token)
    stamped = quote_row(app, quote_id).updated_at
    with app.app_context():  # as the schedule's engine moves a part: its own row only
        db.session.execute(
            update(QuotePaymentPart)
            .where(QuotePaymentPart.quote_id == quote_id, QuotePaymentPart.due_on == later)
            .values(status=PartStatus.CANCELED)
        )
        db.session.commit()
    assert quote_row(app, quote_id).updated_at == stamped
    assert "Next payment" not in view(app, token)


def test_the_expiry_date_passing_shows_on_the_next_view(client: FlaskClient, app: Flask) -> None:
    sign_up(client)
    quote_id, token = open_quote(app)
    assert shown(cached_view(app, token), "quote-status") == "Open"
    with app.app_context():  # the day after its last day, as the row sees it: nothing else moved
        stamped = db.session.get_one(Quote, quote_id).updated_at
        db.session.execute(
            update(Quote)
            .where(Quote.id == quote_id)
            .values(expires_on=TODAY - timedelta(days=1), updated_at=stamped)
        )
        db.session.commit()
    expired = view(app, token)
    assert shown(expired, "quote-status") == "Expired"
    assert "This quote has expired." in expired and "Accept and sign" not in expired
    with app.app_context():  # the same quote's page is another page on another day
        stamp = quote_stamp(db.engine, token)
    assert stamp is not None
    assert stamp.key(TODAY) != stamp.key(TODAY + timedelta(days=1))
