"""Random sequences of what buyers do, against the sandbox: change the quantity, switch method,
apply or drop a code, leave a 3-D Secure challenge open, reload, pay as the page says or with
another method than the one reported, come back to the return page, be recorded by the webhook
path alone, or lose the webhook until reconciliation runs.

After every step: each payment Kassa accepted charged exactly the total of the method that paid
(and, when the buyer paid as the page said, the amount on the Pay button); everything else was
refunded; the link is never oversold and the code never used more often than allowed.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import stripe
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import select

from app.checkout.models import CheckoutSession
from app.checkout.service import checkout_by_token
from app.core.clock import utcnow
from app.extensions import db
from app.links.models import PaymentLink
from app.payments.models import Payment, PaymentStatus
from app.payments.service import PAID, reconcile
from app.settings.models import Discount
from tests.conftest import empty_tables
from tests.integration.test_payments import connected, record
from tests.support.accounts import post_form
from tests.support.payments import confirm_as_browser
from tests.support.sequences import run_sequences
from tests.support.settings import add_discount, add_fee, add_payment_link
from tests.support.stripe_sandbox import StripeSandbox

HTMX = {"HX-Request": "true"}
UNIT = 50000  # EUR 500.00 a seat
LIMIT = 3  # the link stops after three payments
CODE_USES = 2  # SAVE10 (10 %) may be used twice
SEPA_IBAN = "DE89370400440532013000"  # succeeds when the sandbox settles debits


def expected_total(quantity: int, with_code: bool, method: str) -> int:
    """The price the merchant set, worked out here from first principles: EUR 500 a seat, 10 %
    off with the code, a 2 % card fee on the total."""
    total = UNIT * quantity * (90 if with_code else 100) // 100
    return total + (total * 2 // 100 if method == "card" else 0)


def due_now(html: str) -> int:
    match = re.search(r'data-testid="due-now">€([0-9,]+)\.([0-9]{2})<', html)
    assert match, html
    return int(match.group(1).replace(",", "")) * 100 + int(match.group(2))


class BuyersPaying(RuleBasedStateMachine):
    app: Flask
    sandbox: StripeSandbox

    def __init__(self) -> None:
        super().__init__()
        empty_tables(self.app)
        owner = self.app.test_client()
        self.account, self.merchant = connected(owner, self.app, self.sandbox, "DE", "eur")
        page = "/panel/settings/checkout"
        post_form(owner, page, page, {"payment_methods": ["card", "sepa_debit"],
                  "billing_address": "off", "shipping_address": "off", "phone": "off"})  # fmt: skip
        add_fee(owner, "Card fee", fixed_currency="EUR", percent="2")
        add_discount(owner, "SAVE10", percent="10", currency="EUR", max_redemptions=str(CODE_USES))
        add_payment_link(owner, currency="EUR", adjustable_quantity="y", max_quantity="3",
                         payment_limit=str(LIMIT))  # fmt: skip
        self.buyer: FlaskClient = self.app.test_client()
        self.page: str | None = None
        self.quantity, self.with_code, self.method = 1, False, "card"
        self.shown: dict[str, int] = {}  # intent id -> the Pay button's amount when paid
        self.priced: dict[str, int] = {}  # intent id -> the total of the method that paid

    # -- the buyer's page ---------------------------------------------------------------

    def _checkout(self) -> CheckoutSession | None:
        if self.page is None:
            return None
        with self.app.app_context():
            token = self.page.rsplit("/", 1)[-1]
            checkout = checkout_by_token(db.session, token)
            assert checkout is not None
            db.session.expunge(checkout)
            return checkout

    def _open(self) -> bool:
        """The buyer's current checkout, opened (or a new one after paying); False once the
        link is used up (its closed page)."""
        checkout = self._checkout()
        if checkout is not None and checkout.status == "open":
            return True
        with self.app.app_context():
            slug = db.session.scalars(select(PaymentLink.slug)).one()
        link_page = f"/l/{slug}"
        response = self.buyer.get(link_page)
        details = {"email": "ada@example.com", "name": "Ada"}
        if response.status_code == 302:  # back to the checkout the browser opened
            self.page = response.headers["Location"]
            post_form(self.buyer, self.page, self.page + "/details", details)
        elif 'id="details"' in response.get_data(as_text=True):  # a new buyer's first view
            opened = post_form(self.buyer, link_page, link_page + "/details", details)
            self.page = opened.headers["Location"].removesuffix("/pay")
        else:
            return False
        self.quantity, self.with_code, self.method = 1, False, "card"
        return True

    def _line(self) -> str:
        with self.app.app_context():
            return str(db.session.scalars(select(PaymentLink)).one().lines[0].id)

    def _pay_page(self) -> str | None:
        response = self.buyer.get(f"{self.page}/pay")
        return response.get_data(as_text=True) if response.status_code == 200 else None

    def _intent(self) -> dict:
        checkout = self._checkout()
        assert checkout is not None and checkout.payment_intent_id
        merchant_stripe = stripe.StripeClient(
            self.account.secret_key, base_addresses={"api": self.sandbox.api_base}
        )
        return merchant_stripe.v1.payment_intents.retrieve(checkout.payment_intent_id).to_dict()

    def _confirm(self, intent: dict, **params: object) -> dict:
        """As the pay page's script; a confirm Stripe refuses (a declined card, an intent paid
        meanwhile) is an outcome of the sequence, not a failure of the test."""
        try:
            confirmed = confirm_as_browser(
                self.sandbox, self.account, intent["id"], intent["client_secret"], **params
            )
        except stripe.InvalidRequestError as error:
            return {"error": error.code}
        return {"error": confirmed["declined"]} if "declined" in confirmed else confirmed

    # -- rules ----------------------------------------------------------------------------

    @rule(quantity=st.integers(1, 3))
    def change_quantity(self, quantity: int) -> None:
        if self._open():
            line = self._line()
            post_form(self.buyer, self.page, f"{self.page}/quantity",
                      {"line": line, "quantity": str(quantity)}, headers=HTMX)  # fmt: skip
            self.quantity = quantity

    @rule(on=st.booleans())
    def toggle_code(self, on: bool) -> None:
        if self._open():
            response = post_form(self.buyer, self.page, f"{self.page}/discount",
                                 {"code": "save10" if on else ""}, headers=HTMX)  # fmt: skip
            if response.status_code == 200:
                self.with_code = on

    @rule(method=st.sampled_from(["card", "sepa_debit"]))
    def switch_method(self, method: str) -> None:
        """The Payment Element reports the buyer's choice; the summary follows it."""
        if self._open() and self._pay_page() is not None:
            response = post_form(self.buyer, f"{self.page}/pay", f"{self.page}/pay/method",
                                 {"method": method}, headers=HTMX)  # fmt: skip
            assert response.status_code == 200
            self.method = method

    @rule()
    def reload_pay_step(self) -> None:
        if self._open():
            self._pay_page()

    @rule()
    def leave_a_challenge_open(self) -> None:
        if self._open() and self._pay_page() is not None:
            self._confirm(self._intent(), payment_method="pm_card_threeDSecure2Required")

    @rule(
        method=st.sampled_from(["card", "sepa_debit"]),
        honest=st.booleans(),
        comes_back=st.sampled_from(["return page", "webhook", "lost"]),
    )
    def pay(self, method: str, honest: bool, comes_back: str) -> None:
        """Pay as the page's script does (the ready check reports the method first) or, when
        not honest, with ``method`` whatever the page was priced for."""
        if not (self._open() and (body := self._pay_page()) is not None):
            return
        if honest:
            response = post_form(self.buyer, f"{self.page}/pay", f"{self.page}/pay/method",
                                 {"method": method}, headers=HTMX)  # fmt: skip
            body = response.get_data(as_text=True)
        intent = self._intent()
        shown = due_now(body)
        data = (
            {"payment_method": "pm_card_visa"}
            if method == "card"
            else {
                "payment_method_data": {
                    "type": "sepa_debit",
                    "sepa_debit": {"iban": SEPA_IBAN},
                    "billing_details": {"name": "Ada", "email": "ada@example.com"},
                },
                "mandate_data": {"customer_acceptance": {"type": "online", "online": {
                    "ip_address": "203.0.113.7", "user_agent": "tests"}}},
            }
        )  # fmt: skip
        confirmed = self._confirm(intent, **data)
        if "error" in confirmed:
            return
        if honest:
            self.shown[intent["id"]] = shown
        self.priced[intent["id"]] = expected_total(self.quantity, self.with_code, method)
        if method == "sepa_debit":
            self.sandbox.control("POST", "/_sandbox/advance")
        if comes_back == "return page":
            self.buyer.get(f"{self.page}/return?payment_intent={intent['id']}")
        elif comes_back == "webhook":  # what the webhook handler does with the event
            record(self.app, self.merchant, intent["id"])

    @rule()
    def reconciliation_runs(self) -> None:
        with self.app.app_context():
            reconcile(db.session, utcnow() + timedelta(hours=1), timedelta(minutes=10))
            db.session.commit()

    # -- what must always hold ------------------------------------------------------------

    @invariant()
    def accepted_payments_charged_what_was_priced_and_shown(self) -> None:
        with self.app.app_context():
            for payment in db.session.scalars(select(Payment)):
                taken = payment.status in PAID or payment.status is PaymentStatus.PROCESSING
                if not taken or payment.rejection is not None:
                    continue
                if payment.intent_id in self.priced:
                    assert payment.amount == self.priced[payment.intent_id], payment.intent_id
                if payment.intent_id in self.shown:
                    assert payment.amount == self.shown[payment.intent_id], payment.intent_id

    @invariant()
    def refused_payments_are_refunded_once_paid(self) -> None:
        """Refunded, or the refund asked for (a bank debit's refund stays pending a while)."""
        with self.app.app_context():
            for payment in db.session.scalars(select(Payment)):
                if payment.rejection is None or payment.status not in PAID:
                    continue
                kinds = {event.kind for event in payment.events}
                asked = {"rejection_refunded", "duplicate_refunded"} & kinds
                assert payment.status is PaymentStatus.REFUNDED or asked, payment.rejection

    @invariant()
    def the_link_and_the_code_are_never_oversold(self) -> None:
        with self.app.app_context():
            accepted = [
                p
                for p in db.session.scalars(select(Payment))
                if p.rejection is None
                and (p.status in PAID or p.status is PaymentStatus.PROCESSING)
            ]
            paid_count = db.session.scalars(select(PaymentLink.paid_count)).one()
            assert len(accepted) == paid_count <= LIMIT
            uses = db.session.scalars(select(Discount.redemption_count)).one()
            assert uses <= CODE_USES


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_random_buyer_sequences_charge_what_they_show(
    app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    run_sequences(BuyersPaying, examples=6, steps=12, app=app, sandbox=stripe_sandbox)
