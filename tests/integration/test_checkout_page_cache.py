"""A buyer's checkout page and the summary a change answers with come from the page cache, and
are never stale: after any change by the buyer (a quantity, a code, a method, the country), by
the merchant (a line's price, the discount behind the code, the link deactivated or used up) or
by other buyers (the code's last use taken), and after a language switch, the page served is
the page rendered afresh, amount for amount."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from werkzeug.test import TestResponse

from app.extensions import db, limiter
from app.links.models import PaymentLink, PaymentLinkLine
from app.settings.models import Discount
from app.web.i18n import LOCALE_COOKIE
from app.web.page_cache import PageCache
from tests.conftest import _rate_limit_store, csrf_token_from
from tests.integration.test_buyer_page_queries import buyer_with_choices
from tests.support.accounts import post_form
from tests.support.queries import counted_queries, writes
from tests.support.stripe_sandbox import StripeSandbox

HTMX = {"HX-Request": "true"}


def hits(app: Flask) -> int:
    cache: PageCache = app.extensions["kassa_page_cache"]
    return cache.hits


@contextmanager
def without_cache(app: Flask) -> Iterator[None]:
    """Every page rendered for its request, as if there were no page cache."""
    kept = app.extensions["kassa_page_cache"]
    app.extensions["kassa_page_cache"] = PageCache(0)
    try:
        yield
    finally:
        app.extensions["kassa_page_cache"] = kept


def comparable(response: TestResponse) -> str:
    """The body with what differs per request (the CSP nonce, the signed CSRF token) blanked."""
    body = response.get_data(as_text=True)
    if 'name="csrf_token"' in body:
        body = body.replace(csrf_token_from(body), "CSRF")
    nonce = re.search(r"'nonce-([^']+)'", response.headers.get("Content-Security-Policy", ""))
    return body.replace(nonce.group(1), "NONCE") if nonce else body


def due_now(body: str) -> str:
    match = re.search(r'data-testid="due-now">([^<]+)<', body)
    assert match, body
    return match.group(1)


def as_served_and_fresh(app: Flask, request: Callable[[], TestResponse]) -> tuple[str, str]:
    with without_cache(app):
        fresh = request()
    served = request()
    assert served.status_code == fresh.status_code
    return comparable(served), comparable(fresh)


def _set_in_db(app: Flask, statement: object) -> None:
    with app.app_context():
        db.session.execute(statement)  # type: ignore[call-overload]
        db.session.commit()


def _line_price(app: Flask, amount: int) -> None:
    """The merchant saves a new price for the link's line (an ORM flush, as the editor does)."""
    with app.app_context():
        line = db.session.scalars(select(PaymentLinkLine)).first()
        assert line is not None
        line.unit_amount = amount
        db.session.commit()


STEPS = st.one_of(
    st.tuples(st.just("quantity"), st.sampled_from(["1", "2", "3", "5", "9"])),
    st.tuples(st.just("discount"), st.sampled_from(["SPRING25", "", "NOPE"])),
    st.tuples(st.just("method"), st.sampled_from(["card", "klarna"])),
    st.tuples(st.just("country"), st.sampled_from(["SE", "DE"])),
    st.tuples(st.just("line price"), st.sampled_from([40000, 50000, 65000])),
    st.tuples(st.just("discount percent"), st.sampled_from([1000, 2500, 5000])),
    st.tuples(st.just("code used up"), st.booleans()),
    st.tuples(st.just("link active"), st.booleans()),
    st.tuples(st.just("link paid out"), st.booleans()),
    st.tuples(st.just("language"), st.sampled_from(["sv", "en"])),
)
START = (
    ("quantity", "2"), ("discount", "SPRING25"), ("method", "card"), ("country", "SE"),
    ("line price", 50000), ("discount percent", 2500), ("code used up", False),
    ("link active", True), ("link paid out", False), ("language", "en"),
)  # fmt: skip


