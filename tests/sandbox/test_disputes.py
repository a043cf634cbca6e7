"""Disputes: Stripe's test card 4000 0000 0000 0259 succeeds and is disputed as fraudulent, the
disputed amount leaves the balance, the dispute is read and listed as at Stripe, and the control
endpoints decide it won (the amount comes back) or lost, once."""

from __future__ import annotations

import pytest
import stripe

from .conftest import Account, SandboxServer
from .helpers import card_payment, sepa_payment
from .test_contract import assert_stripe_shape


def test_a_disputed_card_payment_is_won_and_its_amount_comes_back(
    sandbox: SandboxServer, account: Account
) -> None:
    intent = card_payment(account, "pm_card_createDispute", amount=2000)
    charge = account.client.v1.charges.retrieve(intent.latest_charge)
    assert intent.status == "succeeded" and charge.disputed
    listed = account.client.v1.disputes.list(params={"payment_intent": intent.id}).data
    assert len(listed) == 1
    dispute = account.client.v1.disputes.retrieve(listed[0].id)
    assert_stripe_shape(dispute, "dispute")
    assert (dispute.amount, dispute.currency, dispute.reason) == (2000, "usd", "fraudulent")
    assert dispute.status == "needs_response" and dispute.charge == charge.id
    assert dispute.evidence_details.due_by > dispute.created
    assert [t.amount for t in dispute.balance_transactions] == [-2000]
    assert account.client.v1.disputes.list(params={"charge": "ch_other"}).data == []
    with pytest.raises(stripe.InvalidRequestError):  # another account's is not found
        sandbox.new_account().client.v1.disputes.retrieve(dispute.id)

    status, won = sandbox.control("POST", f"/_sandbox/disputes/{dispute.id}/win", {})
    assert (status, won["status"]) == (200, "won")
    assert [t["amount"] for t in won["balance_transactions"]] == [-2000, 2000]
    types = [event.type for event in account.client.v1.events.list(params={"type": "charge.*"})]
    for kind in ("charge.dispute.created", "charge.dispute.funds_withdrawn",
                 "charge.dispute.funds_reinstated", "charge.dispute.closed"):  # fmt: skip
        assert types.count(kind) == 1, kind
    again, _body = sandbox.control("POST", f"/_sandbox/disputes/{dispute.id}/lose", {})
    unknown, _body = sandbox.control("POST", "/_sandbox/disputes/dp_nothing/win", {})
    wrong, _body = sandbox.control("POST", f"/_sandbox/disputes/{dispute.id}/draw", {})
    assert (again, unknown, wrong) == (400, 404, 404)


def test_a_card_dispute_is_lost(sandbox: SandboxServer, account: Account) -> None:
    intent = card_payment(account, "pm_card_createDispute", amount=1500)
    dispute = account.client.v1.disputes.list(params={"payment_intent": intent.id}).data[0]
    status, lost = sandbox.control("POST", f"/_sandbox/disputes/{dispute.id}/lose", {})
    assert (status, lost["status"]) == (200, "lost")
    assert [t["amount"] for t in lost["balance_transactions"]] == [-1500]


def test_a_disputed_sepa_debit_is_lost_at_once(sandbox: SandboxServer) -> None:
    account = sandbox.new_account("DE")
    intent = sepa_payment(account, "AT591904300235473203", amount=3000)
    sandbox.advance()
    dispute = account.client.v1.disputes.list(params={"payment_intent": intent.id}).data[0]
    assert (dispute.status, dispute.reason) == ("lost", "debit_not_authorized")
