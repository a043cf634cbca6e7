"""The buyer checkout every document shares (``documents.py``: what a document provides, and
the registry that finds it): open it, change what the buyer may change, and price it. Every
amount comes from ``core/pricing.py`` fed with server data only: the browser sends choices (a
quantity, a code, a method), never an amount, a currency or a method list."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, TypeVar

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from app.catalog.service import pricing_discount, pricing_fees
from app.checkout.documents import Closed, Document
from app.checkout.later import later_charges_customer, later_charges_of
from app.checkout.models import (
    ADDRESS_PARTS,
    CheckoutSession,
    CheckoutStatus,
    answer_field_name,
)
from app.core import pricing
from app.core.crypto import Purpose, Rotation
from app.core.errors import ServiceError
from app.core.methods import REUSABLE_METHODS, PaymentMethod, required_currency
from app.core.money import Money, format_typed_decimal
from app.core.tokens import new_public_id, new_secret_token, token_digest
from app.extensions import DbSession
from app.merchants.models import Merchant
from app.merchants.public_version import as_of_version
from app.payments.models import Payment
from app.payments.receipts import purchase_from_breakdown
from app.payments.service import (
    BuyerDetails,
    GatewayLookup,
    intent_metadata,
    record_intent,
    retry_on_conflict,
    start_payment,
)
from app.processors.access import connected_gateway
from app.processors.customers import processor_customer_id
from app.processors.gateway import (
    MICRODEPOSITS,
    GatewayError,
    IntentRequest,
    IntentState,
    PaymentGateway,
)
from app.processors.idempotency import idempotency_key
from app.settings.models import (
    CheckoutSettings,
    Collect,
    CustomField,
    CustomFieldKind,
    Discount,
    Policy,
)
from app.settings.service import (
    checkout_settings,
    connected_account,
    list_custom_fields,
    list_fees,
    list_policies,
    policies_in,
    usable_discount,
)
from app.web.safety import redirect_address_problem

Row = TypeVar("Row")

# A change the buyer makes to their checkout (a quantity, a code, their details...): it sets
# values on the checkout, or raises ``ServiceError`` before setting any.
Change = Callable[[CheckoutSession, Document], None]

NOT_CONNECTED = Closed(
    "not_connected",
    _l(
        "The seller cannot take payments at the moment. Nothing was charged. Please try again "
        "later or contact the seller."
    ),
    _l("Stripe is not connected: buyers see a page saying that you cannot take payments."),
)


def document_closed(
    session: DbSession, document: Document, today: date
) -> Closed | pricing.Refusal | None:
    """Why no buyer can pay ``document`` now, or None: its own state (``Document.closed``: a
    link inactive, expired or used up, a closed shop), no Stripe connection, or a stored setting
    the pricing engine refuses (``settings_refusal``). Buyers get a closed page that says
    which."""
    if reason := document.closed(session):
        return reason
    if connected_account(session, merchant_of(session, document)) is None:
        return NOT_CONNECTED
    return settings_refusal(session, document, today)


def settings_refusal(session: DbSession, document: Document, today: date) -> pricing.Refusal | None:
    """Why the merchant's settings, as stored, keep every buyer of ``document`` from paying,
    whatever they choose: a fee, a tax rate or a line the pricing engine refuses (its
    ``PricingError``). Found by pricing every line, optional ones added, with each offered
    method. The forms keep such settings out, but an old database or two panel tabs saving at
    once can let them in; a buyer then reads why instead of getting a server error. Asked on
    every buyer request: kept per ``public_version`` and day when the document is priced from
    ``ShownToBuyers`` rows only."""
    if not document.priced_from_public_rows:
        return _settings_refusal(session, document, today)
    return as_of_version(
        merchant_of(session, document),
        ("settings-refusal", document.type, document.id, today),
        lambda: _settings_refusal(session, document, today),
    )


def _settings_refusal(
    session: DbSession, document: Document, today: date
) -> pricing.Refusal | None:
    merchant = merchant_of(session, document)
    every_line = {line.id: line.quantity for line in document.lines}
    methods = [pricing.PaymentMethod(m.value) for m in offered_methods(session, document)]
    try:
        fees = _fees_of(session, merchant, document)
        pricing.price_per_method(document.cart(every_line, today, fees=fees), methods)
    except pricing.PricingError as error:
        return error.refusal
    return None


def _fees_of(session: DbSession, merchant: Merchant, document: Document) -> tuple[pricing.Fee, ...]:
    """The merchant's fees in the document's currency, unless the document opts out (read once
    per ``public_version``; a fee the engine refuses raises every time)."""
    if not document.takes_fees:
        return ()
    currency = document.currency
    return as_of_version(
        merchant, ("fees", currency), lambda: pricing_fees(list_fees(session, merchant), currency)
    )


def _detached(session: DbSession, read: Callable[[DbSession], list[Row]]) -> tuple[Row, ...]:
    """Rows read in a session of their own and detached from it, so that they may be kept
    beyond this request (``as_of_version``) and read by any request, never written."""
    with Session(bind=session.get_bind()) as own:
        return tuple(read(own))


def merchant_of(session: DbSession, row: Document | CheckoutSession) -> Merchant:
    """The merchant of a buyer-side row, held by the row so a request loads it once."""
    return row.merchant


def open_checkout(
    session: DbSession,
    document: Document,
    locale: str,
    browser_key: str | None,
    *,
    discount_code: str = "",
    first_change: Change | None = None,
) -> CheckoutSession:
    """This browser's open checkout of ``document``, or a new one at the document's own
    quantities (optional lines left out), with ``first_change`` made to it before it is
    written: a change the service refuses leaves nothing behind.

    One open checkout per browser and document, made atomically: when the browser asks twice at
    the same moment, the unique index lets one insert win and the other returns the winner's
    (with its own change made there).
    """
    existing = open_checkout_of(session, document, browser_key)
    if existing is not None:
        if first_change is not None:
            first_change(existing, document)
        return existing
    checkout = CheckoutSession(
        merchant_id=document.merchant.id,
        merchant=document.merchant,
        public_id=new_public_id("chk"),
        token=new_secret_token(),
        browser_key=browser_key,
        document_type=document.type,
        document_id=document.id,
        locale=locale,
    )
    _take_document(checkout, document, discount_code)
    if first_change is not None:
        first_change(checkout, document)
    if browser_key is None:  # no browser's checkout to meet: nothing unique to race for
        session.add(checkout)
        return checkout
    try:
        with session.begin_nested():
            session.add(checkout)
    except IntegrityError:
        existing = open_checkout_of(session, document, browser_key)
        if existing is None:
            raise
        if first_change is not None:
            first_change(existing, document)
        return existing
    return checkout


def open_checkout_of(
    session: DbSession, document: Document, browser_key: str | None
) -> CheckoutSession | None:
    """The browser's open checkout of the document, if it has one."""
    if browser_key is None:
        return None
    return _browsers_open_checkout(
        session, document.merchant.id, document.type, document.id, browser_key
    )


