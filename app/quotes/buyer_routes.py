"""The customer's address of a quote, ``/q/<token>``: the quote as a document in the customer's
language with the merchant's branding, the choices priced on the server, Accept (the terms
ticked, then the typed name) and Decline, and the PDF.

Found by the token only (its digest; a revision takes the address over, so an old link shows
the newest revision): an unknown token, like a draft's, is a plain 404.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from app.checkout.setup import confirmable, setup_page
from app.core.clock import utcnow
from app.core.errors import ServiceError
from app.core.numbers import whole_number
from app.documents.pdf import pdf_response
from app.extensions import db, limiter
from app.merchants.auth import current_user
from app.payments.reasons import gateway_failure_message
from app.processors.gateway import GatewayError, SetupState
from app.quotes import buyer_blueprint, buyer_service, method_setup, service
from app.quotes.delivery import send_acceptance
from app.quotes.document import QuoteDocument
from app.quotes.forms import AcceptQuoteForm, DeclineQuoteForm, PayQuoteForm
from app.quotes.models import Quote, QuoteStatus
from app.quotes.pdf import quote_download_name, quote_pdf
from app.web import rate_limits
from app.web.browser import browser_key
from app.web.form_views import submit_form
from app.web.i18n import address_reader_in
from app.web.page_cache import public_page
from app.web.rendering import go_to, render

# One budget for all of a quote's posts (pricing, accepting, declining, paying).
QUOTE_POSTS_PER_ADDRESS = limiter.shared_limit(
    rate_limits.QUOTE_POSTS_PER_ADDRESS, scope="quote-posts-per-address"
)
QUOTE_POSTS_PER_QUOTE = limiter.shared_limit(
    rate_limits.QUOTE_POSTS_PER_QUOTE, scope="quote-posts", key_func=rate_limits.quote_token
)


def _quote_or_404(token: str) -> Quote:
    quote = service.quote_by_token(db.session, token)
    if quote is None or quote.status is QuoteStatus.DRAFT:
        abort(404)
    address_reader_in(quote.locale)
    return quote


def _page(
    token: str,
    quote: Quote,
    accept_form: AcceptQuoteForm | None = None,
    decline_form: DeclineQuoteForm | None = None,
    quantities: dict[str, int] | None = None,
    pay_form: PayQuoteForm | None = None,
) -> dict[str, Any]:
    page = buyer_service.quote_page(db.session, quote, utcnow().date(), quantities)
    accept_form = accept_form or AcceptQuoteForm(formdata=None, revision=str(quote.id))
    decline_form = decline_form or DeclineQuoteForm(formdata=None, revision=str(quote.id))
    return {
        **page.context(db.session),
        "token": token,
        "accept_form": accept_form,
        "decline_form": decline_form,
        "pay_form": pay_form or PayQuoteForm(formdata=None),
    }


def _staff_of(merchant_id: int) -> bool:
    """Whether the visitor is the merchant's own staff (not the customer)."""
    viewer = current_user()
    return viewer is not None and viewer.merchant_id == merchant_id


def _rendered(token: str) -> Response:
    return render("quotes/buyer.html", **_page(token, _quote_or_404(token)))


@buyer_blueprint.get("/<token>")
def quote_page(token: str) -> Response:
    """The customer's first view is noted once; every view after writes nothing and, like an
    invoice's, comes from the page cache while nothing it shows changed. The merchant's staff
    are not the customer: their view is rendered for them and noted nowhere."""
    stamp = buyer_service.quote_stamp(db.engine, token)
    if stamp is None or stamp.status is QuoteStatus.DRAFT:
        abort(404)
    address_reader_in(stamp.locale)
    if _staff_of(stamp.merchant_id):
        return _rendered(token)
    if not stamp.first_viewed and service.record_first_view(
        db.session, _quote_or_404(token), utcnow()
    ):
        db.session.commit()
    return public_page(stamp.key(utcnow().date()), lambda: _rendered(token))


def _choices(quote: Quote) -> dict[str, int] | None:
    """The posted choices, or None (the page shows its error) when they are refused."""
    try:
        return buyer_service.posted_quantities(quote, request.form)
    except ServiceError:
        return None


@buyer_blueprint.post("/<token>/price")
@QUOTE_POSTS_PER_ADDRESS
@QUOTE_POSTS_PER_QUOTE
def price_choices(token: str) -> Response:
    """The totals for the posted choices (HTMX, or "Update totals" without JavaScript)."""
    quote = _quote_or_404(token)
    form = AcceptQuoteForm()
    choices = None
    if form.validate_on_submit():
        try:
            choices = buyer_service.posted_quantities(quote, request.form)
        except ServiceError as refused:
            form.add_error(refused.field, str(refused.message))
    context = _page(token, quote, accept_form=form, quantities=choices)
    return render("quotes/buyer.html", "quotes/_buyer_totals.html", **context)


def _accept(quote: Quote, form: AcceptQuoteForm) -> Quote:
    accepted = service.accept_quote(
        db.session,
        quote,
        utcnow().date(),
        revision_id=whole_number(form.revision.data) or 0,
        posted_quantities=buyer_service.posted_quantities(quote, request.form),
        agreed_to_terms=bool(form.agree.data),
        evidence=service.Evidence(
            signer_name=form.signature.data or "",
            ip=request.remote_addr or "",
            user_agent=request.headers.get("User-Agent", ""),
            locale=str(get_locale()),
        ),
    )
    send_acceptance(db.session, accepted)
    return accepted


