"""The checkout's setup mode: save a buyer's method for later charges without charging now.

A document whose buyer owes nothing now but is charged later (a quote whose schedule starts on
a later date; a failed instalment's new method) opens a SetupIntent for the customer its
``saves_method_for`` names, with the methods the checkout offers for it (reusable ones only),
and shows ``checkout/setup.html``: the Payment Element mounted on the SetupIntent's client
secret (``static/js/setup.js``, ``stripe.confirmSetup``), with the mandate text for debits and
the consent text for a card that Stripe.js shows for a setup. The document keeps the
SetupIntent's id, serves the return page (Stripe adds ``setup_intent`` to it) and records what
was saved; webhooks reach it through ``payments.service.register_setup_handler``.
"""

from __future__ import annotations

import enum
from typing import Any

from flask import current_app
from sqlalchemy import update

from app.checkout.documents import Document
from app.checkout.service import branding_of, is_test_mode, merchant_of, offered_methods
from app.core.errors import ServiceError
from app.customers.models import Customer
from app.extensions import DbSession
from app.payments.reasons import last_error_message
from app.payments.service import setup_metadata
from app.processors.access import connected_gateway, publishable_key
from app.processors.customers import processor_customer_id
from app.processors.gateway import MICRODEPOSITS, SetupRequest, SetupState
from app.processors.idempotency import idempotency_key

UNCONFIRMED = ("requires_payment_method", "requires_confirmation")


class SetupOutcome(enum.StrEnum):
    """Where the buyer stands after a SetupIntent's return page."""

    SAVED = "saved"
    VERIFYING = "verifying"  # a bank account waiting for micro-deposits, or processing
    TRY_AGAIN = "try_again"  # declined or not confirmed: the page shows why


def confirmable(setup: SetupState) -> bool:
    """Whether the buyer can (still) confirm it: nothing saved yet, or a 3-D Secure answer left
    unfinished. One waiting for micro-deposits, processing or done is for the return page."""
    if setup.status == "requires_action":
        return setup.next_action != MICRODEPOSITS
    return setup.status in UNCONFIRMED


def setup_failure(setup: SetupState) -> str | None:
    """Why the last attempt failed (a declined card, a failed 3-D Secure), in the buyer's words."""
    if not setup.error_code:
        return None
    return last_error_message(
        setup.error_type, setup.error_code, setup.decline_code, setup.error_message
    )


def open_setup(
    session: DbSession,
    document: Document,
    *,
    current_id: str,
    key: tuple[object, ...],
    saver: Customer | None = None,
) -> SetupState:
    """The document's SetupIntent the buyer confirms: ``current_id`` while it can still be
    confirmed, else a new one made with ``key`` (the document's, from values durable before the
    call: two tabs opening it at once get the same SetupIntent from Stripe). The method is
    saved for ``saver`` (default: the customer ``saves_method_for`` names)."""
    saver = saver or document.saves_method_for(session)
    if saver is None:
        raise ServiceError("this document saves no method")  # a programming error: not shown
    gateway = connected_gateway(session, document.merchant.id)
    if current_id:
        current = gateway.retrieve_setup_intent(current_id)
        if confirmable(current):
            return current
    methods = tuple(method.value for method in offered_methods(session, document))
    return gateway.create_setup_intent(
        SetupRequest(
            customer=processor_customer_id(session, saver),
            payment_method_types=methods,
            metadata=setup_metadata(
                merchant_of(session, document), document_type=document.type, document_id=document.id
            ),
            description=document.title,
        ),
        idempotency_key(session, *key),
    )


def open_kept_setup(session: DbSession, document: Document, owner: Any, name: str) -> SetupState:
    """``open_setup`` for a row that keeps its SetupIntent's id (a quote, a subscription):
    keyed on the id it kept, and the new id written with a guarded UPDATE, so two tabs opening
    the page at once keep one SetupIntent."""
    before = owner.setup_intent_id
    setup = open_setup(
        session,
        document,
        current_id=before,
        key=(name, owner.id, "setup", "after", before or "none"),
    )
    if setup.id != before:
        model = type(owner)
        session.execute(
            update(model)
            .where(model.id == owner.id, model.setup_intent_id == before)
            .values(setup_intent_id=setup.id)
            .execution_options(synchronize_session=False)
        )
        session.refresh(owner)
    return setup


def setup_page(
    session: DbSession, document: Document, setup: SetupState, *, return_url: str
) -> dict[str, Any]:
    """What ``checkout/setup.html`` shows: the document's branding, the Payment Element's
    options (methods in the document's order, the buyer it knows) and the last failure."""
    settings = current_app.extensions["kassa_settings"]
    buyer = document.known_buyer
    return {
        "document": document,
        "merchant": merchant_of(session, document),
        "branding": branding_of(session, document),
        "test_mode": is_test_mode(session, document),
        "setup": setup,
        "failure": setup_failure(setup),
        "publishable_key": publishable_key(session, document.merchant.id),
        "stripe_js_url": settings.stripe_js_url,
        "return_url": settings.public_url + return_url,
        "method_order": [method.value for method in offered_methods(session, document)],
        "buyer_name": buyer.name if buyer else "",
        "buyer_email": buyer.email if buyer else "",
    }