def _browsers_open_checkout(
    session: DbSession, merchant_id: int, document_type: str, document_id: str, browser_key: str
) -> CheckoutSession | None:
    return session.scalar(
        select(CheckoutSession).where(
            CheckoutSession.merchant_id == merchant_id,
            CheckoutSession.browser_key == browser_key,
            CheckoutSession.document_type == document_type,
            CheckoutSession.document_id == document_id,
            CheckoutSession.status == CheckoutStatus.OPEN,
        )
    )


def open_checkout_token(
    session: DbSession, merchant_id: int, document_type: str, document_id: str, *, browser_key: str
) -> str | None:
    """The token of the browser's open checkout of a document, found without loading the
    document (a returning buyer on the document's cached first view)."""
    checkout = _browsers_open_checkout(
        session, merchant_id, document_type, document_id, browser_key
    )
    return checkout.token if checkout is not None else None


def _take_document(checkout: CheckoutSession, document: Document, discount_code: str) -> None:
    checkout.quantities = {str(line_id): q for line_id, q in document.initial_quantities().items()}
    checkout.quoted = document.snapshot()
    checkout.discount_code = discount_code if document.takes_discount_codes else ""
    known = document.known_buyer
    if known is not None and not checkout.email:  # what the buyer typed is never replaced
        checkout.email, checkout.name = known.email, known.name


def resume_or_open(
    session: DbSession,
    document: Document,
    locale: str,
    browser_key: str,
    *,
    discount_code: str = "",
) -> CheckoutSession:
    """This browser's open checkout of the document, brought up to date with the document as
    the buyer sees it now (its lines, prices and code), or a new one. One open checkout per
    browser and document, so a buyer who goes back and forth never has two unpaid
    PaymentIntents for one cart."""
    checkout = open_checkout(session, document, locale, browser_key, discount_code=discount_code)
    _take_document(checkout, document, discount_code)
    checkout.locale = locale
    session.flush()
    return checkout