@buyer_blueprint.post("/<token>/accept")
@QUOTE_POSTS_PER_ADDRESS
@QUOTE_POSTS_PER_QUOTE
def accept(token: str) -> Response:
    quote = _quote_or_404(token)
    form = AcceptQuoteForm()
    return submit_form(
        form,
        lambda: _accept(quote, form),
        on_success=lambda _quote: go_to(url_for("quote_buyers.quote_page", token=token)),
        template="quotes/buyer.html",
        context=lambda: _page(token, quote, accept_form=form, quantities=_choices(quote)),
        message=str(_l("Thank you: your acceptance is recorded.")),
    )


@buyer_blueprint.post("/<token>/decline")
@QUOTE_POSTS_PER_ADDRESS
@QUOTE_POSTS_PER_QUOTE
def decline(token: str) -> Response:
    quote = _quote_or_404(token)
    form = DeclineQuoteForm()
    return submit_form(
        form,
        lambda: service.decline_quote(
            db.session,
            quote,
            utcnow().date(),
            revision_id=whole_number(form.revision.data) or 0,
            reason=form.reason.data or "",
        ),
        on_success=lambda _none: go_to(url_for("quote_buyers.quote_page", token=token)),
        template="quotes/buyer.html",
        context=lambda: _page(token, quote, decline_form=form),
    )


@buyer_blueprint.post("/<token>/pay")
@QUOTE_POSTS_PER_ADDRESS
@QUOTE_POSTS_PER_QUOTE
def pay(token: str) -> Response:
    """Pay what is due now: this browser's checkout of it, then ``/c/<token>``."""
    quote = _quote_or_404(token)
    form = PayQuoteForm()
    return submit_form(
        form,
        lambda: buyer_service.open_quote_checkout(
            db.session,
            quote,
            locale=str(get_locale()),
            browser_key=browser_key(),
            today=utcnow().date(),
        ),
        on_success=lambda checkout: go_to(url_for("checkout.checkout_page", token=checkout.token)),
        template="quotes/buyer.html",
        context=lambda: _page(token, quote, pay_form=form),
    )


# Saving the method without a payment (nothing due now), or replacing it after a failed part.

SETUP_OUTCOMES = {
    method_setup.SetupOutcome.SAVED: (
        _l("Your payment method is saved. The later payments are charged to it on their dates."),
        "success",
    ),
    method_setup.SetupOutcome.VERIFYING: (
        _l(
            "Your bank account is being verified. Nothing is charged before then, and this page "
            "shows the saved method once it is done."
        ),
        "info",
    ),
}


def _open_setup(token: str, quote: Quote) -> SetupState | Response:
    """The quote's SetupIntent to confirm, or back to the quote with the reason."""
    try:
        setup = method_setup.open_method_setup(db.session, quote, utcnow().date())
    except ServiceError as refused:
        flash(str(refused.message), "error")
        return redirect(url_for("quote_buyers.quote_page", token=token))
    except GatewayError as error:
        flash(gateway_failure_message(error), "error")
        return redirect(url_for("quote_buyers.quote_page", token=token))
    db.session.commit()
    return setup


@buyer_blueprint.get("/<token>/method")
@QUOTE_POSTS_PER_ADDRESS
@QUOTE_POSTS_PER_QUOTE
def method_page(token: str) -> Response:
    """The Payment Element in setup mode: save (or replace) the method for the later parts."""
    quote = _quote_or_404(token)
    setup = _open_setup(token, quote)
    if isinstance(setup, Response):
        return setup
    if not confirmable(setup):
        return redirect(url_for("quote_buyers.method_returned", token=token))
    return_url = url_for("quote_buyers.method_returned", token=token)
    context = setup_page(db.session, QuoteDocument(quote), setup, return_url=return_url)
    heading = _("Quote %(number)s", number=quote.shown_number)
    updating = bool(quote.saved_method_id)
    return render("checkout/setup.html", heading=heading, updating=updating, **context)


@buyer_blueprint.get("/<token>/method/return")
@QUOTE_POSTS_PER_ADDRESS
@QUOTE_POSTS_PER_QUOTE
def method_returned(token: str) -> Response:
    """Where Stripe sends the customer after confirming the SetupIntent (``setup_intent`` in
    the address is not trusted: the quote's own SetupIntent is read)."""
    quote = _quote_or_404(token)
    if not quote.setup_intent_id:
        return redirect(url_for("quote_buyers.quote_page", token=token))
    try:
        outcome = method_setup.settle_setup(db.session, quote)
    except GatewayError as error:
        flash(gateway_failure_message(error), "error")
        return redirect(url_for("quote_buyers.quote_page", token=token))
    db.session.commit()
    if outcome is method_setup.SetupOutcome.TRY_AGAIN:
        return redirect(url_for("quote_buyers.method_page", token=token))
    message, category = SETUP_OUTCOMES[outcome]
    flash(str(message), category)
    return redirect(url_for("quote_buyers.quote_page", token=token))


@buyer_blueprint.get("/<token>/pdf", endpoint="pdf")
def pdf_for_buyer(token: str) -> Response:
    quote = _quote_or_404(token)
    return pdf_response(quote_pdf(quote), quote_download_name(quote))
