"""Buyer pages: ``/c/<token>`` is a checkout of a document, found by its token.

Found by token, never by id: the token is the buyer's only key. Each change posts one small
form; HTMX gets the summary back, a plain post a redirect to the page.

A document's own package opens its checkouts. A link's ``/l/<slug>`` is a *first view*
(``first_view_page``): the page a new buyer sees, priced like the merchant's preview and
written nowhere, whose forms post to the document's own first-action addresses
(``first_action``); the first action opens this browser's checkout and makes the change, and the
buyer carries on at ``/c/<token>``. A cart's "Go to checkout" and an invoice's "Pay" open the
checkout themselves. A document may show its merchant a preview of the buyer page
(``preview_page``): the same page from the same context, where nothing can be sent or paid.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel.speaklater import LazyString
from werkzeug.wrappers import Response

from app.checkout import blueprint, later_setup, service
from app.checkout.documents import (
    Closed,
    Document,
    DocumentNotFoundError,
    PageLink,
    document_of,
    document_stamp,
)
from app.checkout.forms import (
    BuyerForm,
    CountryForm,
    DiscountCodeForm,
    MethodForm,
    QuantityForm,
)
from app.checkout.models import CheckoutSession, CheckoutStatus
from app.checkout.page_keys import page_key, summary_key
from app.checkout.setup import confirmable, setup_page
from app.core import pricing
from app.core.clock import utcnow
from app.core.errors import ServiceError
from app.data.sessions import commit_not_waiting_for_the_disk
from app.extensions import db, limiter
from app.merchants.business import seller_details
from app.payments.models import Payment, PaymentStatus
from app.payments.reasons import gateway_failure_message, last_error_message, rejection_reason
from app.payments.receipts import purchase_of, receipt_download
from app.payments.service import PAID
from app.processors.access import publishable_key
from app.processors.gateway import GatewayError, IntentState
from app.settings.labels import METHOD_LABELS, POLICY_LABELS
from app.web import rate_limits
from app.web.browser import browser_key, known_browser_key, remember_browser
from app.web.forms import KassaForm
from app.web.i18n import address_reader_in
from app.web.page_cache import public_page
from app.web.rendering import go_to, render, render_after_change, wants_partial

# Where the page's forms post, by change: a checkout's own addresses.
CHECKOUT_ACTIONS = {
    "quantity": "checkout.change_quantity",
    "discount": "checkout.apply_discount",
    "method": "checkout.choose_method",
    "country": "checkout.choose_country",
    "add": "checkout.add_item",
    "remove": "checkout.remove_item",
    "details": "checkout.save_details",
}
# The changes a first view's forms post (``add`` and ``remove`` name an optional line too).
FIRST_ACTIONS = frozenset(CHECKOUT_ACTIONS)


@dataclass(frozen=True)
class FirstView:
    """A document's public page as a buyer without a checkout of it sees it (``page_url``).
    Its forms post to ``endpoint`` with ``values`` and the change's name (``change``, and
    ``line_id`` for an optional line): the document's route that calls ``first_action``."""

    page_url: str
    endpoint: str
    values: Mapping[str, Any]

    def url(self, change: str, **params: Any) -> str:
        return url_for(self.endpoint, change=change, **self.values, **params)


ActionUrl = Callable[..., str]


def _action_url(checkout: CheckoutSession | None, first_view: FirstView | None) -> ActionUrl | None:
    """Where the page's forms post: the checkout's addresses, the first view's, or nowhere (the
    merchant's preview)."""
    if checkout is not None:
        token = checkout.token
        return lambda change, **params: url_for(CHECKOUT_ACTIONS[change], token=token, **params)
    return first_view.url if first_view is not None else None


def resumed_checkout(document_type: str, document_id: str, merchant_id: int) -> str | None:
    """The address of this browser's open checkout of the document, if it has one: a buyer
    who acted on the page before comes back to it. A browser Kassa never saw is not looked
    up, so a first view reads nothing here."""
    key = known_browser_key()
    if key is None:
        return None
    token = service.open_checkout_token(
        db.session, merchant_id, document_type, document_id, browser_key=key
    )
    return url_for("checkout.checkout_page", token=token) if token else None