def reopen(session: DbSession, checkout: CheckoutSession) -> None:
    """Open a checkout again (its debit bounced, or its payment was refused). When its browser
    opened another checkout of the document meanwhile, that one stays the one the browser
    resumes; this one is still reached by its address (the emails link to it)."""
    if checkout.status is CheckoutStatus.OPEN:
        return
    if checkout.browser_key is not None:
        newer = session.scalar(
            select(CheckoutSession.id).where(
                CheckoutSession.browser_key == checkout.browser_key,
                CheckoutSession.document_type == checkout.document_type,
                CheckoutSession.document_id == checkout.document_id,
                CheckoutSession.status == CheckoutStatus.OPEN,
            )
        )
        if newer is not None:
            checkout.browser_key = None
    checkout.status = CheckoutStatus.OPEN


def address_after_payment(document: Document) -> str | None:
    """Where a paid buyer goes instead of the receipt: the document's address while it is one
    buyers may be sent to (one saved before the rules, or with http while Kassa took test
    payments only, gives the receipt instead)."""
    address = document.redirect_url
    allow_http = current_app.extensions["kassa_settings"].test_payments_only
    if not address or redirect_address_problem(address, allow_http=allow_http) is not None:
        return None
    return address


def withdraw_prices(
    session: DbSession, merchant_id: int, document_type: str, document_id: str
) -> int:
    """The document's terms changed (an invoice was revised): every open checkout of it
    forgets the amounts it priced, so a payment confirmed on an old amount (a tab left open)
    is refused and refunded as a mismatch, and its pay step prices the new terms before
    taking anything. Returns how many checkouts were open."""
    checkouts = session.scalars(
        select(CheckoutSession).where(
            CheckoutSession.merchant_id == merchant_id,
            CheckoutSession.document_type == document_type,
            CheckoutSession.document_id == document_id,
            CheckoutSession.status == CheckoutStatus.OPEN,
        )
    ).all()
    for checkout in checkouts:
        checkout.priced = {"currency": None, "amounts": {}, "discount_id": None}
    return len(checkouts)


def rotate_checkout_tokens(session: DbSession, rotation: Rotation) -> None:
    """Every checkout's encrypted token, re-encrypted with the new secret key (``flask kassa
    rotate-secret-key``); the digests, and so buyers' addresses, do not change."""
    for checkout in session.scalars(select(CheckoutSession)):
        checkout.token_encrypted = rotation.rekey(checkout.token_encrypted, Purpose.CHECKOUT_TOKENS)


def checkout_by_token(session: DbSession, token: str) -> CheckoutSession | None:
    """The checkout of this token, with its merchant, settings, Stripe connection and the
    discount of its code (one query: every buyer page reads them all)."""
    return session.scalar(_by_token_query(), {"digest": token_digest(token)})


@cache
def _by_token_query() -> Select[CheckoutSession]:
    # Built once: constructing the statement with its loader options costs about as much as
    # running it, on the path of every buyer page.
    merchant = joinedload(CheckoutSession.merchant)
    return (
        select(CheckoutSession)
        .options(
            merchant.joinedload(Merchant.checkout_settings),
            merchant.joinedload(Merchant.processor_connection),
            joinedload(CheckoutSession.discount),
        )
        .where(CheckoutSession.token_digest == bindparam("digest"))
    )


# What the buyer may change


def set_quantity(checkout: CheckoutSession, line: Any, quantity: int) -> None:
    """A new quantity of an adjustable line (of an optional one once the buyer added it)."""
    if not line.adjustable_quantity or not checkout.quantities.get(str(line.id)):
        raise ServiceError(_l("This quantity cannot be changed."), "quantity")
    if not line.min_quantity <= quantity <= line.max_quantity:
        raise ServiceError(
            _l(
                "Choose a quantity from %(min)d to %(max)d.",
                min=line.min_quantity,
                max=line.max_quantity,
            ),
            "quantity",
        )
    checkout.quantities = {**checkout.quantities, str(line.id): quantity}


def add_item(checkout: CheckoutSession, line: Any) -> None:
    """The buyer adds an optional line, at the link's quantity for it (adding twice is once)."""
    if not line.optional:
        raise ServiceError(_l("This item cannot be added."))
    if not checkout.quantities.get(str(line.id)):
        checkout.quantities = {**checkout.quantities, str(line.id): line.quantity}


