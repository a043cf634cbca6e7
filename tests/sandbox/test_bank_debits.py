"""Bank debits (SEPA, ACH, Bacs): processing on confirm, then each test number's outcome when
the debit settles (on /_sandbox/advance here; on a timer in test_settle_timing)."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from .conftest import MANDATE_DATA, Account, SandboxServer, http
from .helpers import ACH_TEST_ACCOUNT, post_form, sepa_payment

BILLING = {"name": "Jenny Rosen", "email": "jenny@example.com"}


def _debit(account: Account, currency: str, method_data: dict[str, Any], amount: int = 2500) -> Any:
    intent = account.client.v1.payment_intents.create(
        params={
            "amount": amount,
            "currency": currency,
            "payment_method_types": [method_data["type"]],
        }
    )
    return account.public_client.v1.payment_intents.confirm(
        intent.id,
        params={
            "client_secret": intent.client_secret,
            "payment_method_data": method_data,
            "mandate_data": MANDATE_DATA,
            "return_url": "https://shop.example/return",
        },
    )


def _ach_debit(account: Account, **bank_account: str) -> Any:
    """A USD payment from a typed US bank account (the test one unless ``bank_account`` says
    otherwise), confirmed as Stripe.js does: it waits for micro-deposit verification."""
    return _debit(
        account,
        "usd",
        {
            "type": "us_bank_account",
            "billing_details": BILLING,
            "us_bank_account": {**ACH_TEST_ACCOUNT, **bank_account},
        },
    )


def _final(sandbox: SandboxServer, account: Account, intent_id: str) -> Any:
    assert sandbox.advance() >= 1
    return account.client.v1.payment_intents.retrieve(
        intent_id, params={"expand": ["latest_charge"]}
    )


def _event_types(account: Account) -> list[str]:
    return [event.type for event in account.client.v1.events.list(params={"limit": 100}).data]


SEPA_OUTCOMES = [
    ("AT611904300234573201", "succeeded", None, False),
    ("DE89370400440532013000", "succeeded", None, False),
    ("AT861904300235473202", "requires_payment_method", "insufficient_funds", False),
    ("AT321904300235473204", "succeeded", None, False),
    ("AT051904300235473205", "requires_payment_method", "insufficient_funds", False),
    ("AT591904300235473203", "succeeded", None, True),
]


@pytest.mark.parametrize(
    ("iban", "status", "failure", "disputed"), SEPA_OUTCOMES, ids=[row[0] for row in SEPA_OUTCOMES]
)
def test_sepa_iban_outcome(
    sandbox: SandboxServer, iban: str, status: str, failure: str | None, disputed: bool
) -> None:
    account = sandbox.new_account("DE")
    intent = _debit(
        account,
        "eur",
        {"type": "sepa_debit", "sepa_debit": {"iban": iban}, "billing_details": BILLING},
    )
    assert intent.status == "processing"
    pending = account.client.v1.charges.retrieve(intent.latest_charge)
    assert (pending.status, pending.paid, pending.balance_transaction) == ("pending", False, None)
    final = _final(sandbox, account, intent.id)
    assert final.status == status
    assert final.latest_charge.failure_code == failure
    assert final.latest_charge.disputed is disputed
    types = _event_types(account)
    assert "payment_intent.processing" in types and "charge.pending" in types
    if status == "succeeded":
        assert final.latest_charge.balance_transaction.startswith("txn_")
        assert "payment_intent.succeeded" in types
    else:
        assert final.last_payment_error.code == failure
        assert "payment_intent.payment_failed" in types and "charge.failed" in types
    assert ("charge.dispute.created" in types) is disputed
    assert ("charge.updated" in types) is disputed


ACH_OUTCOMES = [
    ("pm_usBankAccount_success", "succeeded", None),
    ("pm_usBankAccount_accountClosed", "requires_payment_method", "account_closed"),
    ("pm_usBankAccount_noAccount", "requires_payment_method", "no_account"),
    ("pm_usBankAccount_insufficientFunds", "requires_payment_method", "insufficient_funds"),
]


@pytest.mark.parametrize(
    ("test_id", "status", "failure"), ACH_OUTCOMES, ids=[row[0] for row in ACH_OUTCOMES]
)
def test_ach_test_payment_methods(
    sandbox: SandboxServer, account: Account, test_id: str, status: str, failure: str | None
) -> None:
    intent = account.client.v1.payment_intents.create(
        params={
            "amount": 10000,
            "currency": "usd",
            "payment_method_types": ["us_bank_account"],
            "payment_method": test_id,
            "confirm": True,
            "mandate_data": MANDATE_DATA,
        }
    )
    assert intent.status == "processing"
    final = _final(sandbox, account, intent.id)
    assert (final.status, final.latest_charge.failure_code) == (status, failure)


@pytest.mark.parametrize(
    ("account_number", "status", "failure"),
    [
        ("000123456789", "succeeded", None),
        ("000111111113", "requires_payment_method", "account_closed"),
        ("000111111116", "requires_payment_method", "no_account"),
        ("000222222227", "requires_payment_method", "insufficient_funds"),
    ],
)
def test_ach_account_numbers_with_microdeposits(
    sandbox: SandboxServer, account: Account, account_number: str, status: str, failure: str | None
) -> None:
    intent = _ach_debit(account, account_number=account_number, account_holder_type="individual")
    assert intent.status == "requires_action"
    assert intent.next_action.type == "verify_with_microdeposits"
    assert intent.next_action.verify_with_microdeposits.microdeposit_type == "descriptor_code"
    verified = account.public_client.v1.payment_intents.verify_microdeposits(
        intent.id, params={"client_secret": intent.client_secret, "descriptor_code": "SM11AA"}
    )
    assert verified.status == "processing"
    final = _final(sandbox, account, intent.id)
    assert (final.status, final.latest_charge.failure_code) == (status, failure)


def test_microdeposit_descriptor_code_and_mismatch(account: Account) -> None:
    """As at Stripe, a typed account is sent one deposit with a code by default: the test
    amounts match nothing, SM11AA verifies it."""
    intent = _ach_debit(account)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        account.client.v1.payment_intents.verify_microdeposits(
            intent.id, params={"amounts": [32, 45]}
        )
    assert caught.value.code == "payment_method_microdeposit_verification_amounts_mismatch"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        account.client.v1.payment_intents.verify_microdeposits(
            intent.id, params={"descriptor_code": "SM99ZZ"}
        )
    assert caught.value.code == "payment_method_microdeposit_verification_descriptor_code_mismatch"
    assert account.client.v1.payment_intents.retrieve(intent.id).status == "requires_action"
    verified = account.client.v1.payment_intents.verify_microdeposits(
        intent.id, params={"descriptor_code": "SM11AA"}
    )
    assert verified.status == "processing"


def test_an_account_may_be_sent_two_amounts_instead(sandbox: SandboxServer) -> None:
    account = sandbox.new_account("US", microdeposit_type="amounts")
    intent = _ach_debit(account)
    assert intent.next_action.verify_with_microdeposits.microdeposit_type == "amounts"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        account.client.v1.payment_intents.verify_microdeposits(
            intent.id, params={"descriptor_code": "SM11AA"}
        )
    assert caught.value.code == "payment_method_microdeposit_verification_descriptor_code_mismatch"
    verified = account.client.v1.payment_intents.verify_microdeposits(
        intent.id, params={"amounts": [45, 32]}
    )
    assert verified.status == "processing"


def test_an_unknown_microdeposit_type_is_refused(sandbox: SandboxServer) -> None:
    status, body = sandbox.control(
        "POST", "/_sandbox/accounts", {"country": "US", "microdeposit_type": "carrier_pigeon"}
    )
    assert status == 400
    assert "descriptor_code, amounts" in body["error"]["message"]


BACS_OUTCOMES = [
    ("00012345", "succeeded", None, False),
    ("90012345", "succeeded", None, False),
    ("22222227", "requires_payment_method", "insufficient_funds", False),
    ("33333335", "requires_payment_method", "debit_not_authorized", False),
    ("55555559", "succeeded", None, True),
]


@pytest.mark.parametrize(
    ("account_number", "status", "failure", "disputed"),
    BACS_OUTCOMES,
    ids=[row[0] for row in BACS_OUTCOMES],
)
def test_bacs_account_outcome(
    sandbox: SandboxServer, account_number: str, status: str, failure: str | None, disputed: bool
) -> None:
    account = sandbox.new_account("GB")
    intent = _debit(
        account,
        "gbp",
        {
            "type": "bacs_debit",
            "billing_details": BILLING,
            "bacs_debit": {"sort_code": "108800", "account_number": account_number},
        },
    )
    assert intent.status == "processing"
    charge = account.client.v1.charges.retrieve(intent.latest_charge)
    mandate_id = charge.payment_method_details.bacs_debit.mandate
    assert account.client.v1.mandates.retrieve(mandate_id).status == "pending"
    final = _final(sandbox, account, intent.id)
    assert (final.status, final.latest_charge.failure_code) == (status, failure)
    assert final.latest_charge.disputed is disputed
    mandate = account.client.v1.mandates.retrieve(mandate_id)
    assert mandate.status == ("inactive" if failure == "debit_not_authorized" else "active")
    assert "mandate.updated" in _event_types(account)


def test_sepa_setup_intent_saves_a_mandate(sandbox: SandboxServer) -> None:
    account = sandbox.new_account("FR")
    customer = account.client.v1.customers.create(params={"email": "jenny@example.com"})
    setup = account.client.v1.setup_intents.create(
        params={"customer": customer.id, "payment_method_types": ["sepa_debit"]}
    )
    done = account.public_client.v1.setup_intents.confirm(
        setup.id,
        params={
            "client_secret": setup.client_secret,
            "mandate_data": MANDATE_DATA,
            "payment_method_data": {
                "type": "sepa_debit",
                "billing_details": BILLING,
                "sepa_debit": {"iban": "AT611904300234573201"},
            },
        },
    )
    assert done.status == "succeeded"
    mandate = account.client.v1.mandates.retrieve(done.mandate)
    assert (mandate.status, mandate.type) == ("active", "multi_use")
    later = account.client.v1.payment_intents.create(
        params={
            "amount": 900,
            "currency": "eur",
            "customer": customer.id,
            "payment_method_types": ["sepa_debit"],
            "payment_method": done.payment_method,
            "off_session": True,
            "confirm": True,
        }
    )
    assert later.status == "processing"
    assert _final(sandbox, account, later.id).status == "succeeded"


def _saved_sepa(account: Account, iban: str = "AT611904300234573201") -> tuple[str, Any]:
    """A customer and a SEPA method saved by a SetupIntent under a multi-use mandate."""
    customer = account.client.v1.customers.create(params={"email": "jenny@example.com"})
    setup = account.client.v1.setup_intents.create(
        params={
            "customer": customer.id,
            "payment_method_types": ["sepa_debit"],
            "confirm": True,
            "mandate_data": MANDATE_DATA,
            "payment_method_data": {
                "type": "sepa_debit",
                "billing_details": BILLING,
                "sepa_debit": {"iban": iban},
            },
        }
    )
    assert setup.status == "succeeded"
    return customer.id, setup


def _off_session_debit(account: Account, customer: str, method: str, **params: Any) -> Any:
    return account.client.v1.payment_intents.create(
        params={
            "amount": 900,
            "currency": "eur",
            "customer": customer,
            "payment_method_types": ["sepa_debit"],
            "payment_method": method,
            "off_session": True,
            "confirm": True,
            "expand": ["latest_charge"],
            **params,
        }
    )


def test_an_off_session_debit_runs_under_the_mandate_it_names(sandbox: SandboxServer) -> None:
    account = sandbox.new_account("FR")
    customer, setup = _saved_sepa(account)
    later = _off_session_debit(account, customer, setup.payment_method, mandate=setup.mandate)
    assert later.status == "processing"
    assert later.latest_charge.payment_method_details.sepa_debit.mandate == setup.mandate


def test_a_wrong_mandate_is_refused(sandbox: SandboxServer) -> None:
    account = sandbox.new_account("FR")
    customer, setup = _saved_sepa(account)
    other_customer, other = _saved_sepa(account, "DE89370400440532013000")
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        _off_session_debit(account, customer, setup.payment_method, mandate="mandate_nope")
    assert (unknown.value.code, unknown.value.param) == ("resource_missing", "mandate")
    with pytest.raises(stripe.InvalidRequestError) as another:
        _off_session_debit(account, customer, setup.payment_method, mandate=other.mandate)
    assert (another.value.code, another.value.param) == (
        "payment_intent_mandate_invalid",
        "mandate",
    )
    with pytest.raises(stripe.InvalidRequestError) as unconfirmed:
        account.client.v1.payment_intents.create(
            params={"amount": 900, "currency": "eur", "payment_method_types": ["sepa_debit"],
                    "mandate": setup.mandate}
        )  # fmt: skip
    assert unconfirmed.value.param == "mandate"
    assert other_customer != customer


def test_ach_setup_intent_with_microdeposits(account: Account) -> None:
    customer = account.client.v1.customers.create()
    setup = account.client.v1.setup_intents.create(
        params={
            "customer": customer.id,
            "payment_method_types": ["us_bank_account"],
            "confirm": True,
            "mandate_data": MANDATE_DATA,
            "payment_method_data": {
                "type": "us_bank_account",
                "billing_details": BILLING,
                "us_bank_account": ACH_TEST_ACCOUNT,
            },
        }
    )
    assert setup.next_action.type == "verify_with_microdeposits"
    done = account.client.v1.setup_intents.verify_microdeposits(
        setup.id, params={"descriptor_code": "SM11AA"}
    )
    assert done.status == "succeeded"
    assert account.client.v1.payment_methods.retrieve(done.payment_method).customer == customer.id


def test_bank_debits_need_a_mandate(sandbox: SandboxServer) -> None:
    account = sandbox.new_account("NL")
    with pytest.raises(stripe.InvalidRequestError) as caught:
        sepa_payment(account, "DE89370400440532013000", mandate_data=None)
    assert caught.value.param == "mandate_data"


@pytest.mark.parametrize(
    ("country", "currency", "method_type"),
    [
        ("US", "usd", "sepa_debit"),  # SEPA is EUR only
        ("DE", "eur", "us_bank_account"),  # ACH needs a US account (and USD)
        ("GB", "eur", "bacs_debit"),  # Bacs is GBP only
        ("US", "gbp", "bacs_debit"),  # ... and UK accounts only
    ],
)
def test_methods_only_in_their_currency_and_country(
    sandbox: SandboxServer, country: str, currency: str, method_type: str
) -> None:
    account = sandbox.new_account(country)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        account.client.v1.payment_intents.create(
            params={"amount": 5000, "currency": currency, "payment_method_types": [method_type]}
        )
    assert caught.value.param == "payment_method_types"


def test_capabilities_are_checked(sandbox: SandboxServer) -> None:
    account = sandbox.new_account("DE", capabilities=["card_payments"])
    with pytest.raises(stripe.InvalidRequestError) as caught:
        account.client.v1.payment_intents.create(
            params={"amount": 5000, "currency": "eur", "payment_method_types": ["sepa_debit"]}
        )
    assert caught.value.param == "payment_method_types"
    automatic = account.client.v1.payment_intents.create(params={"amount": 5000, "currency": "eur"})
    assert automatic.payment_method_types == ["card"]
    full = sandbox.new_account("DE")
    assert full.client.v1.payment_intents.create(
        params={"amount": 5000, "currency": "eur"}
    ).payment_method_types == ["card", "sepa_debit"]


@pytest.mark.parametrize(
    ("currency", "minimum"),
    [
        ("usd", 50),
        ("eur", 50),
        ("gbp", 30),
        ("jpy", 50),
        ("sek", 300),
        ("nok", 300),
        ("dkk", 250),
        ("chf", 50),
        ("cad", 50),
        ("aud", 50),
        ("pln", 200),
        ("czk", 1500),
        ("huf", 17500),
    ],
)
def test_minimum_amounts(account: Account, currency: str, minimum: int) -> None:
    params = {"currency": currency, "payment_method_types": ["card"]}
    with pytest.raises(stripe.InvalidRequestError) as caught:
        account.client.v1.payment_intents.create(params={**params, "amount": minimum - 1})
    assert (caught.value.code, caught.value.param) == ("amount_too_small", "amount")
    assert (
        account.client.v1.payment_intents.create(params={**params, "amount": minimum}).amount
        == minimum
    )


def test_amount_too_large(account: Account) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        account.client.v1.payment_intents.create(params={"amount": 100_000_000, "currency": "usd"})
    assert caught.value.code == "amount_too_large"


def test_microdeposit_attempts_are_limited(account: Account) -> None:
    intent = _ach_debit(account)
    codes = []
    for _ in range(10):
        with pytest.raises(stripe.InvalidRequestError) as caught:
            account.client.v1.payment_intents.verify_microdeposits(
                intent.id, params={"amounts": [1, 2]}
            )
        codes.append(caught.value.code)
    assert codes[:9] == ["payment_method_microdeposit_verification_amounts_mismatch"] * 9
    assert codes[9] == "payment_method_microdeposit_verification_attempts_exceeded"
    failed = account.client.v1.payment_intents.retrieve(intent.id)
    assert failed.status == "requires_payment_method"
    assert failed.last_payment_error.code == codes[9]


def test_hosted_microdeposit_page(account: Account) -> None:
    intent = _ach_debit(account)
    url = intent.next_action.verify_with_microdeposits.hosted_verification_url
    status, _, page = http("GET", url)
    assert status == 200 and b"Verify your bank account" in page
    assert b"Descriptor code" in page and b"Amount 1" not in page
    status, _, page = post_form(url, b"descriptor_code=SM11AA")
    assert status == 200 and b"Verified." in page
    assert account.client.v1.payment_intents.retrieve(intent.id).status == "processing"


def test_hosted_microdeposit_page_for_two_amounts(sandbox: SandboxServer) -> None:
    account = sandbox.new_account("US", microdeposit_type="amounts")
    intent = _ach_debit(account)
    url = intent.next_action.verify_with_microdeposits.hosted_verification_url
    status, _, page = http("GET", url)
    assert status == 200 and b"Amount 1" in page and b"Descriptor code" not in page
    status, _, page = post_form(url, b"amount1=45&amount2=32")
    assert status == 200 and b"Verified." in page
    assert account.client.v1.payment_intents.retrieve(intent.id).status == "processing"


def test_the_hosted_page_fails_the_payment_when_attempts_run_out(account: Account) -> None:
    intent = _ach_debit(account)
    url = intent.next_action.verify_with_microdeposits.hosted_verification_url
    for _ in range(9):
        status, _, page = post_form(url, b"descriptor_code=SM00XX")
        assert status == 200
        assert b"The descriptor code provided does not match the code that was sent" in page
    status, _, page = post_form(url, b"descriptor_code=SM00XX")
    assert b"exceeded the number of allowed verification attempts" in page
    failed = account.client.v1.payment_intents.retrieve(intent.id)
    assert failed.status == "requires_payment_method"
    assert (
        failed.last_payment_error.code
        == "payment_method_microdeposit_verification_attempts_exceeded"
    )


def test_bacs_setup_intent_mandate_activates_on_settlement(sandbox: SandboxServer) -> None:
    account = sandbox.new_account("GB")
    customer = account.client.v1.customers.create()
    setup = account.client.v1.setup_intents.create(
        params={
            "customer": customer.id,
            "payment_method_types": ["bacs_debit"],
            "confirm": True,
            "mandate_data": MANDATE_DATA,
            "payment_method_data": {
                "type": "bacs_debit",
                "billing_details": BILLING,
                "bacs_debit": {"sort_code": "10-88-00", "account_number": "00012345"},
            },
        }
    )
    assert setup.status == "succeeded"
    assert account.client.v1.mandates.retrieve(setup.mandate).status == "pending"
    sandbox.advance()
    mandate = account.client.v1.mandates.retrieve(setup.mandate)
    assert mandate.status == "active"
    assert mandate.payment_method_details.bacs_debit.network_status == "accepted"
