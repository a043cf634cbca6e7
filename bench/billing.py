"""A billing run of 10,000 due subscriptions on PostgreSQL against the Stripe sandbox as a real
HTTP server: ``make bench`` seeds one connected merchant (EUR, cards) with 10,000 monthly
subscriptions whose next period is due today, saved on 20 sandbox customers' cards, then runs
the billing task's ``run_billing`` in ``KASSA_BENCH_CONSUMERS`` (2) processes at once and
reports the time, the charges made (the off-session PaymentIntents the sandbox lists, by the
subscription and period in their metadata: one per period, none twice) and charges per second.

Every charge is what production does: the claim (committed), the period's numbered invoice and
its checkout (committed), the PaymentIntent at the sandbox, the payment recorded through the one
recording path, the invoice settled and the next period set. The emails (each invoice's
receipt with its PDF) are queued for the task consumers, not sent: they are not the run's work.

``KASSA_BENCH_SCALE`` shrinks it for a quick try (0.01: 100 subscriptions);
``KASSA_BILLING_THREADS`` (read by each consumer's app, as in production) asks Stripe for a
batch's charges on that many threads in each consumer; ``KASSA_BENCH_STRIPE_LATENCY_MS`` makes
the sandbox answer each request that much later, as Stripe's API does from afar (a few hundred
milliseconds), to show what those threads are for.
``KASSA_BENCH_PROFILE=1`` runs one consumer in this process instead and says where a charge's
time goes: the SQL statements per charge (the most frequent kinds), the CPU time per charge,
the sandbox's time per request, and cProfile's heaviest functions (``python -m bench billing``).
"""

from __future__ import annotations

import cProfile
import io
import multiprocessing
import os
import pstats
import secrets
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from bench.payments import postgres

SCALE = float(os.environ.get("KASSA_BENCH_SCALE", "1"))
COUNT = max(int(10_000 * SCALE), 10)
CONSUMERS = int(os.environ.get("KASSA_BENCH_CONSUMERS", "2"))
PROFILE = os.environ.get("KASSA_BENCH_PROFILE") == "1"
LATENCY_MS = int(os.environ.get("KASSA_BENCH_STRIPE_LATENCY_MS", "0"))
# The second run: Stripe's API as far away as it is from a server (a PaymentIntent confirmed
# off-session takes a few hundred milliseconds), on a tenth of the subscriptions.
FAR_LATENCY_MS = 300
STRIPE_CUSTOMERS = 20
TARGET_SECONDS = 60
UNUSABLE_PASSWORD = "!"  # noqa: S105  (no password hashes to it: nobody logs in as it)


def _settings(url: str, instance: Path, api_base: str) -> dict[str, str]:
    return {
        "KASSA_ENV": "testing",
        "KASSA_SECRET_KEY": "bench-" + "k" * 40,
        "KASSA_DATABASE_URL": url,
        "KASSA_INSTANCE_PATH": str(instance),
        "KASSA_TASKS_IMMEDIATE": "0",
        "KASSA_LOG_LEVEL": "ERROR",
        "KASSA_PUBLIC_URL": "http://127.0.0.1:9",
        "KASSA_STRIPE_API_BASE": api_base,
        "KASSA_PASSWORD_HASHING": "cheapest",
    }


def _connect(app: Any, account: Any) -> int:
    """The merchant, signed up and connected to the sandbox account as the panel does it."""
    from app.extensions import db
    from app.merchants.service import open_account
    from app.processors import connection
    from app.processors.stripe_gateway import StripeGateway
    from app.settings.service import checkout_settings

    settings = app.extensions["kassa_settings"]
    with app.app_context():
        owner = open_account(
            db.session, business_name="Bench GmbH", country="DE", currency="EUR",
            email="owner@bench.example", password_hash=UNUSABLE_PASSWORD, locale="en",
        )  # fmt: skip
        merchant = owner.merchant

        def factory(key: str) -> StripeGateway:
            return StripeGateway(key, settings.stripe_api_base)

        attempt = secrets.token_hex(8)
        verified = connection.verify_keys(
            db.session, merchant, account.secret_key, account.publishable_key,
            gateway_factory=factory, expected_mode="test", attempt_id=attempt,
        )  # fmt: skip
        connection.connect(
            db.session, merchant, owner, verified, gateway_factory=factory,
            webhook_url="http://127.0.0.1:9/webhooks", attempt_id=attempt,
            encryption_key=settings.secret_key,
        )  # fmt: skip
        checkout_settings(db.session, merchant)
        db.session.commit()
        return int(merchant.id)