def test_the_served_page_and_summary_are_always_the_ones_rendered_afresh(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    buyer, page, line = buyer_with_choices(client, app, stripe_sandbox)
    link_id = db_link_id(app)

    def make(change: str, value: object) -> None:
        """One change by the buyer (answered with the summary, compared too), the merchant,
        other buyers or the buyer's language."""
        token = csrf_token_from(buyer.get(page).get_data(as_text=True))
        if change in ("quantity", "discount", "method", "country"):
            field = "code" if change == "discount" else change
            form = {"csrf_token": token, "line": line, field: str(value)}
            served, fresh = as_served_and_fresh(
                app, lambda: buyer.post(f"{page}/{change}", data=form, headers=HTMX)
            )
            assert served == fresh  # the summary the change answers with
        elif change == "line price":
            _line_price(app, int(str(value)))
        elif change == "discount percent":
            _set_in_db(app, update(Discount).values(percent_bps=value))
        elif change == "code used up":
            used = update(Discount).values(max_redemptions=1 if value else None, redemption_count=1)
            _set_in_db(app, used)
        elif change == "link active":
            editor = f"/panel/links/{link_id}"
            action = f"{editor}/reactivate" if value else f"{editor}/deactivate"
            assert post_form(client, editor, action, {}).status_code == 302
        elif change == "link paid out":
            _set_in_db(
                app, update(PaymentLink).values(payment_limit=1 if value else None, paid_count=1)
            )
        else:
            buyer.set_cookie(LOCALE_COOKIE, str(value))

    @settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(steps=st.lists(STEPS, min_size=1, max_size=5))
    def sequence(steps: list[tuple[str, object]]) -> None:
        # Every example from the same state, an empty cache and the rate limits' counts as a
        # test starts with them (the start applies the code again), so a failure replays.
        app.extensions["kassa_page_cache"] = PageCache(kept.entries)
        limiter.reset()
        _rate_limit_store(app.config["RATELIMIT_STORAGE_URI"]).reset()
        for change, value in START:
            make(change, value)
        for change, value in steps:
            before = hits(app)
            buyer.get(page)
            buyer.get(page)
            assert hits(app) > before  # the page as it was is kept, before the change
            make(change, value)
            served, fresh = as_served_and_fresh(app, lambda: buyer.get(page))
            assert served == fresh, change
            if 'data-testid="due-now"' in fresh:
                assert due_now(served) == due_now(fresh)

    kept: PageCache = app.extensions["kassa_page_cache"]
    try:
        sequence()
    finally:
        app.extensions["kassa_page_cache"] = kept


def db_link_id(app: Flask) -> int:
    with app.app_context():
        return db.session.scalars(select(PaymentLink.id)).one()


def test_a_reload_is_served_from_the_cache_in_one_query_with_this_requests_nonce_and_token(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    buyer, page, _line = buyer_with_choices(client, app, stripe_sandbox)
    first = buyer.get(page)
    before = hits(app)
    with counted_queries(app) as statements:
        second = buyer.get(page)
    assert hits(app) == before + 1
    assert len(statements) <= 2 and writes(statements) == []
    assert comparable(first) == comparable(second)
    other = app.test_client()  # another browser with the address: its own CSRF token
    other_body = other.get(page).get_data(as_text=True)
    assert csrf_token_from(other_body) != csrf_token_from(second.get_data(as_text=True))


def test_a_summary_kept_for_htmx_is_never_the_answer_to_a_plain_post(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    buyer, page, line = buyer_with_choices(client, app, stripe_sandbox)
    token = csrf_token_from(buyer.get(page).get_data(as_text=True))
    form = {"csrf_token": token, "line": line, "quantity": "3"}
    for _ in range(2):
        assert 'id="summary"' in buyer.post(f"{page}/quantity", data=form, headers=HTMX).get_data(
            as_text=True
        )
    plain = buyer.post(f"{page}/quantity", data=form)
    assert plain.status_code == 302 and plain.headers["Location"] == page