def remove_item(checkout: CheckoutSession, line: Any) -> None:
    """The buyer takes an optional line out again: it is no longer charged."""
    if not line.optional:
        raise ServiceError(_l("This item cannot be removed."))
    checkout.quantities = {**checkout.quantities, str(line.id): 0}


def apply_discount_code(
    session: DbSession, checkout: CheckoutSession, document: Document, code: str
) -> None:
    """Use a code (an empty one removes it); refused when it does not work for this checkout."""
    if not code.strip():
        checkout.discount_code = ""
        return
    if not document.takes_discount_codes:
        raise ServiceError(_l("This code does not work here."), "code")
    discount = usable_discount(session, merchant_of(session, checkout), code)
    if discount is None or pricing_discount(discount, document.currency) is None:
        raise ServiceError(_l("This code does not work here."), "code")
    checkout.discount_code = discount.code


def set_method(
    session: DbSession, checkout: CheckoutSession, document: Document, method: str
) -> None:
    if method not in {m.value for m in offered_methods(session, document)}:
        raise ServiceError(_l("Choose one of the options."), "method")
    checkout.method = method


def set_country(checkout: CheckoutSession, country: str | None) -> None:
    """The buyer's country (it decides which tax rates apply)."""
    checkout.country = country or None


@dataclass(frozen=True)
class BuyerInput:
    email: str
    name: str
    phone: str = ""
    billing_address: dict[str, str] | None = None
    shipping_address: dict[str, str] | None = None
    # Question id (as a string) -> the answer; a number as a plain decimal string ("12.5").
    custom_answers: dict[str, str] | None = None
    consented: bool = False
    locale: str = "en"  # the language the questions were shown in (their labels are kept)


ANSWER_MAX = 500


def _checked_answers(
    custom_fields: list[CustomField], typed: dict[str, str], locale: str
) -> dict[str, dict[str, str]]:
    """The answers to the merchant's questions as they are kept, with the label the buyer saw.

    Only the merchant's own questions count: answers to anything else are ignored.
    """
    answers = {}
    for question in custom_fields:
        field = answer_field_name(question.id)
        value = typed.get(str(question.id), "").strip()
        if not value:
            if question.required:
                raise ServiceError(_l("This field is required."), field)
            continue
        if len(value) > ANSWER_MAX:
            raise ServiceError(_l("Use at most %(max)d characters.", max=ANSWER_MAX), field)
        if question.kind is CustomFieldKind.DROPDOWN and value not in question.options:
            raise ServiceError(_l("Choose one of the options."), field)
        if question.kind is CustomFieldKind.NUMBER:
            try:
                number = Decimal(value)
            except InvalidOperation:
                number = Decimal("NaN")
            if not number.is_finite():
                raise ServiceError(_l("Enter a number like 12.50."), field)
            if number < 0:
                raise ServiceError(_l("Enter a number of 0 or more."), field)
            value = format(number, "f")
        answers[str(question.id)] = {
            "label": question.label_in(locale),
            "kind": question.kind.value,
            "value": value,
        }
    return answers


def _check_address(parts: dict[str, str] | None, collect: Collect, prefix: str) -> None:
    """A required address, or an optional one the buyer started, needs every part: the error
    goes to the first part left empty."""
    if collect is Collect.OFF or (parts is None and collect is Collect.OPTIONAL):
        return
    for part in ADDRESS_PARTS:
        if not (parts or {}).get(part):
            raise ServiceError(_l("This field is required."), f"{prefix}_{part}")


def save_buyer(
    session: DbSession, checkout: CheckoutSession, document: Document, buyer: BuyerInput
) -> None:
    """The buyer's details, checked against what this checkout must ask."""
    questions = questions_of(session, document)
    if questions.phone is Collect.REQUIRED and not buyer.phone:
        raise ServiceError(_l("This field is required."), "phone")
    _check_address(buyer.billing_address, questions.billing_address, "billing")
    _check_address(buyer.shipping_address, questions.shipping_address, "shipping")
    answers = _checked_answers(questions.custom_fields, buyer.custom_answers or {}, buyer.locale)
    if questions.consent_required and not buyer.consented:
        raise ServiceError(_l("Agree to the policies to continue."), "consent")
    checkout.email = buyer.email.strip()
    checkout.name = buyer.name.strip()
    checkout.phone = buyer.phone.strip() if questions.phone is not Collect.OFF else ""
    asked = {Collect.OPTIONAL, Collect.REQUIRED}
    checkout.billing_address = buyer.billing_address if questions.billing_address in asked else None
    checkout.shipping_address = (
        buyer.shipping_address if questions.shipping_address in asked else None
    )
    checkout.custom_answers = answers
    checkout.consented = buyer.consented
    if buyer.billing_address and buyer.billing_address.get("country"):
        set_country(checkout, buyer.billing_address["country"])


