"""The quotes' core (issue 15): numbers from the quote series, revisions that supersede the old
row and take its address, acceptance once only (also from two tabs at the same moment) with
its evidence, declining, expiry, canceling, duplicating, the first view written once, the
countersignature, and the buyer's choices checked on the server."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.core.clock import utcnow
from app.core.errors import ServiceError
from app.extensions import db
from app.merchants.models import User
from app.quotes.models import PartStatus, PaymentMode, Quote, QuoteEvent, QuoteStatus
from app.quotes.paying import payable_now
from app.quotes.pricing import PartSpec
from app.quotes.service import (
    Evidence,
    LineInput,
    accept_quote,
    buyer_token,
    cancel_quote,
    countersign_quote,
    decline_quote,
    duplicate_quote,
    expire_quotes,
    quote_by_token,
    record_first_view,
    revise_quote,
    shown_status,
)
from tests.conftest import SECRET_KEY
from tests.integration.test_invoice_core import in_threads
from tests.support.accounts import sign_up
from tests.support.payments import merchant_id
from tests.support.quotes import DEFAULT_LINES, draft_quote, open_quote, quote_row

TODAY = date.today()
EVIDENCE = Evidence("Grace Hopper", "203.0.113.9", "Mozilla/5.0 (test)", "en")


@pytest.fixture
def merchant(client: FlaskClient, app: Flask) -> int:
    sign_up(client)
    return merchant_id(app)


def accept(app: Flask, quote_id: int, **overrides: object) -> Quote:
    arguments: dict[str, object] = {
        "revision_id": quote_id,
        "posted_quantities": {},
        "agreed_to_terms": True,
        "evidence": EVIDENCE,
    }
    arguments.update(overrides)
    with app.app_context():
        quote = db.session.get(Quote, quote_id)
        assert quote is not None
        accept_quote(db.session, quote, TODAY, **arguments)  # type: ignore[arg-type]
        db.session.commit()
    return quote_row(app, quote_id)


def events(app: Flask, quote_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(QuoteEvent.kind)
                .where(QuoteEvent.quote_id == quote_id)
                .order_by(QuoteEvent.id)
            )
        )


def test_a_sent_quote_is_numbered_priced_and_has_an_address(app: Flask, merchant: int) -> None:
    first_id, token = open_quote(app)
    second_id, _ = open_quote(app)
    first, second = quote_row(app, first_id), quote_row(app, second_id)
    assert first.status is QuoteStatus.OPEN
    assert first.shown_number == f"Q-{TODAY.year}-0001"
    assert second.shown_number == f"Q-{TODAY.year}-0002"
    # 4000 + 4 x 500; the optional installation is not in the total until chosen
    assert first.total == 600000
    assert first.expires_on == TODAY + timedelta(days=30)
    with app.app_context():
        found = quote_by_token(db.session, token)
        assert found is not None and found.id == first_id
        assert buyer_token(found, SECRET_KEY) == token
        assert quote_by_token(db.session, token + "x") is None
        assert quote_by_token(db.session, "") is None


def test_a_draft_has_no_number_and_no_address(app: Flask, merchant: int) -> None:
    quote = quote_row(app, draft_quote(app))
    assert quote.number is None and quote.token_digest is None
    assert quote.status is QuoteStatus.DRAFT


def test_a_revision_supersedes_the_old_row_and_takes_its_address(app: Flask, merchant: int) -> None:
    quote_id, token = open_quote(app)
    with app.app_context():
        quote = db.session.get(Quote, quote_id)
        assert quote is not None
        revision = revise_quote(
            db.session, quote, TODAY, lines=(LineInput("Kitchen design", 1, 450000),)
        )
        db.session.commit()
        revision_id = revision.id
        shown = quote_by_token(db.session, token)
        assert shown is not None and shown.id == revision_id
    old, new = quote_row(app, quote_id), quote_row(app, revision_id)
    assert old.status is QuoteStatus.SUPERSEDED and old.superseded_by_id == revision_id
    assert old.token_digest is None
    assert new.shown_number == f"Q-{TODAY.year}-0001-2" and new.total == 450000
    assert new.status is QuoteStatus.OPEN
    # the old revision can be neither accepted (a tab left open on it) nor revised again
    with pytest.raises(ServiceError, match="revised"):
        accept(app, quote_id)
    with pytest.raises(ServiceError, match="revised"):
        accept(app, revision_id, revision_id=quote_id)
    assert accept(app, revision_id).status is QuoteStatus.ACCEPTED
    assert "superseded" in events(app, quote_id)
    assert events(app, revision_id)[0] == "revised"


def test_accepting_keeps_the_evidence_and_fixes_the_parts(app: Flask, merchant: int) -> None:
    quote_id, _ = open_quote(
        app,
        payment_mode=PaymentMode.SCHEDULE,
        parts=(
            PartSpec(percent=Decimal(30)),
            PartSpec(percent=Decimal(40), due_on=TODAY + timedelta(days=30)),
            PartSpec(percent=Decimal(30), due_on=TODAY + timedelta(days=60)),
        ),
    )
    accepted = accept(app, quote_id, posted_quantities={"1": 6, "2": 1})
    assert accepted.status is QuoteStatus.ACCEPTED
    # 4000 + 6 x 500 + the installation's 1000, as the buyer chose
    assert accepted.total == 800000
    assert accepted.chosen_quantities == {"0": 1, "1": 6, "2": 1}
    assert accepted.signer_name == "Grace Hopper"
    assert accepted.signer_ip == "203.0.113.9"
    assert accepted.signer_user_agent == "Mozilla/5.0 (test)"
    assert len(accepted.shown_digest) == 64
    int(accepted.shown_digest, 16)
    assert accepted.accepted_at is not None and accepted.signed_at is not None
    with app.app_context():
        quote = db.session.get(Quote, quote_id)
        assert quote is not None
        assert [part.amount for part in quote.parts] == [240000, 320000, 240000]
        assert all(part.status is PartStatus.SCHEDULED for part in quote.parts)
        assert payable_now(quote, TODAY) == 240000
    assert events(app, quote_id)[-1] == "accepted"


def test_the_digest_is_of_what_was_shown(app: Flask, merchant: int) -> None:
    """Two quotes alike but for a chosen quantity have different digests; the same choices on
    the same content give the same digest (it is a hash of content, not of a time)."""
    one, _ = open_quote(app)
    two, _ = open_quote(app)
    three, _ = open_quote(app)
    a = accept(app, one, posted_quantities={"1": 3}).shown_digest
    b = accept(app, two, posted_quantities={"1": 4}).shown_digest
    c = accept(app, three, posted_quantities={"1": 3}).shown_digest
    assert a != b
    assert a != c  # the number differs
    assert all(hashlib.sha256(b"").hexdigest() != digest for digest in (a, b, c))


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({"1": 9}, "within the limits"),  # above the largest
        ({"1": 1}, "within the limits"),  # below the smallest
        ({"0": 2}, "within the limits"),  # a quantity the buyer may not change
        ({"7": 1}, "within the limits"),  # a line that does not exist
        ({"1": -1}, "within the limits"),
    ],
)
def test_choices_outside_the_limits_are_refused_and_nothing_is_accepted(
    app: Flask, merchant: int, posted: dict[str, int], message: str
) -> None:
    quote_id, _ = open_quote(app)
    with pytest.raises(ServiceError, match=message):
        accept(app, quote_id, posted_quantities=posted)
    assert quote_row(app, quote_id).status is QuoteStatus.OPEN


def test_the_terms_come_before_the_signature(app: Flask, merchant: int) -> None:
    quote_id, _ = open_quote(app)
    with pytest.raises(ServiceError, match="agree"):
        accept(app, quote_id, agreed_to_terms=False)
    with pytest.raises(ServiceError, match="full name"):
        accept(app, quote_id, evidence=Evidence("  ", "203.0.113.9", "ua", "en"))
    assert quote_row(app, quote_id).status is QuoteStatus.OPEN


def test_a_click_acceptance_needs_no_typed_name(app: Flask, merchant: int) -> None:
    from app.quotes.models import AcceptanceMode

    quote_id, _ = open_quote(app, acceptance_mode=AcceptanceMode.CLICK)
    accepted = accept(app, quote_id, evidence=Evidence("", "203.0.113.9", "ua", "en"))
    assert accepted.status is QuoteStatus.ACCEPTED and accepted.signer_name == ""


def test_a_quote_is_accepted_once_even_from_two_tabs_at_once(app: Flask, merchant: int) -> None:
    quote_id, _ = open_quote(app)

    def tab(n: int) -> str:
        with app.app_context():
            quote = db.session.get(Quote, quote_id)
            assert quote is not None
            accept_quote(
                db.session,
                quote,
                TODAY,
                revision_id=quote_id,
                posted_quantities={"1": 2 + n},
                agreed_to_terms=True,
                evidence=Evidence(f"Signer {n}", "203.0.113.9", "ua", "en"),
            )
            db.session.commit()
            return quote.signer_name

    results = in_threads(2, tab)
    refused = [r for r in results if isinstance(r, ServiceError)]
    won = [r for r in results if isinstance(r, str)]
    assert len(won) == 1 and len(refused) == 1, results
    stored = quote_row(app, quote_id)
    assert stored.signer_name == won[0]
    assert events(app, quote_id).count("accepted") == 1


def test_accept_against_decline_at_once_one_wins(app: Flask, merchant: int) -> None:
    quote_id, _ = open_quote(app)

    def act(n: int) -> str:
        with app.app_context():
            quote = db.session.get(Quote, quote_id)
            assert quote is not None
            if n == 0:
                accept_quote(
                    db.session, quote, TODAY, revision_id=quote_id, posted_quantities={},
                    agreed_to_terms=True, evidence=EVIDENCE,
                )  # fmt: skip
            else:
                decline_quote(db.session, quote, TODAY, revision_id=quote_id, reason="Too dear")
            db.session.commit()
            return "done"

    results = in_threads(2, act)
    assert results.count("done") == 1, results
    stored = quote_row(app, quote_id)
    assert stored.status in (QuoteStatus.ACCEPTED, QuoteStatus.DECLINED)
    assert (stored.decline_reason == "Too dear") == (stored.status is QuoteStatus.DECLINED)


def test_a_declined_quote_keeps_the_reason_and_cannot_be_accepted(
    app: Flask, merchant: int
) -> None:
    quote_id, _ = open_quote(app)
    with app.app_context():
        quote = db.session.get(Quote, quote_id)
        assert quote is not None
        decline_quote(db.session, quote, TODAY, revision_id=quote_id, reason="  Too dear  ")
        db.session.commit()
    stored = quote_row(app, quote_id)
    assert stored.status is QuoteStatus.DECLINED and stored.decline_reason == "Too dear"
    with pytest.raises(ServiceError, match="declined"):
        accept(app, quote_id)


def test_an_expired_quote_cannot_be_accepted(app: Flask, merchant: int) -> None:
    quote_id, _ = open_quote(app, expires_on=TODAY + timedelta(days=1))
    with app.app_context():
        quote = db.session.get(Quote, quote_id)
        assert quote is not None
        later = TODAY + timedelta(days=2)
        assert shown_status(quote, later) is QuoteStatus.EXPIRED
        with pytest.raises(ServiceError, match="expired"):
            accept_quote(
                db.session, quote, later, revision_id=quote_id, posted_quantities={},
                agreed_to_terms=True, evidence=EVIDENCE,
            )  # fmt: skip
        db.session.rollback()
        assert expire_quotes(db.session, TODAY + timedelta(days=1)) == 0  # the last day counts
        assert expire_quotes(db.session, later) == 1
        assert expire_quotes(db.session, later) == 0
        db.session.commit()
    assert quote_row(app, quote_id).status is QuoteStatus.EXPIRED


def test_a_canceled_quote_says_so(app: Flask, merchant: int) -> None:
    quote_id, _ = open_quote(app)
    with app.app_context():
        quote = db.session.get(Quote, quote_id)
        assert quote is not None
        cancel_quote(db.session, quote)
        db.session.commit()
        with pytest.raises(ServiceError):
            cancel_quote(db.session, quote)
    with pytest.raises(ServiceError, match="withdrawn"):
        accept(app, quote_id)


def test_a_duplicate_is_a_new_draft_without_number_or_evidence(app: Flask, merchant: int) -> None:
    quote_id, _ = open_quote(app)
    accept(app, quote_id, posted_quantities={"1": 5})
    with app.app_context():
        quote = db.session.get(Quote, quote_id)
        assert quote is not None
        copy = duplicate_quote(db.session, quote)
        db.session.commit()
        copy_id = copy.id
        assert [line.quantity for line in copy.lines] == [line.quantity for line in DEFAULT_LINES]
    copy_row = quote_row(app, copy_id)
    assert copy_row.status is QuoteStatus.DRAFT and copy_row.number is None
    assert copy_row.signer_name == "" and copy_row.chosen_quantities is None
    assert copy_row.total == 600000


def test_the_first_view_is_written_once(app: Flask, merchant: int) -> None:
    quote_id, _ = open_quote(app)
    with app.app_context():
        quote = db.session.get(Quote, quote_id)
        assert quote is not None
        assert record_first_view(db.session, quote, utcnow()) is True
        db.session.commit()
        first = quote.first_viewed_at
        assert record_first_view(db.session, quote, utcnow() + timedelta(hours=1)) is False
        db.session.commit()
    assert quote_row(app, quote_id).first_viewed_at == first
    assert events(app, quote_id).count("viewed") == 1


def test_two_first_views_at_once_write_once(app: Flask, merchant: int) -> None:
    quote_id, _ = open_quote(app)

    def view(_n: int) -> bool:
        with app.app_context():
            quote = db.session.get(Quote, quote_id)
            assert quote is not None
            first = record_first_view(db.session, quote, utcnow())
            db.session.commit()
            return first

    assert sorted(in_threads(2, view)) == [False, True]  # type: ignore[type-var]
    assert events(app, quote_id).count("viewed") == 1


def test_a_countersignature_makes_it_accepted(app: Flask, merchant: int) -> None:
    with app.app_context():
        owner = db.session.scalars(select(User).where(User.merchant_id == merchant)).one()
        owner_id = owner.id
    quote_id, _ = open_quote(app, countersigner_id=owner_id)
    signed = accept(app, quote_id)
    assert signed.status is QuoteStatus.AWAITING_COUNTERSIGNATURE and signed.accepted_at is None
    with app.app_context():
        quote = db.session.get(Quote, quote_id)
        owner = db.session.get(User, owner_id)
        assert quote is not None and owner is not None
        countersign_quote(db.session, quote, owner)
        db.session.commit()
        with pytest.raises(ServiceError):
            countersign_quote(db.session, quote, owner)
    done = quote_row(app, quote_id)
    assert done.status is QuoteStatus.ACCEPTED and done.countersigned_at is not None
    assert done.countersigner_name


def test_a_countersigner_must_be_of_the_team(
    app: Flask, client: FlaskClient, merchant: int
) -> None:
    client.post("/logout")
    sign_up(client, "other@example.com", "Other AB")
    with app.app_context():
        stranger = db.session.scalars(select(User.id).where(User.merchant_id != merchant)).first()
    with pytest.raises(ServiceError, match="team"):
        draft_quote(app, countersigner_id=stranger)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"payment_mode": PaymentMode.DEPOSIT}, "deposit as a percentage"),
        ({"payment_mode": PaymentMode.DEPOSIT, "deposit_amount": 10**7}, "less than"),
        (
            {"payment_mode": PaymentMode.SCHEDULE, "parts": (PartSpec(percent=Decimal(50)),)},
            "2 to 12",
        ),
        (
            {
                "payment_mode": PaymentMode.SCHEDULE,
                "parts": (
                    PartSpec(percent=Decimal(50)),
                    PartSpec(percent=Decimal(40), due_on=TODAY + timedelta(days=9)),
                ),
            },
            "add up to 100",
        ),
        ({"lines": (LineInput("Extra", 1, 100, optional=True),)}, "not be optional"),
        (
            {"lines": (LineInput("Seats", 5, 100, adjustable=True, min_quantity=6),)},
            "between the smallest",
        ),
        ({"expires_on": TODAY - timedelta(days=1)}, "past"),
    ],
)
def test_plans_and_lines_that_cannot_work_are_refused(
    app: Flask, merchant: int, fields: dict[str, object], message: str
) -> None:
    with pytest.raises(ServiceError, match=message):
        open_quote(app, **fields)  # type: ignore[arg-type]
    with app.app_context():
        sent = db.session.scalar(select(func.count()).where(Quote.number.is_not(None)))
        assert sent == 0