def serve_first_view(
    first_view: FirstView, load_document: Callable[[], Document], cache_key: Hashable | None
) -> Response:
    """A document's first view, from the page cache under ``cache_key`` (with the path and
    the language) when the caller proved every new buyer sees it alike (None: rendered for
    this request). A buyer with a message to read gets it rendered for them. The browser gets
    its id in its cookie now (no row is written), so its first actions, even sent at once,
    share one checkout."""
    remember_browser()
    return public_page(cache_key, lambda: first_view_page(load_document(), first_view))


def first_view_page(document: Document, first_view: FirstView) -> Response:
    """The document's page for a new buyer: why nobody can pay it now, or the summary priced
    for a new buyer's choices and the details form, with no checkout: nothing is written."""
    closed = service.document_closed(db.session, document, utcnow().date())
    if closed is not None:
        return _closed_page(document, closed)
    public_url = current_app.extensions["kassa_settings"].public_url
    return render(
        "checkout/checkout.html",
        canonical_url=public_url + first_view.page_url,
        public_url=public_url,
        **_page_context(None, document, first_view=first_view),
    )


def first_action(
    document: Document, first_view: FirstView, change: str, line_id: int | None
) -> Response:
    """A change posted from a first view: the buyer's first action opens this browser's
    checkout of the document (or finds the one it opened meanwhile) and makes the change
    there; a refused change opens nothing. Then the buyer carries on at ``/c/<token>``."""
    if service.document_closed(db.session, document, utcnow().date()) is not None:
        return go_to(first_view.page_url)
    if change == "details":
        return _save_details(None, document, first_view)
    form, form_name, apply = _change_of(change, document, line_id)
    return _change(None, document, form, form_name, apply, first_view=first_view)


def _checkout_or_404(token: str) -> tuple[CheckoutSession, Document]:
    checkout = _only_checkout_or_404(token)
    return checkout, _document_or_404(checkout)


def _only_checkout_or_404(token: str) -> CheckoutSession:
    checkout = service.checkout_by_token(db.session, token)
    if checkout is None:
        abort(404)
    return checkout


def _document_or_404(checkout: CheckoutSession) -> Document:
    try:
        document = document_of(db.session, checkout)
    except DocumentNotFoundError:
        abort(404)
    if document.reader_locale:
        address_reader_in(document.reader_locale)
    return document


def _closed_page(document: Document, closed: Closed | pricing.Refusal, **extra: Any) -> Response:
    """What buyers get instead of the checkout when nobody can pay it now, saying why."""
    return render(
        "checkout/closed.html",
        closed=closed,
        refusal_message=(
            document.refusal_messages[closed] if isinstance(closed, pricing.Refusal) else None
        ),
        **extra,
        **_shell(document),
    )


def _unpriceable(document: Document) -> bool:
    """Whether stored settings keep the pricing engine from pricing this checkout at all."""
    return service.settings_refusal(db.session, document, utcnow().date()) is not None


def _shell(document: Document) -> dict[str, Any]:
    """What every buyer page of this document shows: the merchant's branding and the mode."""
    return {
        "document": document,
        "merchant": service.merchant_of(db.session, document),
        "branding": service.branding_of(db.session, document),
        "test_mode": service.is_test_mode(db.session, document),
    }