def details_complete(session: DbSession, checkout: CheckoutSession, document: Document) -> bool:
    """Whether the saved details still answer everything this checkout requires.

    The merchant may add a required question after the buyer saved their details; the pay step
    then sends the buyer back to answer it.
    """
    questions = questions_of(session, document)
    required = [
        (checkout.phone, questions.phone),
        (checkout.billing_address, questions.billing_address),
        (checkout.shipping_address, questions.shipping_address),
    ]
    answered = checkout.custom_answers or {}
    return (
        bool(checkout.email)
        and all(given for given, collect in required if collect is Collect.REQUIRED)
        and (checkout.consented or not questions.consent_required)
        and all(str(q.id) in answered for q in questions.custom_fields if q.required)
    )


# What the checkout asks and offers


@dataclass(frozen=True)
class Questions:
    """What this checkout asks: the link's choice, else the checkout settings'."""

    billing_address: Collect
    shipping_address: Collect
    phone: Collect
    consent_required: bool
    custom_fields: list[CustomField]  # the merchant's own questions (Settings → Custom fields)


def questions_of(session: DbSession, document: Document) -> Questions:
    merchant = merchant_of(session, document)
    settings = checkout_settings(session, merchant)
    return Questions(
        billing_address=document.billing_address or settings.billing_address,
        shipping_address=document.shipping_address or settings.shipping_address,
        phone=document.phone or settings.phone,
        consent_required=settings.require_policy_consent,
        custom_fields=list(
            as_of_version(
                merchant,
                "custom_fields",
                lambda: _detached(session, lambda own: list_custom_fields(own, merchant)),
            )
        ),
    )


def policies_of(session: DbSession, document: Document, locale: str) -> list[Policy]:
    merchant = merchant_of(session, document)
    policies = as_of_version(
        merchant, "policies", lambda: _detached(session, lambda own: list_policies(own, merchant))
    )
    return list(policies_in(policies, merchant.default_locale, locale).values())


def is_test_mode(session: DbSession, document: Document) -> bool:
    """True unless the merchant's Stripe connection is live: buyer pages then say so."""
    account = connected_account(session, merchant_of(session, document))
    return account is None or not account.livemode


def branding_of(session: DbSession, document: Document) -> CheckoutSettings:
    return checkout_settings(session, merchant_of(session, document))


def offered_methods(session: DbSession, document: Document) -> list[PaymentMethod]:
    """The document's methods (within what the merchant accepts) that its currency allows;
    only reusable ones when the payment saves the method for later charges."""
    saving = document.charges_later or document.saves_method_for(session) is not None
    return [
        method
        for method in document.accepted(session)
        if required_currency(method) in (None, document.currency)
        and (not saving or method in REUSABLE_METHODS)
    ]


# Prices


@dataclass(frozen=True)
class Choices:
    """What the buyer chose that prices depend on: quantities by line id, a discount code, a
    method and a country. A checkout stores them; a preview uses a new buyer's."""

    quantities: dict[int, int]
    discount_code: str = ""
    method: str | None = None
    country: str | None = None
    # The discount of ``discount_code`` as the checkout read it (None: look it up).
    discount: Discount | None = None


def choices_of(checkout: CheckoutSession) -> Choices:
    return Choices(
        quantities={int(line_id): quantity for line_id, quantity in checkout.quantities.items()},
        discount_code=checkout.discount_code,
        method=checkout.method,
        country=checkout.country,
        discount=checkout.discount if checkout.discount_code else None,
    )


def new_buyer_choices(document: Document) -> Choices:
    """What a new checkout of ``document`` starts with (what the merchant's preview shows)."""
    return Choices(quantities=document.initial_quantities())


def checkout_cart(
    session: DbSession, document: Document, choices: Choices, today: date
) -> tuple[pricing.Cart, int | None]:
    """The cart priced for ``choices``, and the id of the discount it carries (if any)."""
    merchant = merchant_of(session, document)
    code = choices.discount_code if document.takes_discount_codes else ""
    discount = usable_discount(session, merchant, code, known=choices.discount)
    applied = pricing_discount(discount, document.currency) if discount else None
    cart = document.cart(
        choices.quantities,
        today,
        discount=applied,
        fees=_fees_of(session, merchant, document),
        buyer_country=choices.country,
    )
    return cart, discount.id if discount and applied else None


