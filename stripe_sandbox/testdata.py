"""Stripe's published test numbers and what each one does, in one table per method.

Sources: Stripe's "Testing" documentation (cards, 3-D Secure, SEPA Direct Debit, ACH Direct
Debit, Bacs Direct Debit). Anything not listed behaves as the plain success case of its method
(any Luhn-valid card number, any valid IBAN, any 9-digit routing number, any sort code).
"""

from __future__ import annotations

from dataclasses import dataclass

# Outcome kinds shared by all methods.
SUCCEED = "succeed"
DECLINE = "decline"  # cards: declined at confirm; bank debits: fail when they settle
AUTHENTICATE = "authenticate"  # 3-D Secure on every payment, also off-session ones
AUTHENTICATE_UNLESS_SET_UP = "authenticate_unless_set_up"  # 3DS once, then off-session ok
SUCCEED_THEN_DISPUTE = "succeed_then_dispute"


@dataclass(frozen=True)
class Outcome:
    kind: str = SUCCEED
    code: str | None = None  # Stripe's error code, e.g. card_declined, insufficient_funds
    decline_code: str | None = None
    message: str | None = None
    delayed: bool = False  # bank debits that take longer than the normal settle time


@dataclass(frozen=True)
class TestCard:
    number: str
    brand: str
    outcome: Outcome = Outcome()
    funding: str = "credit"
    country: str = "US"


_DECLINED = "Your card was declined."


def _decline(decline_code: str, message: str = _DECLINED, code: str = "card_declined") -> Outcome:
    return Outcome(DECLINE, code=code, decline_code=decline_code, message=message)


TEST_CARDS: dict[str, TestCard] = {
    card.number: card
    for card in [
        TestCard("4242424242424242", "visa"),
        TestCard("4000056655665556", "visa", funding="debit"),
        TestCard("5555555555554444", "mastercard"),
        TestCard("2223003122003222", "mastercard"),
        TestCard("5200828282828210", "mastercard", funding="debit"),
        TestCard("378282246310005", "amex"),
        TestCard("6011111111111117", "discover"),
        TestCard("4000002760003184", "visa", Outcome(AUTHENTICATE)),
        TestCard("4000000000003220", "visa", Outcome(AUTHENTICATE)),
        TestCard("4000002500003155", "visa", Outcome(AUTHENTICATE_UNLESS_SET_UP)),
        TestCard("4000000000000002", "visa", _decline("generic_decline")),
        TestCard(
            "4000000000009995",
            "visa",
            _decline("insufficient_funds", "Your card has insufficient funds."),
        ),
        TestCard("4000000000009987", "visa", _decline("lost_card")),
        TestCard("4000000000009979", "visa", _decline("stolen_card")),
        TestCard(
            "4000000000000069",
            "visa",
            _decline("expired_card", "Your card has expired.", code="expired_card"),
        ),
        TestCard(
            "4000000000000127",
            "visa",
            _decline(
                "incorrect_cvc", "Your card's security code is incorrect.", code="incorrect_cvc"
            ),
        ),
        TestCard(
            "4000000000000119",
            "visa",
            _decline(
                "processing_error",
                "An error occurred while processing your card. Try again in a little bit.",
                code="processing_error",
            ),
        ),
        TestCard("4100000000000019", "visa", _decline("fraudulent")),
        TestCard("4000000000000341", "visa", _decline("generic_decline")),  # attaches, then fails
        TestCard("4000000000000259", "visa", Outcome(SUCCEED_THEN_DISPUTE)),
        TestCard("4000002500001001", "cartes_bancaires", country="FR"),
        TestCard("4000000760000002", "visa", country="BR"),
        TestCard("4000002760000016", "visa", country="DE"),
        TestCard("4000008260000000", "visa", country="GB"),
        TestCard("4000007520000008", "visa", country="SE"),
    ]
}

# Stripe's test PaymentMethod ids (usable in any account; each use materialises a new pm_).
TEST_PAYMENT_METHOD_CARDS: dict[str, str] = {
    "pm_card_visa": "4242424242424242",
    "pm_card_visa_debit": "4000056655665556",
    "pm_card_mastercard": "5555555555554444",
    "pm_card_amex": "378282246310005",
    "pm_card_discover": "6011111111111117",
    "pm_card_chargeDeclined": "4000000000000002",
    "pm_card_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_chargeDeclinedLostCard": "4000000000009987",
    "pm_card_chargeDeclinedStolenCard": "4000000000009979",
    "pm_card_chargeDeclinedExpiredCard": "4000000000000069",
    "pm_card_chargeDeclinedIncorrectCvc": "4000000000000127",
    "pm_card_chargeDeclinedProcessingError": "4000000000000119",
    "pm_card_chargeDeclinedFraudulent": "4100000000000019",
    "pm_card_chargeCustomerFail": "4000000000000341",
    "pm_card_createDispute": "4000000000000259",
    "pm_card_authenticationRequired": "4000002760003184",
    "pm_card_authenticationRequiredOnSetup": "4000002500003155",
    "pm_card_threeDSecure2Required": "4000000000003220",
    "pm_card_de": "4000002760000016",
    "pm_card_gb": "4000008260000000",
    "pm_card_se": "4000007520000008",
}