def _summary_context(
    checkout: CheckoutSession | None,
    document: Document,
    first_view: FirstView | None = None,
    **forms: Any,
) -> dict[str, Any]:
    """The order summary of a buyer's checkout, of a new buyer's first view (``first_view``:
    no checkout yet), or of the merchant's preview (neither: nothing can be sent)."""
    choices = service.choices_of(checkout) if checkout else service.new_buyer_choices(document)
    summary = service.summarize(db.session, document, choices, utcnow().date())
    adjustable = [line.id for line in document.lines if line.adjustable_quantity]
    code_form = forms.get("code_form") or DiscountCodeForm(formdata=None)
    if not code_form.is_submitted():
        code_form.code.data = choices.discount_code
    method_form = forms.get("method_form") or MethodForm(formdata=None, methods=summary.methods)
    if not method_form.is_submitted():
        method_form.method.data = choices.method
    country_form = forms.get("country_form") or CountryForm(formdata=None)
    if not country_form.is_submitted():
        country_form.country.data = choices.country or ""
    action_url = _action_url(checkout, first_view)
    return {
        "checkout": checkout,
        "action_url": action_url,
        "preview": action_url is None,
        "choices": choices,
        "summary": summary,
        "refusal_message": (
            document.refusal_messages[summary.refusal] if summary.refusal else None
        ),
        "notices": document.notices(checkout.quoted) if checkout else [],
        "method_labels": METHOD_LABELS,
        "quantity_form": forms.get("quantity_form")
        or QuantityForm(formdata=None, line_ids=adjustable),
        "quantity_errors": forms.get("quantity_errors", {}),
        "item_form": forms.get("item_form") or KassaForm(formdata=None),
        "code_form": code_form,
        "method_form": method_form,
        "country_form": country_form,
        **_shell(document),
    }


def _page_context(
    checkout: CheckoutSession | None,
    document: Document,
    buyer_form: BuyerForm | None = None,
    first_view: FirstView | None = None,
    **forms: Any,
) -> dict[str, Any]:
    questions = service.questions_of(db.session, document)
    if buyer_form is None:
        buyer_form = BuyerForm(
            formdata=None,
            data=service.buyer_snapshot(checkout, str(get_locale())),
            custom_fields=questions.custom_fields,
        )
    return {
        **_summary_context(checkout, document, first_view, **forms),
        "buyer_form": buyer_form,
        "questions": questions,
        "policies": service.policies_of(db.session, document, str(get_locale())),
        "policy_labels": POLICY_LABELS,
        "first_view": first_view,
    }


@blueprint.get("/c/<token>")
def checkout_page(token: str) -> Response:
    """Kept in the page cache under everything it shows (``page_keys``): a buyer reloading,
    or coming back to, a checkout nothing changed in reads two small rows."""
    checkout = _only_checkout_or_404(token)
    now = utcnow()
    key = page_key(checkout, document_stamp(db.session, checkout, now), now)
    return public_page(
        None if key is None else (key, request.full_path),
        lambda: _rendered_checkout_page(checkout),
    )


def _rendered_checkout_page(checkout: CheckoutSession) -> Response:
    document = _document_or_404(checkout)
    closed = service.document_closed(db.session, document, utcnow().date())
    if closed is not None:
        return _closed_page(document, closed)
    return render("checkout/checkout.html", **_page_context(checkout, document))


@dataclass(frozen=True)
class Preview:
    """What the merchant's preview of a document says around the buyer page."""

    intro: str | LazyString  # what the page is, after "Preview"
    back: PageLink  # back to where the merchant edits the document
    # What the preview notes when a stored setting keeps every order from being priced.
    refusal_notes: Mapping[pricing.Refusal, LazyString]


def preview_page(document: Document, preview: Preview) -> Response:
    """The document's page as a new buyer sees it: the same templates, prices and branding,
    with no checkout opened; a closed document too, with a note of what buyers get instead."""
    closed = service.document_closed(db.session, document, utcnow().date())
    words: dict[str, Any] = {"preview_intro": preview.intro, "preview_back": preview.back}
    if isinstance(closed, pricing.Refusal):  # nothing can be priced: the buyers' closed page
        return _closed_page(
            document, closed, preview=True, preview_note=preview.refusal_notes[closed], **words
        )
    return render(
        "checkout/checkout.html",
        preview_note=closed.preview_note if closed else None,
        **words,
        **_page_context(None, document),
    )


def _changed(
    checkout: CheckoutSession | None, document: Document, change: service.Change
) -> CheckoutSession:
    """Make ``change`` to the buyer's checkout; without one (a first action), to this
    browser's open checkout of the document, or a new one made with the change, so a refused
    first action writes nothing."""
    if checkout is None:
        checkout = service.open_checkout_of(db.session, document, browser_key())
    if checkout is None:
        return service.open_checkout(
            db.session, document, str(get_locale()), browser_key(), first_change=change
        )
    service.apply_change(db.session, checkout, document, change, utcnow().date())
    return checkout