@dataclass(frozen=True)
class Summary:
    """What the buyer is shown: each line priced, the total for the chosen method (or none),
    and what each offered method would cost in all."""

    lines: list[tuple[Any, pricing.LineBreakdown]]  # the document's lines that are priced
    addable: list[tuple[Any, Money]]  # optional lines not added, at their subtotal
    breakdown: pricing.Breakdown
    per_method: dict[PaymentMethod, pricing.Breakdown]
    methods: list[PaymentMethod]
    method: PaymentMethod | None
    refusal: pricing.Refusal | None
    asks_country: bool  # a tax rate depends on the buyer's country
    discount_id: int | None  # the code whose discount the amounts include

    @property
    def method_order(self) -> list[PaymentMethod]:
        """The offered methods in the order the Payment Element lists them: the one the
        summary is priced for first, so the method the buyer sees first is the one priced."""
        chosen = [self.method] if self.method is not None else []
        return chosen + [method for method in self.methods if method not in chosen]


def summarize(session: DbSession, document: Document, choices: Choices, today: date) -> Summary:
    """The summary of ``document`` priced for ``choices`` (a checkout's, or a new buyer's)."""
    cart, discount_id = checkout_cart(session, document, choices, today)
    methods = offered_methods(session, document)
    method = PaymentMethod(choices.method) if choices.method in set(methods) else None
    # Each price is computed once: the chosen method's breakdown is its entry per method.
    per_method = {
        PaymentMethod(m.value): b
        for m, b in pricing.price_per_method(
            cart, [pricing.PaymentMethod(m.value) for m in methods]
        ).items()
    }
    without_method = pricing.price(cart, None)
    breakdown = per_method[method] if method is not None else without_method
    by_reference = {line.reference: line for line in breakdown.lines}
    return Summary(
        lines=[
            (line, by_reference[str(line.id)])
            for line in document.lines
            if str(line.id) in by_reference
        ],
        addable=document.addable(set(by_reference)),
        breakdown=breakdown,
        per_method=per_method,
        methods=methods,
        method=method,
        refusal=(
            pricing.refusal(without_method, later_charges=document.charges_later)
            or pricing.refusal(breakdown, later_charges=document.charges_later)
        ),
        asks_country=any(
            rate.countries for line in cart.lines for rate in line.effective_tax_rates
        ),
        discount_id=discount_id,
    )


def buyer_snapshot(checkout: CheckoutSession | None, locale: str) -> dict[str, Any]:
    """What the buyer typed, to put back into the forms (numbers as ``locale`` writes them;
    nothing in a preview)."""
    if checkout is None:
        return {}
    return {
        "email": checkout.email,
        "name": checkout.name,
        "phone": checkout.phone,
        **{f"billing_{k}": v for k, v in (checkout.billing_address or {}).items()},
        **{f"shipping_{k}": v for k, v in (checkout.shipping_address or {}).items()},
        **{
            answer_field_name(answer.question_id): (
                format_typed_decimal(Decimal(answer.value), locale)
                if answer.kind == CustomFieldKind.NUMBER
                else answer.value
            )
            for answer in checkout.answers
        },
        "consent": checkout.consented,
    }


# The pay step

OFF_SESSION = "off_session"  # the method is saved for charges made without the buyer


def _next_intent_key(session: DbSession, checkout: CheckoutSession) -> str:
    """A new idempotency key for the next create or update of the checkout's intent.

    The version is raised and committed *before* the call: were it saved only with the call's
    outcome, a commit failing after Stripe answered would give the next call the same key with
    other parameters, which Stripe refuses for 24 hours. The one service function that commits,
    for that reason; what the request changed so far is committed with it.
    """
    version = session.execute(
        update(CheckoutSession)
        .where(CheckoutSession.id == checkout.id)
        .values(intent_version=CheckoutSession.intent_version + 1)
        .returning(CheckoutSession.intent_version)
    ).scalar_one()
    session.commit()
    # This call's own version, as the UPDATE returned it: read back after the commit, two tabs
    # raising it at once could both see the later one and send other parameters under one key.
    return idempotency_key(session, "checkout", checkout.id, "intent", version)


