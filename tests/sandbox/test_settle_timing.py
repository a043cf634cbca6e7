"""Bank debits settle by wall time after --debit-settle-seconds (delayed test numbers take
three times as long), or all at once on POST /_sandbox/advance."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from stripe_sandbox import create_app

from .conftest import Account, SandboxServer, serve, wait_for
from .helpers import sepa_payment

SETTLE_SECONDS = 0.5


@pytest.fixture
def quick_sandbox() -> Iterator[SandboxServer]:
    app = create_app(debit_settle_seconds=SETTLE_SECONDS)
    server, url = serve(app)
    yield SandboxServer(url, app, server)
    server.shutdown()


def _sepa(account: Account, iban: str) -> str:
    intent = sepa_payment(account, iban)
    assert intent.status == "processing"
    return intent.id


def test_debits_settle_after_the_configured_time(quick_sandbox: SandboxServer) -> None:
    account = quick_sandbox.new_account("AT")
    started = time.monotonic()
    normal = _sepa(account, "AT611904300234573201")
    delayed = _sepa(account, "AT321904300235473204")

    def status(intent_id: str) -> str:
        return account.client.v1.payment_intents.retrieve(intent_id).status

    wait_for(lambda: status(normal) == "succeeded", timeout=10)
    assert time.monotonic() - started >= SETTLE_SECONDS
    assert status(delayed) == "processing", "the delayed IBAN takes longer"
    wait_for(lambda: status(delayed) == "succeeded", timeout=10)
    assert time.monotonic() - started >= 3 * SETTLE_SECONDS


def test_advance_settles_everything_now(sandbox: SandboxServer) -> None:
    account = sandbox.new_account("AT")
    intent_id = _sepa(account, "AT321904300235473204")
    assert account.client.v1.payment_intents.retrieve(intent_id).status == "processing"
    assert sandbox.advance() >= 1
    assert account.client.v1.payment_intents.retrieve(intent_id).status == "succeeded"
    assert sandbox.advance() == 0, "nothing left to settle"
