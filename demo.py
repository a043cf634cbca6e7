"""The demo server behind `make run`: Kassa and the Stripe sandbox on one local port
(``KASSA_DEMO_HOST`` and ``KASSA_DEMO_PORT``, 127.0.0.1:5000 by default), with the demo
merchant, its payment link and shop made once and printed at the address actually served.

The sandbox is mounted at /_sandbox/stripe and Kassa reaches it only through its settings
(KASSA_STRIPE_API_BASE, KASSA_STRIPE_JS_URL), as it would reach Stripe. The sandbox keeps its
state in the instance folder, so the demo merchant's connected account survives restarts.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import urllib.request

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import run_simple

from app import create_app
from app.cli import DEMO_EMAIL, seed_demo_merchant
from app.extensions import db
from app.merchants.service import find_user_by_email
from app.processors import connection
from app.processors.stripe_gateway import StripeGateway
from stripe_sandbox import create_app as create_sandbox

HOST = os.environ.get("KASSA_DEMO_HOST", "127.0.0.1")
PORT = int(os.environ.get("KASSA_DEMO_PORT", "5000"))
SANDBOX_PREFIX = "/_sandbox/stripe"
log = logging.getLogger("kassa.demo")


def _wait_for(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310  (our own http URL)
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def _new_sandbox_account(sandbox_url: str) -> dict[str, str]:
    body = json.dumps(
        {"country": "SE", "default_currency": "sek", "business_name": "Kassa Demo Shop"}
    )
    request = urllib.request.Request(  # noqa: S310  (our own http URL)
        f"{sandbox_url}/_sandbox/accounts",
        data=body.encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


def connect_demo_merchant(kassa: Flask, sandbox_url: str) -> None:
    """Once the server answers: connect the demo merchant to a sandbox account, if it has none."""
    _wait_for(f"{sandbox_url}/_sandbox/health")
    settings = kassa.extensions["kassa_settings"]
    with kassa.app_context():
        owner = find_user_by_email(db.session, DEMO_EMAIL)
        if owner is None or connection.current_connection(db.session, owner.merchant_id):
            return
        account = _new_sandbox_account(sandbox_url)
        gateway = lambda key: StripeGateway(key, settings.stripe_api_base)  # noqa: E731
        verified = connection.verify_keys(
            db.session, owner.merchant, account["secret_key"], account["publishable_key"],
            gateway_factory=gateway, expected_mode="test", attempt_id="demo",
        )  # fmt: skip
        connection.connect(
            db.session, owner.merchant, owner, verified, gateway_factory=gateway,
            webhook_url=f"{settings.public_url}/webhooks/stripe/{owner.merchant.public_id}",
            attempt_id="demo", encryption_key=settings.secret_key,
        )  # fmt: skip
        db.session.commit()
        print(f"Demo merchant connected to sandbox Stripe account {account['account']}", flush=True)


def main() -> None:
    base = f"http://{HOST}:{PORT}"
    sandbox_url = base + SANDBOX_PREFIX
    os.environ.setdefault("KASSA_PUBLIC_URL", base)
    os.environ.setdefault("KASSA_STRIPE_API_BASE", sandbox_url)
    os.environ.setdefault("KASSA_STRIPE_JS_URL", f"{sandbox_url}/js/v3/")
    os.environ.setdefault("KASSA_LOG_FORMAT", "text")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # Kassa logs each request itself

    kassa = create_app()
    sandbox = create_sandbox(
        debit_settle_seconds=10,
        state_file=kassa.extensions["kassa_settings"].instance_path / "stripe-sandbox.json",
        public_url=sandbox_url,
        # Kassa listens on this machine: Stripe would refuse its webhook URL, the demo allows it.
        allow_private_webhook_urls=True,
    )
    served = DispatcherMiddleware(kassa, {SANDBOX_PREFIX: sandbox})
    with kassa.app_context():
        print("\n".join(seed_demo_merchant()), flush=True)
    threading.Thread(target=connect_demo_merchant, args=(kassa, sandbox_url), daemon=True).start()
    print(
        f"\nKassa demo\n"
        f"  Merchant panel:  {base}/panel/   (log in as {DEMO_EMAIL}, password above)\n"
        f"  Sign up:         {base}/signup\n"
        f"  Health:          {base}/healthz\n"
        f"  Stripe sandbox:  {sandbox_url}\n"
        f"                   (more test keys: POST {sandbox_url}/_sandbox/accounts)\n"
        f"Emails are written to this log (no SMTP configured). Ctrl+C stops.\n",
        flush=True,
    )
    run_simple(HOST, PORT, served, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