def _payment_request(
    session: DbSession, checkout: CheckoutSession, document: Document, summary: Summary
) -> IntentRequest:
    if summary.refusal is not None:  # the buyer is told why, never sent to Stripe
        raise ServiceError(document.refusal_messages[summary.refusal])
    if not summary.methods:
        raise ServiceError(_l("This checkout cannot be paid. Please contact the seller."))
    saver = document.saves_method_for(session)
    if saver is None and summary.breakdown.due_later:
        saver = later_charges_customer(session, checkout)
    return IntentRequest(
        amount=summary.breakdown.due_now.total,
        payment_method_types=tuple(method.value for method in summary.methods),
        metadata=intent_metadata(
            merchant_of(session, checkout),
            document_type=checkout.document_type,
            document_id=checkout.document_id,
            checkout_reference=checkout.public_id,
        ),
        description=document.title,
        customer=processor_customer_id(session, saver) if saver is not None else None,
        setup_future_usage=OFF_SESSION if saver is not None else None,
    )


def _priced(summary: Summary, title: str, discount_code: str) -> dict[str, Any]:
    """What the confirmation checks a payment against: the amount due now for each method the
    intent allows (the intent's own amount is the chosen method's), and the discount in it;
    and what each method's payment buys (its receipt's lines, surcharge and taxes)."""
    names = {str(line.id): str(line.title) for line, _priced_line in summary.lines}
    return {
        "currency": summary.breakdown.due_now.total.currency,
        "amounts": {
            method.value: breakdown.due_now.total.amount
            for method, breakdown in summary.per_method.items()
        },
        "discount_id": summary.discount_id,
        "later": {
            method.value: later_charges_of(breakdown, names)
            for method, breakdown in summary.per_method.items()
            if breakdown.due_later
        },
        "purchases": {
            method.value: purchase_from_breakdown(title, breakdown, names, discount_code).as_json()
            for method, breakdown in summary.per_method.items()
        },
    }


def _buyer_details(checkout: CheckoutSession) -> BuyerDetails:
    return BuyerDetails(
        email=checkout.email,
        name=checkout.name,
        phone=checkout.phone,
        locale=checkout.locale,
        billing_address=checkout.billing_address,
        shipping_address=checkout.shipping_address,
    )


UNPAID = ("requires_payment_method", "requires_confirmation")


def payable(intent: IntentState) -> bool:
    """Whether the pay step can (still) confirm this intent: unpaid, or waiting for a 3-D Secure
    answer the buyer left unfinished (confirming again starts a new one). An intent waiting for
    micro-deposits, processing or paid is for the return page to explain."""
    if intent.status == "requires_action":
        return intent.next_action != MICRODEPOSITS
    return intent.status in UNPAID


def _out_of_date(intent: IntentState, request: IntentRequest) -> bool:
    """Whether the intent differs from what the checkout asks now (Kassa's metadata too: an
    intent made before checkouts had a public id gets it instead of the buyer's token)."""
    return (
        intent.amount != request.amount
        or set(intent.payment_method_types) != set(request.payment_method_types)
        or any(intent.metadata.get(key) != value for key, value in request.metadata.items())
        or intent.setup_future_usage != request.setup_future_usage
        or (request.customer is not None and intent.customer != request.customer)
    )


def _updated_or_as_confirmed(
    gateway: PaymentGateway, intent_id: str, request: IntentRequest, key: str
) -> IntentState:
    """The intent brought up to date; or, when a confirm got there first (in another tab:
    Stripe then answers that the intent can no longer be changed), the intent as it now is."""
    try:
        return gateway.update_payment_intent(intent_id, request, idempotency_key=key)
    except GatewayError as error:
        if error.code != "payment_intent_unexpected_state":
            raise
        return gateway.retrieve_payment_intent(intent_id)


def prepare_intent(
    session: DbSession,
    checkout: CheckoutSession,
    document: Document,
    today: date,
    *,
    gateway_for: GatewayLookup = connected_gateway,
) -> IntentState:
    """The checkout's one PaymentIntent, created on the first visit of the pay step and kept
    current while it can still be confirmed (unpaid, or a 3-D Secure challenge left open): its
    amount is always the total shown for the chosen method (a quantity, a code, the method's
    fee), and ``checkout.priced`` what the payment will be confirmed against."""
    offered = offered_methods(session, document)
    if checkout.method not in {method.value for method in offered}:  # none yet, or withdrawn
        checkout.method = offered[0].value if offered else None
    summary = summarize(session, document, choices_of(checkout), today)
    request = _payment_request(session, checkout, document, summary)
    gateway = gateway_for(session, checkout.merchant_id)
    if checkout.payment_intent_id is None:
        intent = gateway.create_payment_intent(
            request, idempotency_key=_next_intent_key(session, checkout)
        )
        checkout.payment_intent_id = intent.id
    else:
        intent = gateway.retrieve_payment_intent(checkout.payment_intent_id)
        if payable(intent) and _out_of_date(intent, request):
            intent = _updated_or_as_confirmed(
                gateway, intent.id, request, _next_intent_key(session, checkout)
            )
    if payable(intent):  # a confirmed intent keeps what it was confirmed at
        checkout.priced = _priced(summary, str(document.title), checkout.discount_code)
    start_payment(
        session,
        merchant_of(session, checkout),
        intent=intent,
        document_type=checkout.document_type,
        document_id=checkout.document_id,
        checkout_reference=checkout.public_id,
        buyer=_buyer_details(checkout),
        document_number=document.number,
        checkout=checkout,
    )
    return intent