def _commit_keeping_what_was_read(checkout: CheckoutSession) -> None:
    """Commit a change without expiring the rows the request loaded: the summary that answers
    it shows what this request just wrote, and reading it all again would double the
    request's queries. Before Stripe has an intent for the checkout, the change is only the
    buyer's choice, and its commit does not wait for the disk; once paying, the intent's new
    amount and what the checkout priced are committed as every write of money is."""
    session = db.session()
    expiring = session.expire_on_commit
    session.expire_on_commit = False
    try:
        if checkout.payment_intent_id is None:
            commit_not_waiting_for_the_disk(session)
        else:
            session.commit()
    finally:
        session.expire_on_commit = expiring


def _carry_on(checkout: CheckoutSession, response: Response, first: bool) -> Response:
    """After a first action the buyer's address is the checkout's: HTMX replaces the one
    shown, so a reload opens the checkout (a plain post is redirected there already)."""
    if first and wants_partial():
        response.headers["HX-Replace-Url"] = url_for("checkout.checkout_page", token=checkout.token)
    return response


def _change(
    checkout: CheckoutSession | None,
    document: Document,
    form: KassaForm,
    form_name: str,
    apply: service.Change,
    first_view: FirstView | None = None,
    **extra: Any,
) -> Response:
    """One change to the summary: validate, apply through the service, answer with the summary.
    A checkout paid (or being paid by a bank debit) takes no changes: the buyer is sent to
    where it stands; nor does one the pricing engine cannot price: its page says why. Without a
    checkout (a first action) a valid change opens one; a refused one leaves nothing behind."""
    if checkout is not None and checkout.status is not CheckoutStatus.OPEN:
        return go_to(url_for("checkout.returned", token=checkout.token))
    if checkout is not None and _unpriceable(document):
        return go_to(url_for("checkout.checkout_page", token=checkout.token))
    if form.validate_on_submit():
        try:
            changed = _changed(checkout, document, apply)
        except ServiceError as refusal:
            form.add_error(refusal.field, str(refusal.message))
        except GatewayError as error:
            form.add_error(None, gateway_failure_message(error))
        else:
            _commit_keeping_what_was_read(changed)
            response = _summary_after_change(changed, document, **extra)
            return _carry_on(changed, response, first=checkout is None)
    return render(
        "checkout/checkout.html",
        "checkout/_summary.html",
        status=422,
        **_page_context(checkout, document, first_view=first_view, **{form_name: form}),
        **extra,
    )


def _summary_after_change(checkout: CheckoutSession, document: Document, **extra: Any) -> Response:
    """The summary partial HTMX swaps in after a change, kept in the page cache under what it
    shows (``page_keys.summary_key``); a plain post's redirect to the page."""

    def rendered() -> Response:
        return render_after_change(
            "checkout/_summary.html",
            url_for("checkout.checkout_page", token=checkout.token),
            **_summary_context(checkout, document),
            **extra,
        )

    key = summary_key(checkout, document, utcnow(), paying=bool(extra.get("paying")))
    if key is None or not wants_partial():
        return rendered()
    return public_page(key, rendered)


def _adjustable_lines(document: Document) -> list[int]:
    return [line.id for line in document.lines if line.adjustable_quantity]


def _line_of(document: Document, line_id: int | None) -> Any:
    line = next((line for line in document.lines if line.id == line_id), None)
    if line is None:
        abort(404)
    return line