# SEPA Direct Debit IBANs.
TEST_IBANS: dict[str, Outcome] = {
    "AT611904300234573201": Outcome(SUCCEED),
    "DE89370400440532013000": Outcome(SUCCEED),
    "AT861904300235473202": Outcome(
        DECLINE,
        code="insufficient_funds",
        message="The customer's account has insufficient funds to cover this payment.",
    ),
    "AT321904300235473204": Outcome(SUCCEED, delayed=True),
    "AT051904300235473205": Outcome(
        DECLINE,
        code="insufficient_funds",
        delayed=True,
        message="The customer's account has insufficient funds to cover this payment.",
    ),
    "AT591904300235473203": Outcome(SUCCEED_THEN_DISPUTE),
}

# ACH Direct Debit: routing number 110000000 with these account numbers.
ACH_TEST_ROUTING_NUMBER = "110000000"
TEST_ACH_ACCOUNTS: dict[str, Outcome] = {
    "000123456789": Outcome(SUCCEED),
    "000111111113": Outcome(
        DECLINE, code="account_closed", message="The customer's bank account has been closed."
    ),
    "000111111116": Outcome(
        DECLINE, code="no_account", message="The customer's bank account could not be located."
    ),
    "000222222227": Outcome(
        DECLINE,
        code="insufficient_funds",
        message="The customer's account has insufficient funds to cover this payment.",
    ),
    "000333333335": Outcome(
        DECLINE,
        code="debit_not_authorized",
        message="The customer has notified their bank that this payment was unauthorized.",
    ),
}
# Micro-deposit verification values that succeed (anything else is a mismatch). What a typed
# US bank account is sent: one deposit with a descriptor code (Stripe's default, first here),
# or two amounts (an account created with ``microdeposit_type=amounts``).
MICRODEPOSIT_TYPES = ("descriptor_code", "amounts")
MICRODEPOSIT_AMOUNTS = (32, 45)
MICRODEPOSIT_DESCRIPTOR_CODE = "SM11AA"
MICRODEPOSIT_MAX_ATTEMPTS = 10

# Stripe's pre-verified ACH test PaymentMethods (no micro-deposits needed).
TEST_PAYMENT_METHOD_BANK_ACCOUNTS: dict[str, str] = {
    "pm_usBankAccount_success": "000123456789",
    "pm_usBankAccount_accountClosed": "000111111113",
    "pm_usBankAccount_noAccount": "000111111116",
    "pm_usBankAccount_insufficientFunds": "000222222227",
    "pm_usBankAccount_debitNotAuthorized": "000333333335",
}

# Bacs Direct Debit: sort code 108800 with these account numbers.
BACS_TEST_SORT_CODE = "108800"
TEST_BACS_ACCOUNTS: dict[str, Outcome] = {
    "00012345": Outcome(SUCCEED),
    "90012345": Outcome(SUCCEED, delayed=True),
    "22222227": Outcome(
        DECLINE,
        code="insufficient_funds",
        message="The customer's account has insufficient funds to cover this payment.",
    ),
    "33333335": Outcome(
        DECLINE,
        code="debit_not_authorized",
        message="The customer has notified their bank that this payment was unauthorized.",
    ),
    "55555559": Outcome(SUCCEED_THEN_DISPUTE),
}


def card_brand(number: str) -> str:
    """The brand of a card number by its leading digits (the card networks' IIN ranges)."""
    if number in TEST_CARDS:
        return TEST_CARDS[number].brand
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or 2221 <= int(number[:4] or 0) <= 2720:
        return "mastercard"
    if number[:2] in {"34", "37"}:
        return "amex"
    if number.startswith(("6011", "65")):
        return "discover"
    if number.startswith("35"):
        return "jcb"
    return "unknown"


def luhn_valid(number: str) -> bool:
    if not number.isdigit() or not 12 <= len(number) <= 19:
        return False
    total = 0
    for index, digit in enumerate(reversed(number)):
        value = int(digit)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def iban_valid(iban: str) -> bool:
    """ISO 13616 mod-97 check."""
    if len(iban) < 15 or not iban[:2].isalpha() or not iban[2:4].isdigit():
        return False
    rearranged = iban[4:] + iban[:4]
    try:
        digits = "".join(str(int(char, 36)) for char in rearranged)
    except ValueError:
        return False
    return int(digits) % 97 == 1


def routing_number_valid(routing: str) -> bool:
    """ABA routing number checksum (3-7-1 weights)."""
    if len(routing) != 9 or not routing.isdigit():
        return False
    weights = (3, 7, 1) * 3
    return sum(int(d) * w for d, w in zip(routing, weights, strict=True)) % 10 == 0