def apply_change(
    session: DbSession,
    checkout: CheckoutSession,
    document: Document,
    change: Change,
    today: date,
) -> None:
    """One change to the summary and, while paying, the intent that follows it. A second tab
    recording the same payment at the same moment wins the version check: the change is made
    again on what that tab wrote (every change sets a value, so making it twice is harmless)."""

    def change_and_reprice() -> None:
        change(checkout, document)
        if checkout.payment_intent_id:  # paying: the intent follows the new amount
            prepare_intent(session, checkout, document, today)

    retry_on_conflict(session, change_and_reprice)


def open_pay_step(
    session: DbSession, checkout: CheckoutSession, document: Document, today: date
) -> IntentState:
    """The intent the pay step shows, made or brought up to date (two tabs opening the pay
    step at once both get the one intent: the later recording is made again on fresh data)."""
    return retry_on_conflict(session, lambda: prepare_intent(session, checkout, document, today))


@dataclass(frozen=True)
class Settled:
    """What the return page shows: the payment as recorded, and for a US bank account typed in
    by hand, where the buyer verifies the micro-deposits before the debit starts."""

    payment: Payment
    counted: Payment | None = None  # for a refunded duplicate: the checkout's payment that counts
    awaits_verification: bool = False
    verification_url: str | None = None  # Stripe's page for the code or the deposits' amounts
    microdeposit_type: str | None = None  # what Stripe sent: a descriptor code or two amounts


def settle_from_stripe(
    session: DbSession,
    checkout: CheckoutSession,
    intent_id: str | None = None,
    *,
    gateway_for: GatewayLookup = connected_gateway,
) -> Settled:
    """What the return page calls: read the intent now and record it (the recording path keeps
    the checkout's status). ``intent_id`` is the intent Stripe sent the buyer back from, when it
    is one of this checkout's (a second tab may have made another); else the checkout's own."""
    merchant = merchant_of(session, checkout)
    if intent_id is None or _payment_of_checkout(session, checkout, intent_id) is None:
        intent_id = checkout.payment_intent_id
    if intent_id is None:
        raise ServiceError(_l("This checkout has no payment yet."))

    def read_and_record() -> tuple[IntentState, Payment]:
        intent = gateway_for(session, merchant.id).retrieve_payment_intent(intent_id)
        return intent, record_intent(session, merchant, intent, gateway_for=gateway_for)

    intent, payment = retry_on_conflict(session, read_and_record)
    if payment.duplicate_of_id is not None:
        return Settled(payment, counted=session.get(Payment, payment.duplicate_of_id))
    if intent.status == "requires_action" and intent.next_action == MICRODEPOSITS:
        return Settled(
            payment,
            awaits_verification=True,
            verification_url=intent.verification_url,
            microdeposit_type=intent.microdeposit_type,
        )
    return Settled(payment)


def _payment_of_checkout(
    session: DbSession, checkout: CheckoutSession, intent_id: str
) -> Payment | None:
    return session.scalar(
        select(Payment).where(
            Payment.merchant_id == checkout.merchant_id,
            Payment.checkout_reference == checkout.public_id,
            Payment.intent_id == intent_id,
        )
    )


def receipted_payment(session: DbSession, checkout: CheckoutSession) -> Payment | None:
    """The checkout's payment that has a receipt (the accepted one whose money is in)."""
    return session.scalar(
        select(Payment)
        .where(
            Payment.merchant_id == checkout.merchant_id,
            Payment.checkout_reference == checkout.public_id,
            Payment.receipt_number.is_not(None),
        )
        .order_by(Payment.id)
        .limit(1)
    )