def _change_of(
    change: str, document: Document, line_id: int | None = None
) -> tuple[KassaForm, str, service.Change]:
    """The form a change posts, its name on the page, and what it does to the checkout."""
    if change == "quantity":
        quantity_form = QuantityForm(line_ids=_adjustable_lines(document))

        def set_quantity(checkout: CheckoutSession, document: Document) -> None:
            chosen = quantity_form.line.data
            line = next(line for line in document.lines if str(line.id) == chosen)
            service.set_quantity(checkout, line, quantity_form.quantity.value or 0)

        return quantity_form, "quantity_form", set_quantity
    if change in ("add", "remove"):
        line = _line_of(document, line_id)
        act = service.add_item if change == "add" else service.remove_item
        return KassaForm(), "item_form", lambda checkout, _document: act(checkout, line)
    if change == "discount":
        code_form = DiscountCodeForm()
        return (
            code_form,
            "code_form",
            lambda checkout, document: service.apply_discount_code(
                db.session, checkout, document, code_form.code.data or ""
            ),
        )
    if change == "method":
        method_form = MethodForm(methods=service.offered_methods(db.session, document))
        return (
            method_form,
            "method_form",
            lambda checkout, document: service.set_method(
                db.session, checkout, document, method_form.method.data or ""
            ),
        )
    if change == "country":
        country_form = CountryForm()
        return (
            country_form,
            "country_form",
            lambda checkout, _document: service.set_country(checkout, country_form.country.data),
        )
    abort(404)


def _checkout_change(token: str, change: str, line_id: int | None = None, **extra: Any) -> Response:
    checkout, document = _checkout_or_404(token)
    return _change(checkout, document, *_change_of(change, document, line_id), **extra)


@blueprint.post("/c/<token>/quantity")
def change_quantity(token: str) -> Response:
    return _checkout_change(token, "quantity")


@blueprint.post("/c/<token>/items/<int:line_id>/add")
def add_item(token: str, line_id: int) -> Response:
    """The buyer adds an optional line; the form carries nothing but the CSRF token."""
    return _checkout_change(token, "add", line_id)


@blueprint.post("/c/<token>/items/<int:line_id>/remove")
def remove_item(token: str, line_id: int) -> Response:
    return _checkout_change(token, "remove", line_id)


@blueprint.post("/c/<token>/discount")
@limiter.limit(rate_limits.DISCOUNT_CODES_PER_ADDRESS)
@limiter.limit(rate_limits.DISCOUNT_CODES_PER_CHECKOUT, key_func=rate_limits.checkout_token)
def apply_discount(token: str) -> Response:
    return _checkout_change(token, "discount")


@blueprint.post("/c/<token>/method")
def choose_method(token: str) -> Response:
    return _checkout_change(token, "method")


@blueprint.post("/c/<token>/country")
def choose_country(token: str) -> Response:
    return _checkout_change(token, "country")


def _buyer_input(form: BuyerForm) -> service.BuyerInput:
    return service.BuyerInput(
        email=form.email.data or "",
        name=form.name.data or "",
        phone=form.phone.data or "",
        billing_address=form.address("billing"),
        shipping_address=form.address("shipping"),
        custom_answers=form.answers(),
        consented=bool(form.consent.data),
        locale=str(get_locale()),
    )


@blueprint.post("/c/<token>/details")
def save_details(token: str) -> Response:
    checkout, document = _checkout_or_404(token)
    return _save_details(checkout, document)


def _save_details(
    checkout: CheckoutSession | None, document: Document, first_view: FirstView | None = None
) -> Response:
    """The buyer's details and answers. HTMX gets the details partial back with the errors (or
    is sent on to the pay step); a plain post the whole page, or a redirect. From a first view
    (no checkout yet) details that are refused open nothing."""
    if checkout is not None and checkout.status is not CheckoutStatus.OPEN:
        # paid: what the merchant got stays as it was
        return go_to(url_for("checkout.returned", token=checkout.token))
    if checkout is not None and _unpriceable(document):
        return go_to(url_for("checkout.checkout_page", token=checkout.token))
    form = BuyerForm(custom_fields=service.questions_of(db.session, document).custom_fields)
    if form.validate_on_submit():
        buyer = _buyer_input(form)
        try:
            saved = _changed(
                checkout,
                document,
                lambda checkout, document: service.save_buyer(
                    db.session, checkout, document, buyer
                ),
            )
        except ServiceError as refusal:
            form.add_error(refusal.field, str(refusal.message))
        else:
            db.session.commit()
            return go_to(url_for("checkout.pay", token=saved.token))
    return render(
        "checkout/checkout.html",
        "checkout/_details.html",
        status=422,
        **_page_context(checkout, document, form, first_view=first_view),
    )


