"""Control endpoints, fault injection, persistence, seeding, mounting under a prefix and the
command line."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import stripe
from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from stripe_sandbox import create_app
from tests.support.servers import stop_process

from .conftest import Account, SandboxServer, http, serve, wait_for
from .helpers import post_form, sepa_payment


def test_account_creation_is_reflected_by_the_api(sandbox: SandboxServer) -> None:
    account = sandbox.new_account("SE", default_currency="sek", business_name="Kaffebaren")
    seen = account.client.v1.accounts.retrieve_current()
    assert (seen.id, seen.country, seen.default_currency) == (account.id, "SE", "sek")
    assert seen.business_profile.name == "Kaffebaren"
    assert seen.capabilities["card_payments"] == "active"
    assert seen.capabilities["sepa_debit_payments"] == "active"
    assert account.secret_key.startswith("sk_test_")
    assert account.publishable_key.startswith("pk_test_")


def test_account_creation_by_form(sandbox: SandboxServer) -> None:
    body = b"country=GB&business_name=Tea+Rooms&capabilities[]=card_payments"
    status, _, raw = post_form(f"{sandbox.url}/_sandbox/accounts", body)
    assert status == 200
    keys = json.loads(raw)
    seen = sandbox.client(keys["secret_key"]).v1.accounts.retrieve_current()
    assert (seen.country, seen.default_currency) == ("GB", "gbp")
    assert seen.capabilities["bacs_debit_payments"] == "inactive"


def test_error_rate_fault(sandbox: SandboxServer, account: Account) -> None:
    sandbox.faults(error_rate=1.0)
    with pytest.raises(stripe.APIError) as caught:
        account.client.v1.customers.create()
    assert caught.value.http_status == 500
    sandbox.faults(error_rate=0)
    assert account.client.v1.customers.list().data == [], "the failed call changed nothing"


def test_injected_errors_are_safe_to_retry(sandbox: SandboxServer, account: Account) -> None:
    """An injected 500 happens before anything is done and is not remembered for its
    idempotency key, so a retry with the same key (as the stripe library makes) goes through."""
    sandbox.faults(error_rate=1.0)
    with pytest.raises(stripe.APIError) as caught:
        account.client.v1.customers.create(options={"idempotency_key": "retry-me"})
    assert caught.value.headers["Stripe-Should-Retry"] == "true"
    sandbox.faults(error_rate=0)
    customer = account.client.v1.customers.create(options={"idempotency_key": "retry-me"})
    assert customer.last_response.headers.get("Idempotent-Replayed") is None
    assert [item.id for item in account.client.v1.customers.list().data] == [customer.id]


def test_failing_writes_fault(sandbox: SandboxServer, account: Account) -> None:
    """Writes to the paths named fail before doing anything; reads and other writes work."""
    customer = account.client.v1.customers.create(params={"email": "a@example.com"})
    status, faults = sandbox.control(
        "POST", "/_sandbox/faults", {"failing_writes": ["/v1/customers/"]}
    )
    assert status == 200 and faults["failing_writes"] == ["/v1/customers/"]
    with pytest.raises(stripe.APIError) as caught:
        account.client.v1.customers.update(customer.id, params={"name": "Changed"})
    assert caught.value.http_status == 500
    assert caught.value.headers["Stripe-Should-Retry"] == "true"
    assert account.client.v1.customers.retrieve(customer.id).name is None
    account.client.v1.customers.create(params={"email": "b@example.com"})  # not under the path
    sandbox.control("POST", "/_sandbox/faults", {"failing_writes": []})
    assert account.client.v1.customers.update(customer.id, params={"name": "Now"}).name == "Now"


def test_latency_fault(sandbox: SandboxServer, account: Account) -> None:
    sandbox.faults(latency_ms=250)
    started = time.monotonic()
    account.client.v1.accounts.retrieve_current()
    assert time.monotonic() - started >= 0.25


def test_unknown_fault_is_refused(sandbox: SandboxServer) -> None:
    status, body = sandbox.control("POST", "/_sandbox/faults", {"earthquake": True})
    assert status == 400
    assert "earthquake" in body["error"]["message"]


def test_reset_forgets_everything() -> None:
    app = create_app()
    client = app.test_client()
    keys = client.post("/_sandbox/accounts", json={"country": "US"}).get_json()
    auth = {"Authorization": f"Bearer {keys['secret_key']}"}
    assert client.get("/v1/account", headers=auth).status_code == 200
    assert client.post("/_sandbox/reset").get_json() == {"reset": True}
    assert client.get("/v1/account", headers=auth).status_code == 401


def test_reset_keeps_each_accounts_idempotency_keys() -> None:
    """Stripe never forgets an account's keys because someone reset a test: an account made
    again with the same id and keys replays a key's first answer, and refuses it with other
    parameters."""
    client = create_app().test_client()
    fixed = {
        "country": "US",
        "account": "acct_kept1234567890",
        "secret_key": "sk_test_" + "k" * 40,
        "publishable_key": "pk_test_" + "k" * 40,
    }
    auth = {"Authorization": f"Bearer {fixed['secret_key']}"}
    intent = {"amount": "1500", "currency": "usd", "payment_method_types[]": "card"}
    assert client.post("/_sandbox/accounts", json=fixed).status_code == 200
    first = client.post(
        "/v1/payment_intents", data=intent, headers={**auth, "Idempotency-Key": "k1"}
    )
    assert first.status_code == 200
    assert client.post("/_sandbox/reset").status_code == 200
    assert client.post("/_sandbox/accounts", json=fixed).status_code == 200

    replayed = client.post(
        "/v1/payment_intents", data=intent, headers={**auth, "Idempotency-Key": "k1"}
    )
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.get_json()["id"] == first.get_json()["id"]
    other = client.post("/v1/payment_intents", data={**intent, "amount": "1600"},
                        headers={**auth, "Idempotency-Key": "k1"})  # fmt: skip
    assert other.status_code == 400
    assert other.get_json()["error"]["type"] == "idempotency_error"
    fresh = client.post(
        "/v1/payment_intents", data=intent, headers={**auth, "Idempotency-Key": "k2"}
    )
    assert fresh.status_code == 200 and fresh.get_json()["id"] != first.get_json()["id"]


def test_an_account_id_is_taken_once(sandbox: SandboxServer) -> None:
    status, _ = sandbox.control("POST", "/_sandbox/accounts", {"account": "acct_once0123456789"})
    assert status == 200
    status, body = sandbox.control("POST", "/_sandbox/accounts", {"account": "acct_once0123456789"})
    assert status == 400 and "exists already" in body["error"]["message"]


def test_state_file_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "sandbox-state.json"
    first = create_app(state_file=state).test_client()
    keys = first.post("/_sandbox/accounts", json={"country": "US"}).get_json()
    auth = {"Authorization": f"Bearer {keys['secret_key']}"}
    created = first.post("/v1/customers", data={"email": "kept@example.com"}, headers=auth)
    assert created.status_code == 200
    again = create_app(state_file=state).test_client()
    kept = again.get(f"/v1/customers/{created.get_json()['id']}", headers=auth)
    assert kept.status_code == 200
    assert kept.get_json()["email"] == "kept@example.com"


def test_seed_file_with_fixed_keys(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(
        json.dumps(
            {
                "accounts": [
                    {
                        "country": "DE",
                        "business_name": "Demo GmbH",
                        "secret_key": "sk_test_demo_0000000000000000",
                        "publishable_key": "pk_test_demo_000",
                        "customers": [{"id": "cus_demo", "email": "demo@example.com"}],
                        "products": [{"id": "prod_demo", "name": "Demo box"}],
                        "prices": [
                            {
                                "id": "price_demo",
                                "product": "prod_demo",
                                "unit_amount": 990,
                                "currency": "eur",
                                "recurring": {"interval": "year"},
                            }
                        ],
                        "subscriptions": [
                            {"customer": "cus_demo", "items": [{"price": "price_demo"}]}
                        ],
                    }
                ]
            }
        )
    )
    client = create_app(seed_file=seed).test_client()
    auth = {"Authorization": "Bearer sk_test_demo_0000000000000000"}
    subscriptions = client.get("/v1/subscriptions", headers=auth).get_json()["data"]
    assert len(subscriptions) == 1
    assert subscriptions[0]["customer"] == "cus_demo"
    assert subscriptions[0]["items"]["data"][0]["price"]["id"] == "price_demo"
    assert client.get("/v1/account", headers=auth).get_json()["country"] == "DE"


def test_seed_needs_a_known_account(sandbox: SandboxServer) -> None:
    status, _ = sandbox.control("POST", "/_sandbox/seed", {"customers": []})
    assert status == 404
    status, _ = sandbox.control(
        "POST", "/_sandbox/seed", {"account": "acct_unknown", "customers": []}
    )
    assert status == 404


def test_seed_refers_to_existing_objects(sandbox: SandboxServer, account: Account) -> None:
    status, body = sandbox.control(
        "POST",
        "/_sandbox/seed",
        {
            "account": account.id,
            "prices": [{"product": "prod_missing", "unit_amount": 100, "currency": "usd"}],
        },
    )
    assert status == 404
    assert body["error"]["code"] == "resource_missing"


@pytest.fixture
def mounted() -> Iterator[str]:
    """Kassa's ``make run`` shape: the sandbox beside another app under /_sandbox/stripe."""
    kassa = Flask("kassa_stand_in")

    @kassa.get("/")
    def home() -> str:
        return "kassa"

    kassa.wsgi_app = DispatcherMiddleware(
        kassa.wsgi_app,
        {  # type: ignore[method-assign]
            "/_sandbox/stripe": create_app(debit_settle_seconds=3600)
        },
    )
    server, url = serve(kassa)
    yield url
    server.shutdown()