def _saved_cards(sandbox: Any, account: Any) -> list[tuple[str, str]]:
    import stripe

    client = stripe.StripeClient(account.secret_key, base_addresses={"api": sandbox.api_base})
    for endpoint in client.v1.webhook_endpoints.list().data:  # no deliveries to nowhere
        client.v1.webhook_endpoints.delete(endpoint.id)
    saved = []
    for n in range(STRIPE_CUSTOMERS):
        customer = client.v1.customers.create(params={"email": f"buyer{n}@bench.example"})
        card = client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
        saved.append((customer.id, card.id))
    return saved


def _seed(app: Any, merchant_id: int, cards: list[tuple[str, str]], count: int) -> None:
    """``count`` monthly subscriptions of EUR 10.00 whose period 1 starts today."""
    from sqlalchemy import insert

    from app.core.pricing import add_months
    from app.customers.models import Customer
    from app.extensions import db
    from app.subscriptions.models import Subscription, SubscriptionLine

    today = date.today()
    anchor = add_months(today, -1)
    if add_months(anchor, 1) != today:  # the 31st: no month back has one
        anchor = today
    with app.app_context():
        customers = [
            Customer(merchant_id=merchant_id, name=f"Buyer {n}", email=f"buyer{n}@bench.example")
            for n in range(STRIPE_CUSTOMERS)
        ]
        db.session.add_all(customers)
        db.session.flush()
        rows = [
            {
                "merchant_id": merchant_id, "customer_id": customers[n % STRIPE_CUSTOMERS].id,
                "status": "active", "source": "checkout", "source_reference": f"bench:{n}",
                "currency": "EUR", "locale": "en", "interval": "month", "interval_count": 1,
                "anchor_on": anchor, "current_period": 0, "next_period": 1,
                "next_charge_on": add_months(anchor, 1), "period_amount": 1000,
                "payment_method_id": cards[n % STRIPE_CUSTOMERS][1],
                "payment_method_type": "card",
                "payment_method_details": {"type": "card", "brand": "visa", "last4": "4242"},
                "processor_customer_id": cards[n % STRIPE_CUSTOMERS][0],
            }
            for n in range(count)
        ]  # fmt: skip
        ids = db.session.scalars(insert(Subscription).returning(Subscription.id), rows).all()
        db.session.execute(
            insert(SubscriptionLine),
            [
                {
                    "merchant_id": merchant_id,
                    "subscription_id": sid,
                    "position": 0,
                    "description": "Coffee club",
                    "quantity": 1,
                    "unit_amount": 1000,
                }
                for sid in ids
            ],
        )
        db.session.commit()


def _consumer(settings: dict[str, str], results: Any) -> None:
    from app import create_app
    from app.extensions import db
    from app.subscriptions.billing import run_billing

    app = create_app(settings)
    with app.app_context():
        run = run_billing(db.session)
        results.put((len(run.charged), len(run.failed)))
        db.session.remove()


def _consumers(settings: dict[str, str]) -> tuple[float, list[tuple[int, int]]]:
    """CONSUMERS processes billing at once: the time they took and what each charged and
    failed."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    consumers = [
        context.Process(target=_consumer, args=(settings, results)) for _ in range(CONSUMERS)
    ]
    started = time.perf_counter()
    for process in consumers:
        process.start()
    outcomes = [results.get() for _ in consumers]
    for process in consumers:
        process.join()
    return time.perf_counter() - started, outcomes


class _TimedSandbox:
    """The sandbox's WSGI app, timing each request it serves (wall clock)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seconds = 0.0
        self.requests = 0

    def __call__(self, environ: Any, start_response: Any) -> Any:
        started = time.perf_counter()
        try:
            return list(self.app(environ, start_response))
        finally:
            self.seconds += time.perf_counter() - started
            self.requests += 1