# The pay step and the return page


@blueprint.get("/c/<token>/pay")
def pay(token: str) -> Response:
    checkout, document = _checkout_or_404(token)
    if checkout.status is not CheckoutStatus.OPEN:
        return redirect(url_for("checkout.returned", token=token))
    if not service.details_complete(db.session, checkout, document):
        return redirect(url_for("checkout.checkout_page", token=token))
    closed = service.document_closed(db.session, document, utcnow().date())
    if closed is not None:
        return _closed_page(document, closed)
    if later_setup.saves_only(db.session, checkout, document, utcnow().date()):
        return _save_method_step(checkout, document)
    try:
        intent = service.open_pay_step(db.session, checkout, document, utcnow().date())
    except ServiceError as refusal:
        flash(str(refusal.message), "error")
        return redirect(url_for("checkout.checkout_page", token=token))
    except GatewayError as error:
        flash(gateway_failure_message(error), "error")
        return redirect(url_for("checkout.checkout_page", token=token))
    db.session.commit()
    if not service.payable(intent):
        return redirect(url_for("checkout.returned", token=token))
    page = render(
        "checkout/pay.html",
        intent=intent,
        failure=_last_failure(intent),
        publishable_key=publishable_key(db.session, checkout.merchant_id),
        stripe_js_url=current_app.extensions["kassa_settings"].stripe_js_url,
        public_url=current_app.extensions["kassa_settings"].public_url,
        paying=True,
        saving=intent.setup_future_usage is not None,
        **_summary_context(checkout, document),
    )
    # Never kept for Back or Forward: the pay step is asked for again, and once paid it sends
    # the buyer to the receipt (checkout.js reloads a page a browser kept all the same).
    page.headers["Cache-Control"] = "private, no-store"
    return page


def _save_method_step(checkout: CheckoutSession, document: Document) -> Response:
    """Nothing is due now but later charges are (a trial): the Payment Element on a
    SetupIntent saves the method for them."""
    try:
        setup = later_setup.open_later_setup(db.session, checkout, document, utcnow().date())
    except ServiceError as refusal:
        flash(str(refusal.message), "error")
        return redirect(url_for("checkout.checkout_page", token=checkout.token))
    except GatewayError as error:
        flash(gateway_failure_message(error), "error")
        return redirect(url_for("checkout.checkout_page", token=checkout.token))
    db.session.commit()
    if not confirmable(setup):
        return redirect(url_for("checkout.setup_returned", token=checkout.token))
    return_url = url_for("checkout.setup_returned", token=checkout.token)
    context = setup_page(db.session, document, setup, return_url=return_url)
    page = render("checkout/setup.html", heading=document.title, updating=False, **context)
    page.headers["Cache-Control"] = "private, no-store"
    return page


@blueprint.get("/c/<token>/setup/return")
@limiter.limit(rate_limits.RETURN_PAGE_PER_ADDRESS)
@limiter.limit(rate_limits.RETURN_PAGE_PER_CHECKOUT, key_func=rate_limits.checkout_token)
def setup_returned(token: str) -> Response:
    """Where Stripe sends the buyer after confirming the SetupIntent: the method is saved and
    the subscription starts on its first charge's day, or the pay step says why not."""
    checkout, document = _checkout_or_404(token)
    if not checkout.setup_intent_id:
        return redirect(url_for("checkout.checkout_page", token=token))
    try:
        outcome = later_setup.settle_later_setup(db.session, checkout)
    except GatewayError:
        return render("checkout/pending.html", checkout=checkout, **_shell(document))
    db.session.commit()
    if outcome is later_setup.SetupOutcome.TRY_AGAIN:
        return redirect(url_for("checkout.pay", token=token))
    return render(
        "checkout/saved.html",
        checkout=checkout,
        verifying=outcome is later_setup.SetupOutcome.VERIFYING,
        first_charge_on=later_setup.first_charge_on(checkout),
        **_shell(document),
    )