def test_mounted_under_a_path_prefix(mounted: str) -> None:
    base = f"{mounted}/_sandbox/stripe"
    status, _, raw = http(
        "POST",
        f"{base}/_sandbox/accounts",
        data=json.dumps({"country": "US"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    keys = json.loads(raw)
    client = stripe.StripeClient(
        keys["secret_key"], base_addresses={"api": base}, max_network_retries=0
    )
    intent = client.v1.payment_intents.create(
        params={
            "amount": 1000,
            "currency": "usd",
            "payment_method_types": ["card"],
            "payment_method": "pm_card_threeDSecure2Required",
            "confirm": True,
            "return_url": f"{mounted}/back",
        }
    )
    page_url = intent.next_action.redirect_to_url.url
    assert page_url == f"{base}/_sandbox/3ds/{intent.id}"
    assert http("GET", page_url)[0] == 200
    status, headers, _ = post_form(page_url, b"action=complete")
    assert status == 302 and headers["Location"].startswith(f"{mounted}/back?")
    assert client.v1.payment_intents.retrieve(intent.id).status == "succeeded"
    assert http("GET", f"{mounted}/")[2] == b"kassa"


def test_public_url_option() -> None:
    app = create_app(public_url="https://sandbox.example/stripe/")
    client = app.test_client()
    keys = client.post("/_sandbox/accounts", json={"country": "US"}).get_json()
    response = client.post(
        "/v1/payment_intents",
        headers={"Authorization": f"Bearer {keys['secret_key']}"},
        data={
            "amount": "1000",
            "currency": "usd",
            "payment_method_types[0]": "card",
            "payment_method": "pm_card_authenticationRequired",
            "confirm": "true",
        },
    )
    url = response.get_json()["next_action"]["redirect_to_url"]["url"]
    assert url.startswith("https://sandbox.example/stripe/_sandbox/3ds/pi_")


def test_command_line_serves_the_api(tmp_path: Path) -> None:
    from tests.support.servers import free_port

    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "stripe_sandbox",
            "serve",
            "--port",
            str(port),
            "--debit-settle-seconds",
            "0",
            "--state",
            str(tmp_path / "state.json"),
        ],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: _healthy(base), timeout=20, interval=0.1)
        server = SandboxServer(base, None, None)  # type: ignore[arg-type]
        account = server.new_account("AT")
        intent = sepa_payment(
            account,
            "AT611904300234573201",
            mandate_data={"customer_acceptance": {"type": "offline"}},
        )
        assert wait_for(
            lambda: account.client.v1.payment_intents.retrieve(intent.id).status == "succeeded",
            timeout=10,
        )
        assert (tmp_path / "state.json").exists()
    finally:
        stop_process(process)


def _healthy(base: str) -> bool:
    try:
        return http("GET", f"{base}/_sandbox/health")[0] == 200
    except OSError:
        return False
