"""The Stripe sandbox as a real HTTP server for Kassa's tests, and accounts made on it.

Kassa reaches it only through its settings (KASSA_STRIPE_API_BASE, KASSA_STRIPE_JS_URL), exactly
as it would reach Stripe; the tests use the sandbox's control endpoints the way QA would.
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from typing import Any

from stripe_sandbox import create_app, sandbox_of
from stripe_sandbox.serving import KeepAliveServer, serve_in_thread


@dataclass(frozen=True)
class SandboxAccount:
    id: str
    secret_key: str
    publishable_key: str


@dataclass
class StripeSandbox:
    url: str
    server: KeepAliveServer

    @property
    def api_base(self) -> str:
        return self.url

    @property
    def js_url(self) -> str:
        return f"{self.url}/js/v3/"

    def control(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        body = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(
            self.url + path, data=body, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")

    def create_account(
        self, country: str = "SE", currency: str = "sek", **extra: Any
    ) -> SandboxAccount:
        data = self.control(
            "POST",
            "/_sandbox/accounts",
            {
                "country": country,
                "default_currency": currency,
                "business_name": extra.pop("name", "Sandbox AB"),
                **extra,
            },
        )
        return SandboxAccount(data["account"], data["secret_key"], data["publishable_key"])

    def faults(self, **settings: Any) -> dict[str, Any]:
        return self.control("POST", "/_sandbox/faults", settings)

    def requests(self, account: SandboxAccount) -> list[dict[str, Any]]:
        """The API requests made with the account's keys, oldest first, as the sandbox saw them."""
        return self.control("GET", f"/_sandbox/requests?account={account.id}")["data"]

    def listen(self, account: SandboxAccount, forward_to: str) -> dict[str, Any]:
        """``stripe listen --forward-to``: the account's events go to ``forward_to``, signed
        with the secret returned (``["secret"]``)."""
        return self.control(
            "POST", "/_sandbox/listen", {"account": account.id, "forward_to": forward_to}
        )

    def holds(self, object_id: str) -> bool:
        """Whether a request is working on the object now (another meets ``lock_timeout``)."""
        return sandbox_of(self.server.app).is_held(object_id)  # type: ignore[arg-type]

    def stop(self) -> None:
        self.server.shutdown()


_session_sandbox: list[StripeSandbox] = []


def session_sandbox() -> StripeSandbox:
    """The sandbox Kassa is configured with in this test session (the ``stripe_sandbox``
    fixture's), for helpers that are given no fixture."""
    assert _session_sandbox, "the stripe_sandbox fixture has not started"
    return _session_sandbox[-1]


def serve_kassa_with(sandbox: StripeSandbox) -> None:
    _session_sandbox.append(sandbox)


def start_stripe_sandbox(port: int, *, allow_private_webhook_urls: bool = True) -> StripeSandbox:
    """The sandbox on ``port``. Kassa listens on loopback in the tests, so its webhook
    endpoints are allowed there unless a test wants Stripe's refusal."""
    url = f"http://127.0.0.1:{port}"
    # Bank debits settle when a test says so (POST /_sandbox/advance), never on a timer: a test
    # that reads a debit while it is processing must not race the bank.
    app = create_app(
        debit_settle_seconds=3600,
        public_url=url,
        webhook_retry_delays=(0.1, 0.2, 0.4),
        allow_private_webhook_urls=allow_private_webhook_urls,
    )
    return StripeSandbox(url, serve_in_thread("127.0.0.1", port, app))
