"""Fixtures for the Stripe sandbox's tests: the sandbox as a real HTTP server, accounts with
``stripe.StripeClient``s pointed at it, and a real local webhook receiver."""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import stripe
from flask import Flask, Response, request
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from stripe_sandbox import Sandbox, create_app, sandbox_of

SHARED_DIR = Path(
    os.environ.get("KASSA_SHARED_DIR") or Path(__file__).resolve().parents[2].parent / "shared"
)
RETRY_DELAYS = (0.05, 0.1, 0.2)
MANDATE_DATA = {
    "customer_acceptance": {
        "type": "online",
        "online": {"ip_address": "203.0.113.7", "user_agent": "Mozilla/5.0 (sandbox tests)"},
    }
}


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        """No access log in test output."""


def wait_for(condition: Callable[[], Any], timeout: float = 5.0, interval: float = 0.02) -> Any:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


def http(
    method: str, url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """A plain HTTP request that does not follow redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with opener.open(req, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@dataclass
class Account:
    id: str
    secret_key: str
    publishable_key: str
    client: stripe.StripeClient
    public_client: stripe.StripeClient


@dataclass
class SandboxServer:
    url: str
    app: Flask
    server: BaseWSGIServer

    @property
    def engine(self) -> Sandbox:
        return sandbox_of(self.app)

    def control(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        status, _, raw = http(
            method,
            self.url + path,
            data=data,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        return status, json.loads(raw)

    def client(self, key: str, **options: Any) -> stripe.StripeClient:
        return stripe.StripeClient(
            key,
            base_addresses={"api": self.url},
            max_network_retries=options.pop("max_network_retries", 0),
            **options,
        )

    def new_account(self, country: str = "US", **details: Any) -> Account:
        status, keys = self.control(
            "POST",
            "/_sandbox/accounts",
            {"country": country, "business_name": "Test shop", **details},
        )
        assert status == 200, keys
        return Account(
            keys["account"],
            keys["secret_key"],
            keys["publishable_key"],
            self.client(keys["secret_key"]),
            self.client(keys["publishable_key"]),
        )

    def advance(self) -> int:
        status, body = self.control("POST", "/_sandbox/advance", {})
        assert status == 200
        return body["settled"]

    def faults(self, **settings: Any) -> dict[str, Any]:
        status, body = self.control("POST", "/_sandbox/faults", settings)
        assert status == 200, body
        return body

    def deliveries(self, **filters: str) -> list[dict[str, Any]]:
        query = "&".join(f"{key}={value}" for key, value in filters.items())
        status, body = self.control("GET", f"/_sandbox/webhook_deliveries?{query}")
        assert status == 200
        return body["data"]


def serve(app: Flask) -> tuple[BaseWSGIServer, str]:
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    return server, f"http://127.0.0.1:{server.server_port}"


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    """One sandbox for the session. Debits settle only on /_sandbox/advance (deterministic)."""
    app = create_app(
        debit_settle_seconds=3600,
        webhook_retry_delays=RETRY_DELAYS,
        webhook_timeout=2.0,
        allow_private_webhook_urls=True,  # the webhook receivers listen on 127.0.0.1
    )
    server, url = serve(app)
    yield SandboxServer(url, app, server)
    server.shutdown()


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> Iterator[SandboxServer]:
    yield sandbox_server
    sandbox_server.faults(
        error_rate=0,
        latency_ms=0,
        drop_webhooks=False,
        duplicate_webhooks=False,
        shuffle_webhooks=False,
        confirm_hold_ms=0,
        rate_limited_requests=0,
    )


@pytest.fixture
def account(sandbox: SandboxServer) -> Account:
    return sandbox.new_account("US")


@dataclass
class Received:
    payload: bytes
    signature: str | None
    headers: dict[str, str]
    verified_event: Any = None  # what stripe.Webhook.construct_event made of it


@dataclass
class WebhookReceiver:
    """A real HTTP endpoint that records what it is sent; can fail or hold requests."""

    url: str = ""
    secret: str | None = None  # when set, requests are verified as a Kassa-like app would
    received: list[Received] = field(default_factory=list)
    rejected: int = 0
    failures_left: int = 0
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def events(self) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(item.payload) for item in self.received]

    def wait_for_events(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        return wait_for(lambda: len(self.events()) >= count and self.events(), timeout)


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    receiver.release.set()
    app = Flask("webhook_receiver")

    @app.post("/hook")
    def hook() -> Response:
        receiver.release.wait(timeout=10)
        payload = request.get_data()
        signature = request.headers.get("Stripe-Signature")
        event = None
        if receiver.secret:
            try:
                event = stripe.Webhook.construct_event(payload, signature, receiver.secret)
            except stripe.SignatureVerificationError:
                with receiver.lock:
                    receiver.rejected += 1
                return Response("bad signature", status=400)
        with receiver.lock:
            if receiver.failures_left > 0:
                receiver.failures_left -= 1
                return Response("try again", status=500)
            receiver.received.append(Received(payload, signature, dict(request.headers), event))
        return Response("ok")

    server, url = serve(app)
    receiver.url = f"{url}/hook"
    yield receiver
    receiver.release.set()
    server.shutdown()
