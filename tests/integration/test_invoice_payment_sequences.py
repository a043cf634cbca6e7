"""Random sequences of customers paying one invoice in parts, against the sandbox: two browsers
type parts (some too large or too small), pay by card or by SEPA debits that later clear or
bounce, the bank settles whenever, and webhooks come late or twice.

After every step: what is paid and what is clearing never exceed the total; each equals what
the accepted payments say (settled ones, and debits still processing); the page shows that
balance; a part the model says is out of bounds was refused, one within bounds was not.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import select

from app.extensions import db
from app.payments.models import Payment, PaymentStatus
from app.payments.service import PAID
from tests.conftest import empty_tables
from tests.integration.test_payments import record
from tests.support.invoice_buyers import (
    SEPA_FAILS,
    SEPA_SUCCEEDS,
    at_pay_step,
    choose_to_pay,
    confirm,
    invoice_of,
    invoicing_merchant,
)
from tests.support.invoices import open_invoice
from tests.support.sequences import run_sequences
from tests.support.stripe_sandbox import StripeSandbox

TOTAL = 112500
MINIMUM_PART = 10000


def typed(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def balance_shown(html: str) -> int:
    match = re.search(r'data-testid="balance-due">€([0-9,]+)\.([0-9]{2})<', html)
    assert match, html
    return int(match.group(1).replace(",", "")) * 100 + int(match.group(2))


class CustomersPayingParts(RuleBasedStateMachine):
    app: Flask
    sandbox: StripeSandbox

    def __init__(self) -> None:
        super().__init__()
        empty_tables(self.app)
        owner = self.app.test_client()
        self.account, self.merchant = invoicing_merchant(owner, self.app, self.sandbox)
        self.invoice_id, self.token = open_invoice(
            self.app, currency="EUR", allow_partial=True, minimum_part=MINIMUM_PART
        )
        self.browsers: list[FlaskClient] = [self.app.test_client(), self.app.test_client()]

    def _payable(self) -> int:
        invoice = invoice_of(self.app, self.invoice_id)
        return invoice.total - invoice.amount_paid - invoice.amount_pending

    @rule(
        browser=st.integers(0, 1),
        part=st.integers(1, TOTAL + 20000),
        whole=st.booleans(),
        how=st.sampled_from(["card", "sepa clears", "sepa bounces", "abandoned"]),
    )
    def pay_a_part(self, browser: int, part: int, whole: bool, how: str) -> None:
        payable = self._payable()
        amount = payable if whole else part
        response = choose_to_pay(self.browsers[browser], self.token, typed(amount))
        smallest = min(MINIMUM_PART, payable)
        allowed = payable > 0 and (amount == payable or smallest <= amount <= payable)
        if not allowed:
            assert response.status_code == 422, (amount, payable)
            return
        assert response.status_code == 302, (amount, payable, response.get_data(as_text=True))
        page = response.headers["Location"]
        method = "card" if how in ("card", "abandoned") else "sepa_debit"
        intent = at_pay_step(self.app, self.sandbox, self.account, self.browsers[browser], page,
                             method)  # fmt: skip
        assert intent["amount"] == amount
        if how == "abandoned":
            return  # the checkout stays open; nothing is claimed
        iban = SEPA_FAILS if how == "sepa bounces" else SEPA_SUCCEEDS
        confirm(self.sandbox, self.account, intent, method, iban)
        self.browsers[browser].get(f"{page}/return?payment_intent={intent['id']}")

    @rule(twice=st.booleans())
    def the_bank_settles_debits(self, twice: bool) -> None:
        self.sandbox.control("POST", "/_sandbox/advance")
        with self.app.app_context():
            clearing = list(
                db.session.scalars(
                    select(Payment.intent_id).where(Payment.status == PaymentStatus.PROCESSING)
                )
            )
        for intent_id in clearing:
            for _ in range(2 if twice else 1):  # a webhook delivered twice
                record(self.app, self.merchant, intent_id)

    @invariant()
    def never_more_than_the_total_and_as_the_payments_say(self) -> None:
        invoice = invoice_of(self.app, self.invoice_id)
        assert 0 <= invoice.amount_paid + invoice.amount_pending <= invoice.total
        with self.app.app_context():
            accepted = [
                p
                for p in db.session.scalars(select(Payment))
                if p.rejection is None and p.duplicate_of_id is None
            ]
            settled = sum(p.amount for p in accepted if p.status in PAID)
            clearing = sum(p.amount for p in accepted if p.status is PaymentStatus.PROCESSING)
        assert (invoice.amount_paid, invoice.amount_pending) == (settled, clearing)

    @invariant()
    def the_page_shows_the_balance(self) -> None:
        invoice = invoice_of(self.app, self.invoice_id)
        html = self.browsers[0].get(f"/i/{self.token}").get_data(as_text=True)
        assert balance_shown(html) == invoice.total - invoice.amount_paid
        assert ("Pay" in html and 'name="amount"' in html) == (
            invoice.total - invoice.amount_paid - invoice.amount_pending > 0
        )


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_random_part_payments_never_collect_more_than_the_invoice(
    app: Flask, stripe_sandbox: StripeSandbox
) -> None:
    run_sequences(CustomersPayingParts, examples=8, steps=8, app=app, sandbox=stripe_sandbox)
