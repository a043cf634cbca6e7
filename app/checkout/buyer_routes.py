"""Buyer pages: ``/c/<token>`` is a checkout of a document, found by its token.

Found by token, never by id: the token is the buyer's only key. Each change posts one small
form; HTMX gets the summary back, a plain post a redirect to the page.

A document's own package opens its checkouts (a link's ``/l/<slug>`` through
``open_document``, a cart's "Go to checkout") and may show its merchant a preview of the buyer
page (``preview_page``): the same page from the same context, for a new buyer and without a
checkout, where nothing can be sent or paid.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel.speaklater import LazyString
from werkzeug.wrappers import Response

from app.checkout import blueprint, service
from app.checkout.documents import (
    Closed,
    Document,
    DocumentNotFoundError,
    PageLink,
    document_of,
)
from app.checkout.forms import (
    BuyerForm,
    CountryForm,
    DiscountCodeForm,
    MethodForm,
    QuantityForm,
)
from app.checkout.models import CheckoutSession, CheckoutStatus
from app.core import pricing
from app.core.clock import utcnow
from app.core.errors import ServiceError
from app.extensions import db, limiter
from app.payments.models import PaymentStatus
from app.payments.reasons import gateway_failure_message, last_error_message, rejection_reason
from app.payments.service import PAID
from app.processors.access import publishable_key
from app.processors.gateway import GatewayError, IntentState
from app.settings.labels import METHOD_LABELS, POLICY_LABELS
from app.web import rate_limits
from app.web.browser import browser_key
from app.web.forms import KassaForm
from app.web.i18n import address_reader_in
from app.web.rendering import go_to, render, render_after_change


def open_document(document: Document) -> Response:
    """What a document's public address does: a page saying why nobody can pay it now, or
    this browser's open checkout of it, else a new one. A checkout paid (or being paid) is never
    resumed, so a new visit after paying is a new purchase."""
    closed = service.document_closed(db.session, document, utcnow().date())
    if closed is not None:
        return _closed_page(document, closed)
    checkout = service.open_checkout(db.session, document, str(get_locale()), browser_key())
    db.session.commit()
    return redirect(url_for("checkout.checkout_page", token=checkout.token))


def _checkout_or_404(token: str) -> tuple[CheckoutSession, Document]:
    checkout = service.checkout_by_token(db.session, token)
    if checkout is None:
        abort(404)
    try:
        document = document_of(db.session, checkout)
    except DocumentNotFoundError:
        abort(404)
    if document.reader_locale:
        address_reader_in(document.reader_locale)
    return checkout, document


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
    checkout: CheckoutSession | None, document: Document, **forms: Any
) -> dict[str, Any]:
    """The order summary of a buyer's checkout, or of the merchant's preview (``checkout``
    None: what a new buyer sees, with nothing that can be sent)."""
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
    return {
        "checkout": checkout,
        "preview": checkout is None,
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
        **_summary_context(checkout, document, **forms),
        "buyer_form": buyer_form,
        "questions": questions,
        "policies": service.policies_of(db.session, document, str(get_locale())),
        "policy_labels": POLICY_LABELS,
    }


@blueprint.get("/c/<token>")
def checkout_page(token: str) -> Response:
    checkout, document = _checkout_or_404(token)
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


def _change(
    token: str,
    form: KassaForm,
    form_name: str,
    apply: Callable[[CheckoutSession, Document], None],
    **extra: Any,
) -> Response:
    """One change to the summary: validate, apply through the service, answer with the summary.
    A checkout paid (or being paid by a bank debit) takes no changes: the buyer is sent to
    where it stands; nor does one the pricing engine cannot price: its page says why."""
    checkout, document = _checkout_or_404(token)
    if checkout.status is not CheckoutStatus.OPEN:
        return go_to(url_for("checkout.returned", token=token))
    if _unpriceable(document):
        return go_to(url_for("checkout.checkout_page", token=token))
    if form.validate_on_submit():
        try:
            service.apply_change(db.session, checkout, document, apply, utcnow().date())
        except ServiceError as refusal:
            form.add_error(refusal.field, str(refusal.message))
        except GatewayError as error:
            form.add_error(None, gateway_failure_message(error))
        else:
            db.session.commit()
            return render_after_change(
                "checkout/_summary.html",
                url_for("checkout.checkout_page", token=token),
                **_summary_context(checkout, document),
                **extra,
            )
    return render(
        "checkout/checkout.html",
        "checkout/_summary.html",
        status=422,
        **_page_context(checkout, document, **{form_name: form}),
        **extra,
    )


def _adjustable_lines(token: str) -> list[int]:
    _checkout, document = _checkout_or_404(token)
    return [line.id for line in document.lines if line.adjustable_quantity]


@blueprint.post("/c/<token>/quantity")
def change_quantity(token: str) -> Response:
    form = QuantityForm(line_ids=_adjustable_lines(token))

    def apply(checkout: CheckoutSession, document: Document) -> None:
        line = next(line for line in document.lines if str(line.id) == form.line.data)
        service.set_quantity(checkout, line, form.quantity.value or 0)

    return _change(token, form, "quantity_form", apply)


def _line_of(document: Document, line_id: int) -> Any:
    line = next((line for line in document.lines if line.id == line_id), None)
    if line is None:
        abort(404)
    return line


@blueprint.post("/c/<token>/items/<int:line_id>/add")
def add_item(token: str, line_id: int) -> Response:
    """The buyer adds an optional line; the form carries nothing but the CSRF token."""
    return _change(
        token,
        KassaForm(),
        "item_form",
        lambda checkout, document: service.add_item(checkout, _line_of(document, line_id)),
    )


@blueprint.post("/c/<token>/items/<int:line_id>/remove")
def remove_item(token: str, line_id: int) -> Response:
    return _change(
        token,
        KassaForm(),
        "item_form",
        lambda checkout, document: service.remove_item(checkout, _line_of(document, line_id)),
    )


@blueprint.post("/c/<token>/discount")
@limiter.limit(rate_limits.DISCOUNT_CODES_PER_ADDRESS)
@limiter.limit(rate_limits.DISCOUNT_CODES_PER_CHECKOUT, key_func=rate_limits.checkout_token)
def apply_discount(token: str) -> Response:
    form = DiscountCodeForm()
    return _change(
        token,
        form,
        "code_form",
        lambda checkout, document: service.apply_discount_code(
            db.session, checkout, document, form.code.data or ""
        ),
    )


@blueprint.post("/c/<token>/method")
def choose_method(token: str) -> Response:
    _checkout, document = _checkout_or_404(token)
    form = MethodForm(methods=service.offered_methods(db.session, document))
    return _change(
        token,
        form,
        "method_form",
        lambda checkout, document: service.set_method(
            db.session, checkout, document, form.method.data or ""
        ),
    )


@blueprint.post("/c/<token>/country")
def choose_country(token: str) -> Response:
    form = CountryForm()
    return _change(
        token,
        form,
        "country_form",
        lambda checkout, _document: service.set_country(checkout, form.country.data),
    )


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
    """The buyer's details and answers. HTMX gets the details partial back with the errors (or
    is sent on to the pay step); a plain post the whole page, or a redirect."""
    checkout, document = _checkout_or_404(token)
    if checkout.status is not CheckoutStatus.OPEN:  # paid: what the merchant got stays as it was
        return go_to(url_for("checkout.returned", token=token))
    if _unpriceable(document):
        return go_to(url_for("checkout.checkout_page", token=token))
    form = BuyerForm(custom_fields=service.questions_of(db.session, document).custom_fields)
    if form.validate_on_submit():
        try:
            service.save_buyer(db.session, checkout, document, _buyer_input(form))
        except ServiceError as refusal:
            form.add_error(refusal.field, str(refusal.message))
        else:
            db.session.commit()
            return go_to(url_for("checkout.pay", token=token))
    return render(
        "checkout/checkout.html",
        "checkout/_details.html",
        status=422,
        **_page_context(checkout, document, form),
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
    return render(
        "checkout/pay.html",
        intent=intent,
        failure=_last_failure(intent),
        publishable_key=publishable_key(db.session, checkout.merchant_id),
        stripe_js_url=current_app.extensions["kassa_settings"].stripe_js_url,
        public_url=current_app.extensions["kassa_settings"].public_url,
        paying=True,
        **_summary_context(checkout, document),
    )


@blueprint.post("/c/<token>/pay/method")
def report_method(token: str) -> Response:
    """The Payment Element's chosen method: the summary and the intent take its fee."""
    _checkout, document = _checkout_or_404(token)
    form = MethodForm(methods=service.offered_methods(db.session, document))

    return _change(
        token,
        form,
        "method_form",
        lambda checkout, document: service.set_method(
            db.session, checkout, document, form.method.data or ""
        ),
        paying=True,
    )


def _rejected_page(
    checkout: CheckoutSession, document: Document, settled: service.Settled
) -> Response:
    """A payment the confirmation refused: the buyer reads why and that it is refunded; a
    duplicate shows the receipt of the payment that counts."""
    payment = settled.payment
    if settled.counted is not None:
        flash(str(rejection_reason(payment.rejection)), "info")
        return render(
            "checkout/receipt.html", checkout=checkout, payment=settled.counted, **_shell(document)
        )
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


@blueprint.get("/c/<token>/return")
@limiter.limit(rate_limits.RETURN_PAGE_PER_ADDRESS)
@limiter.limit(rate_limits.RETURN_PAGE_PER_CHECKOUT, key_func=rate_limits.checkout_token)
def returned(token: str) -> Response:
    checkout, document = _checkout_or_404(token)
    returned_from = request.args.get("payment_intent")  # Stripe adds it to the return URL
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
        return render(
            "checkout/receipt.html", checkout=checkout, payment=payment, **_shell(document)
        )
    if payment.status is PaymentStatus.PROCESSING:
        return render(
            "checkout/processing.html", checkout=checkout, payment=payment, **_shell(document)
        )
    return redirect(url_for("checkout.pay", token=token))  # which shows why it failed