@blueprint.post("/c/<token>/pay/method")
def report_method(token: str) -> Response:
    """The Payment Element's chosen method: the summary and the intent take its fee."""
    return _checkout_change(token, "method", paying=True)


def _receipt_page(checkout: CheckoutSession, document: Document, payment: Payment) -> Response:
    """The receipt: the seller's legal details, its number and date, what was bought with its
    taxes, the total, the method and the document it pays."""
    shell = _shell(document)
    return render(
        "checkout/receipt.html",
        checkout=checkout,
        payment=payment,
        purchase=purchase_of(payment),
        seller=seller_details(shell["merchant"]),
        **shell,
    )


def _rejected_page(
    checkout: CheckoutSession, document: Document, settled: service.Settled
) -> Response:
    """A payment the confirmation refused: the buyer reads why and that it is refunded; a
    duplicate shows the receipt of the payment that counts."""
    payment = settled.payment
    if settled.counted is not None:
        flash(str(rejection_reason(payment.rejection)), "info")
        return _receipt_page(checkout, document, settled.counted)
    return render(
        "checkout/rejected.html",
        checkout=checkout,
        payment=payment,
        reason=rejection_reason(payment.rejection),
        pay_again_url=url_for("checkout.checkout_page", token=checkout.token),
        **_shell(document),
    )


def _last_failure(intent: IntentState) -> str | None:
    """Why the last attempt failed (a decline, a failed 3-D Secure, a debit that bounced), shown
    on the pay step until the buyer tries again, however they got there."""
    if not intent.error_code:
        return None
    return last_error_message(
        intent.error_type, intent.error_code, intent.decline_code, intent.error_message
    )


@blueprint.get("/c/<token>/receipt.pdf")
def receipt_pdf(token: str) -> Response:
    """The receipt of the checkout's payment as a PDF (404 until its money is in)."""
    checkout, document = _checkout_or_404(token)
    payment = service.receipted_payment(db.session, checkout)
    if payment is None:
        abort(404)
    return receipt_download(db.session, service.merchant_of(db.session, document), payment)


@blueprint.get("/c/<token>/return")
@limiter.limit(rate_limits.RETURN_PAGE_PER_ADDRESS)
@limiter.limit(rate_limits.RETURN_PAGE_PER_CHECKOUT, key_func=rate_limits.checkout_token)
def returned(token: str) -> Response:
    checkout, document = _checkout_or_404(token)
    returned_from = request.args.get("payment_intent")  # Stripe adds it to the return URL
    if checkout.payment_intent_id is None and checkout.setup_intent_id and returned_from is None:
        return redirect(url_for("checkout.setup_returned", token=token))
    if checkout.payment_intent_id is None and returned_from is None:
        return redirect(url_for("checkout.checkout_page", token=token))
    try:
        settled = service.settle_from_stripe(db.session, checkout, returned_from)
    except GatewayError:
        return render("checkout/pending.html", checkout=checkout, **_shell(document))
    except ServiceError:  # a payment_intent of another checkout: this one has none yet
        return redirect(url_for("checkout.checkout_page", token=token))
    db.session.commit()
    payment = settled.payment
    if payment.rejection is not None:
        return _rejected_page(checkout, document, settled)
    if settled.awaits_verification:
        return render(
            "checkout/verify_bank_account.html",
            checkout=checkout,
            payment=payment,
            verification_url=settled.verification_url,
            microdeposit_type=settled.microdeposit_type,
            **_shell(document),
        )
    if payment.status in PAID:
        if address := service.address_after_payment(document):
            return redirect(address)
        return _receipt_page(checkout, document, payment)
    if payment.status is PaymentStatus.PROCESSING:
        return render(
            "checkout/processing.html", checkout=checkout, payment=payment, **_shell(document)
        )
    return redirect(url_for("checkout.pay", token=token))  # which shows why it failed