def _profiled(
    settings: dict[str, str], sandbox: Any
) -> tuple[float, list[tuple[int, int]], list[str]]:
    """One consumer in this process under cProfile, counting SQL statements by kind: the time
    it took, what it charged and failed, and what the profile found."""
    from sqlalchemy import event

    from app import create_app
    from app.extensions import db
    from app.subscriptions.billing import run_billing

    statements: Counter[str] = Counter()
    timed = _TimedSandbox(sandbox.server.app)
    sandbox.server.app = timed
    app = create_app(settings)
    with app.app_context():

        def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            statements[" ".join(statement.split())[:90]] += 1

        event.listen(db.engine, "before_cursor_execute", count)
        profile = cProfile.Profile()
        started, cpu = time.perf_counter(), time.process_time()
        profile.enable()
        run = run_billing(db.session)
        profile.disable()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        db.session.remove()
    sandbox.server.app = timed.app
    charges = max(len(run.charged) + len(run.failed), 1)
    report = io.StringIO()
    stats = pstats.Stats(profile, stream=report)
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(30)  # where the time is spent, not passed through
    found = [
        "",
        f"Profile of one consumer in-process (cProfile slows it): "
        f"{sum(statements.values()) / charges:.1f} SQL statements per charge; CPU "
        f"{cpu / charges * 1000:.0f} ms per charge in this process (the app and the sandbox's "
        f"threads); the sandbox {timed.seconds / max(timed.requests, 1) * 1000:.1f} ms per "
        f"request ({timed.requests} requests). Statements per charge, most frequent first:",
        "",
        *(f"    {n / charges:5.2f} {text}" for text, n in statements.most_common(30)),
        "",
        *("    " + line for line in report.getvalue().splitlines() if line.strip()),
    ]
    return elapsed, [(len(run.charged), len(run.failed))], found


def billing_figures() -> list[str]:
    """The run of COUNT due subscriptions with the sandbox next door, then (unless a latency
    or the profile was asked for) a tenth of them with the sandbox as far away as Stripe."""
    figures = _billing_run(COUNT, LATENCY_MS)
    if not (PROFILE or LATENCY_MS):
        figures += _billing_run(max(COUNT // 10, 10), FAR_LATENCY_MS)
    return figures


def _billing_run(count: int, latency_ms: int) -> list[str]:
    from flask_migrate import upgrade

    from app import create_app
    from tests.support.servers import free_port
    from tests.support.stripe_sandbox import start_stripe_sandbox
    from tests.support.subscriptions import charges_at_stripe

    with postgres() as url, tempfile.TemporaryDirectory() as folder:
        sandbox = start_stripe_sandbox(free_port())
        account = sandbox.create_account("DE", "eur", name="Bench GmbH")
        settings = _settings(url, Path(folder), sandbox.api_base)
        app = create_app(settings)
        with app.app_context():
            upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        merchant_id = _connect(app, account)
        _seed(app, merchant_id, _saved_cards(sandbox, account), count)
        threads = app.extensions["kassa_settings"].billing_threads
        sandbox.faults(latency_ms=latency_ms)
        found: list[str] = []
        if PROFILE:
            elapsed, outcomes, found = _profiled(settings, sandbox)
        else:
            elapsed, outcomes = _consumers(settings)
        sandbox.faults(latency_ms=0)
        periods = charges_at_stripe(sandbox, account)
        sandbox.stop()
    made = sum(periods.values())
    twice = sum(1 for n in periods.values() if n > 1)
    charged = sum(charged for charged, _failed in outcomes)
    failed = sum(failed for _charged, failed in outcomes)
    subscriptions = {subscription for subscription, _period in periods}
    right = made == count == len(subscriptions) and not twice
    far = f", answering after {latency_ms} ms" if latency_ms else ""
    return [
        "",
        f"## Billing run ({count:,} due subscriptions, {1 if PROFILE else CONSUMERS} "
        f"consumers asking Stripe on {threads} threads, PostgreSQL, the sandbox over HTTP{far})",
        "",
        f"Time {elapsed:.1f} s{f' (target under {TARGET_SECONDS} s for 10,000)' if not far else ''}"
        f"; charges made {made:,} ({'as it must be' if right else 'WRONG'}: one per "
        f"subscription, none twice; {twice} periods charged twice; the consumers counted "
        f"{charged:,} charged, {failed} failed); {made / elapsed:.0f} charges per second; load "
        f"average {', '.join(f'{figure:.1f}' for figure in os.getloadavg())} after the run.",
        *found,
    ]


if __name__ == "__main__":
    print("\n".join(billing_figures()))
