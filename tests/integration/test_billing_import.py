"""Moving subscriptions from Stripe Billing, against the sandbox seeded with what a merchant's
Stripe account holds: the dry run lists each subscription with the right reasons and writes
nothing to Stripe; the import moves the eligible ones exactly once (customer, products, saved
method and mandate, Kassa's first charge on the day Stripe's period ends, Stripe set to stop
then); a rerun moves nothing; one failing is listed while the others move."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.billing_import import service
from app.billing_import.models import (
    BillingImportMove,
    BillingImportResult,
    BillingImportRun,
    Outcome,
    RunKind,
    RunStatus,
)
from app.catalog.models import Product
from app.core.clock import utcnow
from app.customers.models import Customer
from app.extensions import db
from app.merchants.models import Merchant
from app.payments.models import IMPORTED_DOCUMENT, DailyTotal, Payment, PaymentStatus
from app.processors.models import ProcessorCustomer
from app.subscriptions.models import Subscription, SubscriptionSource, SubscriptionStatus
from tests.integration.test_payments import connected
from tests.support.accounts import post_form, sign_up
from tests.support.customers import add_customer
from tests.support.mailbox import Mailbox
from tests.support.payments import MANDATE_DATA
from tests.support.schedules import advance_clock
from tests.support.settings import add_currency
from tests.support.stripe_sandbox import SandboxAccount, StripeSandbox
from tests.support.subscriptions import run_billing_task

PAGE = "/panel/settings/import-from-stripe/"
EXPORTS = "/panel/reports/exports"
DAY = 86_400
# Stripe's current periods began ten days ago; the sandbox's month is 30 days.
PERIOD_START = int(time.time()) - 10 * DAY
PERIOD_END = PERIOD_START + 30 * DAY

CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2040}


def _customer(customer_id: str, email: str) -> dict[str, Any]:
    return {"id": customer_id, "email": email, "name": customer_id.removeprefix("cus_").title()}


def _method(customer_id: str, kind: str = "card") -> dict[str, Any]:
    details = CARD if kind == "card" else {"iban": "DE89370400440532013000"}
    return {"customer": customer_id, "type": kind, kind: details, "default": True}


def _subscription(sub_id: str, customer: str, *prices: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": sub_id,
        "customer": customer,
        "items": [
            {"price": price, "quantity": 2 if sub_id == "sub_card" else 1} for price in prices
        ],
        "current_period_start": PERIOD_START,
        **extra,
    }


SEED: dict[str, Any] = {
    "customers": [
        _customer("cus_card", "card@example.com"),
        _customer("cus_sepa", "sepa@example.com"),
        _customer("cus_known", "Known@Example.com"),
        _customer("cus_none", "nomethod@example.com"),
        _customer("cus_other", "other@example.com"),
        _customer("cus_gone", "gone@example.com"),
    ],
    "payment_methods": [
        _method("cus_card"),
        _method("cus_sepa", "sepa_debit"),
        _method("cus_known"),
        _method("cus_other"),
    ],
    "products": [{"id": "prod_box", "name": "Coffee box"}, {"id": "prod_tea", "name": "Tea"}],
    "prices": [
        {
            "id": "price_sek",
            "product": "prod_box",
            "unit_amount": 9900,
            "currency": "sek",
            "recurring": {"interval": "month"},
        },
        {
            "id": "price_eur",
            "product": "prod_tea",
            "unit_amount": 1200,
            "currency": "eur",
            "recurring": {"interval": "month"},
        },
        {
            "id": "price_metered",
            "product": "prod_box",
            "unit_amount": 5,
            "currency": "sek",
            "recurring": {"interval": "month", "usage_type": "metered"},
        },
        {
            "id": "price_tiered",
            "product": "prod_box",
            "currency": "sek",
            "recurring": {"interval": "month"},
            "tiers": [{"up_to": 5, "unit_amount": 100}],
        },
    ],
    "subscriptions": [
        # Stripe billed it three times (a part of the second refunded): its past charges.
        _subscription("sub_card", "cus_card", "price_sek", past_charges=[{}, {"refund": 500}, {}]),
        _subscription("sub_sepa", "cus_sepa", "price_eur"),
        _subscription("sub_known", "cus_known", "price_sek"),
        _subscription("sub_metered", "cus_other", "price_metered"),
        _subscription("sub_tiered", "cus_other", "price_tiered"),
        _subscription("sub_tax", "cus_other", "price_sek", automatic_tax=True),
        _subscription(
            "sub_discount",
            "cus_other",
            "price_sek",
            discounts=[{"coupon": {"percent_off": 10, "duration": "forever"}}],
        ),
        _subscription(
            "sub_changing",
            "cus_other",
            "price_sek",
            discounts=[
                {"coupon": {"percent_off": 50, "duration": "repeating", "duration_in_months": 3}}
            ],
        ),
        _subscription(
            "sub_trial",
            "cus_other",
            "price_sek",
            status="trialing",
            trial_start=PERIOD_START,
            trial_end=PERIOD_END,
        ),
        _subscription("sub_unbilled", "cus_other", "price_sek", first_billed=False),
        _subscription("sub_currencies", "cus_other", "price_sek", "price_eur"),
        _subscription("sub_nomethod", "cus_none", "price_sek"),
        _subscription("sub_past_due", "cus_other", "price_sek", status="past_due"),
        _subscription(
            "sub_paused", "cus_other", "price_sek", pause_collection={"behavior": "void"}
        ),
        # Ended in Stripe before the move: listed, its customer never read.
        _subscription(
            "sub_canceled",
            "cus_gone",
            "price_sek",
            status="canceled",
            canceled_at=PERIOD_START,
            ended_at=PERIOD_START,
        ),
    ],
}
ELIGIBLE = {"sub_card", "sub_sepa", "sub_known"}
REFUSED = {
    "sub_metered": {"metered"},
    "sub_tiered": {"tiered"},
    "sub_tax": {"tax"},
    "sub_discount": {"discount"},
    "sub_changing": {"changing_discount"},
    "sub_trial": {"trial", "not_billed"},
    "sub_unbilled": {"not_billed"},
    "sub_currencies": {"currencies"},
    "sub_nomethod": {"no_method"},
    "sub_past_due": {"not_active"},
    "sub_paused": {"not_active"},
    "sub_canceled": {"canceled"},
}


@pytest.fixture
def seeded(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox
) -> tuple[SandboxAccount, int]:
    """A Swedish merchant selling in SEK and EUR, connected to a Stripe account that holds
    the subscriptions above (and one customer Kassa already knows, by another case of email)."""
    account, merchant = connected(client, app, stripe_sandbox, "SE", "sek")
    add_currency(client, "EUR")
    add_customer(client, name="Known Customer", email="known@example.com")
    stripe_sandbox.control("POST", "/_sandbox/seed", {"account": account.id, **SEED})
    return account, merchant


def start(client: FlaskClient, kind: str, **ticked: str) -> int:
    """Start a run from the page as the merchant does; the run's id from where it leads."""
    answer = post_form(client, PAGE, PAGE, {"kind": kind, **ticked})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    found = re.search(r"/runs/(\d+)$", answer.headers["Location"])
    assert found
    return int(found.group(1))


def results(app: Flask, run_id: int) -> dict[str, BillingImportResult]:
    with app.app_context():
        rows = db.session.scalars(
            select(BillingImportResult).where(BillingImportResult.run_id == run_id)
        ).all()
        db.session.expunge_all()
        return {row.stripe_subscription_id: row for row in rows}


def writes(sandbox: StripeSandbox, account: SandboxAccount) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in sandbox.requests(account) if r["method"] != "GET"]


def stripe_client(sandbox: StripeSandbox, account: SandboxAccount) -> Any:
    import stripe

    return stripe.StripeClient(account.secret_key, base_addresses={"api": sandbox.api_base})


def stripe_subscription(sandbox: StripeSandbox, account: SandboxAccount, sub_id: str) -> Any:
    return stripe_client(sandbox, account).v1.subscriptions.retrieve(sub_id)


def test_the_dry_run_lists_every_subscription_with_its_reasons_and_changes_nothing(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, seeded: tuple[Any, int]
) -> None:
    account, _merchant = seeded
    writes_before = writes(stripe_sandbox, account)
    run_id = start(client, "dry_run")

    found = results(app, run_id)
    assert set(found) == ELIGIBLE | set(REFUSED)
    assert {sub for sub, row in found.items() if row.outcome is Outcome.ELIGIBLE} == ELIGIBLE
    for sub_id, expected in REFUSED.items():
        assert found[sub_id].outcome is Outcome.REFUSED, sub_id
        assert set(found[sub_id].reasons) == expected, sub_id
    assert writes(stripe_sandbox, account) == writes_before  # nothing written to Stripe
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Subscription)) == 0

    page = client.get(f"{PAGE}runs/{run_id}").get_data(as_text=True)
    assert "Can move: 3" in page and "Cannot move: 12" in page
    assert "Canceled in Stripe." in page
    assert "It has a metered (usage-based) price." in page
    assert "A trial is in progress." in page
    assert "Its customer has no saved payment method." in page
    assert 'hx-trigger="every 2s"' not in page  # finished: no more polling


def test_the_import_moves_the_eligible_ones_once_and_a_rerun_moves_nothing(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, seeded: tuple[Any, int]
) -> None:
    account, merchant = seeded
    run_id = start(client, "import")

    found = results(app, run_id)
    assert {sub for sub, row in found.items() if row.outcome is Outcome.MOVED} == ELIGIBLE
    assert {sub for sub, row in found.items() if row.outcome is Outcome.REFUSED} == set(REFUSED)
    period_end_day = datetime.fromtimestamp(PERIOD_END, UTC).date()
    with app.app_context():
        moved = {
            row.source_reference: row
            for row in db.session.scalars(
                select(Subscription).where(Subscription.merchant_id == merchant)
            )
        }
        assert set(moved) == ELIGIBLE
        for subscription in moved.values():
            assert subscription.source is SubscriptionSource.IMPORT
            assert subscription.status is SubscriptionStatus.ACTIVE
            # Stripe billed the current period; Kassa's first charge is the day it ends.
            assert subscription.next_charge_on == period_end_day
            assert subscription.anchor_on == period_end_day
            assert subscription.next_period == 0
        card = moved["sub_card"]
        assert (card.currency, card.period_amount, card.interval) == ("SEK", 19800, "month")
        assert [(line.description, line.quantity, line.unit_amount) for line in card.lines] == [
            ("Coffee box", 2, 9900)
        ]
        assert card.payment_method_type == "card"
        assert card.payment_method_details["last4"] == "4242"
        assert card.processor_customer_id == "cus_card"
        sepa = moved["sub_sepa"]
        assert sepa.payment_method_type == "sepa_debit"
        assert sepa.payment_method_details["mandate_reference"]
        assert sepa.payment_method_id.startswith("pm_")
        # The mandate Stripe Billing saved the debit under, kept to be named on every charge.
        assert sepa.payment_mandate_id.startswith("mandate_")
        assert card.payment_mandate_id == ""
        sepa_mandate, sepa_method = sepa.payment_mandate_id, sepa.payment_method_id
        # The customer Kassa knew is matched by email, not made again.
        known = db.session.scalars(
            select(Customer).where(
                Customer.merchant_id == merchant, Customer.email_key == "known@example.com"
            )
        ).one()
        assert moved["sub_known"].customer_id == known.id
        assert (
            db.session.scalar(
                select(ProcessorCustomer.processor_customer_id).where(
                    ProcessorCustomer.customer_id == known.id
                )
            )
            == "cus_known"
        )
        # One product per Stripe price, shared by the subscriptions on it.
        assert moved["sub_card"].lines[0].product_id == moved["sub_known"].lines[0].product_id
        products = db.session.scalar(
            select(func.count()).select_from(Product).where(Product.merchant_id == merchant)
        )
        assert products == 2
    [saved_by] = (
        stripe_client(stripe_sandbox, account)
        .v1.setup_intents.list(params={"payment_method": sepa_method})
        .data
    )
    assert saved_by.mandate == sepa_mandate
    for sub_id in ELIGIBLE:
        ending = stripe_subscription(stripe_sandbox, account, sub_id)
        assert (ending.cancel_at_period_end, ending.cancel_at) == (True, PERIOD_END)
    for sub_id in REFUSED:
        assert stripe_subscription(stripe_sandbox, account, sub_id).cancel_at_period_end is False
    ended = [w for w in writes(stripe_sandbox, account) if "/v1/subscriptions/" in w]
    assert sorted(ended) == sorted(f"POST /v1/subscriptions/{sub}" for sub in ELIGIBLE)

    rerun = start(client, "import")
    again = results(app, rerun)
    assert {sub for sub, row in again.items() if row.outcome is Outcome.ALREADY_MOVED} == ELIGIBLE
    assert not [row for row in again.values() if row.outcome is Outcome.MOVED]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Subscription)) == 3
        assert db.session.scalar(select(func.count()).select_from(BillingImportMove)) == 3
    assert [w for w in writes(stripe_sandbox, account) if "/v1/subscriptions/" in w] == ended
    page = client.get(f"{PAGE}runs/{rerun}").get_data(as_text=True)
    assert "Moved: 0" in page and "Already moved: 3" in page


def test_one_subscription_failing_is_listed_and_the_others_move(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, seeded: tuple[Any, int]
) -> None:
    account, _merchant = seeded
    # The card customer is deleted in Stripe after the subscription was made: reading it fails.
    import stripe

    stripe.StripeClient(
        account.secret_key, base_addresses={"api": stripe_sandbox.api_base}
    ).v1.customers.delete("cus_card")
    run_id = start(client, "import")

    found = results(app, run_id)
    assert found["sub_card"].outcome is Outcome.FAILED
    assert "not_found" in found["sub_card"].error
    assert {sub for sub, row in found.items() if row.outcome is Outcome.MOVED} == ELIGIBLE - {
        "sub_card"
    }
    assert stripe_subscription(stripe_sandbox, account, "sub_card").cancel_at_period_end is False
    page = client.get(f"{PAGE}runs/{run_id}").get_data(as_text=True)
    assert "Failed: 1" in page and "Moved: 2" in page


def test_a_queued_run_shows_its_progress_and_polls_until_it_is_done(
    client: FlaskClient, app: Flask, seeded: tuple[Any, int]
) -> None:
    """What the page shows while the task has not run yet, and after it ran (a consumer)."""
    _account, merchant = seeded
    with app.app_context():
        owner = db.session.get_one(Merchant, merchant)
        run = service.start_run(db.session, owner, RunKind.DRY_RUN, None)
        db.session.commit()
        run_id = run.id
    waiting = client.get(f"{PAGE}runs/{run_id}").get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in waiting
    assert "Checked 0 of 0 subscriptions" in waiting
    assert '<progress id="import-progress"' in waiting

    refused = post_form(client, PAGE, PAGE, {"kind": "import"})
    assert refused.status_code == 422
    assert "An import is already running." in refused.get_data(as_text=True)

    with app.app_context():
        service.run_billing_import(run_id)
    partial = client.get(f"{PAGE}runs/{run_id}", headers={"HX-Request": "true"})
    done = partial.get_data(as_text=True)
    assert "<html" not in done  # the partial the poll swaps in
    assert "Checked 15 of 15 subscriptions" in done
    assert 'hx-trigger="every 2s"' not in done
    with app.app_context():
        assert db.session.get_one(BillingImportRun, run_id).finished_at is not None


def test_without_stripe_connected_nothing_can_start(client: FlaskClient, app: Flask) -> None:
    sign_up(client)
    assert "Import from Stripe" in client.get("/panel/settings/").get_data(as_text=True)
    page = client.get(PAGE).get_data(as_text=True)
    assert "Connect your Stripe account first." in page
    refused = post_form(client, "/panel/settings/currencies", PAGE, {"kind": "dry_run"})
    assert refused.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BillingImportRun)) == 0


def test_two_imports_at_once_move_each_subscription_once(
    app: Flask, stripe_sandbox: StripeSandbox, seeded: tuple[Any, int]
) -> None:
    """Two task consumers each running an import at the same moment (the page allows one at
    a time; two queued before that check, or a run retried by the queue, meet here)."""
    account, merchant = seeded
    with app.app_context():
        runs = [
            BillingImportRun(merchant_id=merchant, kind=RunKind.IMPORT, account_id=account.id)
            for _ in range(2)
        ]
        db.session.add_all(runs)
        db.session.commit()
        run_ids = [run.id for run in runs]

    def consume(run_id: int) -> None:
        with app.app_context():
            service.run_billing_import(run_id)

    threads = [threading.Thread(target=consume, args=(run_id,)) for run_id in run_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    outcomes = [results(app, run_id) for run_id in run_ids]
    for sub_id in ELIGIBLE:
        seen = sorted(found[sub_id].outcome.value for found in outcomes)
        assert seen in (["already_moved", "moved"], ["moved", "already_moved"]), (sub_id, seen)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Subscription)) == 3
        assert db.session.scalar(select(func.count()).select_from(BillingImportMove)) == 3
        assert (
            db.session.scalar(
                select(func.count()).select_from(Product).where(Product.merchant_id == merchant)
            )
            == 2
        )
        assert {status for status in db.session.scalars(select(Subscription.status))} == {
            SubscriptionStatus.ACTIVE
        }
    for sub_id in ELIGIBLE:
        assert stripe_subscription(stripe_sandbox, account, sub_id).cancel_at_period_end is True


def test_stripe_refusing_to_end_one_leaves_it_paused_until_the_next_import_finishes_it(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, seeded: tuple[Any, int]
) -> None:
    """Kassa claimed the subscriptions, then Stripe could not be told to stop them: Stripe
    still bills the next period, so Kassa must not (they wait, paused). The next import tells
    Stripe under the same key, and only then does Kassa bill them."""
    account, merchant = seeded
    stripe_sandbox.faults(failing_writes=["/v1/subscriptions/"])
    try:
        run_id = start(client, "import")
    finally:
        stripe_sandbox.faults(failing_writes=[])
    found = results(app, run_id)
    assert {sub for sub, row in found.items() if row.outcome is Outcome.FAILED} == ELIGIBLE
    assert all("unavailable" in found[sub].error for sub in ELIGIBLE)
    with app.app_context():
        waiting = db.session.scalars(select(Subscription)).all()
        assert {row.status for row in waiting} == {SubscriptionStatus.PAUSED}
        assert {row.paused_until for row in waiting} == {None}
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(BillingImportMove)
                .where(BillingImportMove.stripe_ended_at.is_(None))
            )
            == 3
        )
    for sub_id in ELIGIBLE:
        assert stripe_subscription(stripe_sandbox, account, sub_id).cancel_at_period_end is False

    rerun = start(client, "import")
    again = results(app, rerun)
    assert {sub for sub, row in again.items() if row.outcome is Outcome.ALREADY_MOVED} == ELIGIBLE
    with app.app_context():
        moved = db.session.scalars(
            select(Subscription).where(Subscription.merchant_id == merchant)
        ).all()
        assert len(moved) == 3
        assert {row.status for row in moved} == {SubscriptionStatus.ACTIVE}
    for sub_id in ELIGIBLE:
        assert stripe_subscription(stripe_sandbox, account, sub_id).cancel_at_period_end is True
        tries = [
            r for r in stripe_sandbox.requests(account)
            if r["method"] == "POST" and r["path"] == f"/v1/subscriptions/{sub_id}"
        ]  # fmt: skip
        assert len(tries) > 1 and len({r["idempotency_key"] for r in tries}) == 1


def test_a_run_abandoned_by_its_worker_does_not_block_the_next(
    client: FlaskClient, app: Flask, seeded: tuple[Any, int]
) -> None:
    """A worker restarted mid-run leaves its run "running"; hours later it blocks nothing."""
    account, merchant = seeded
    with app.app_context():
        stuck = BillingImportRun(merchant_id=merchant, kind=RunKind.IMPORT, account_id=account.id,
                                 status=RunStatus.RUNNING,
                                 created_at=utcnow() - service.ABANDONED_AFTER)  # fmt: skip
        db.session.add(stuck)
        db.session.commit()
    run_id = start(client, "import")
    found = results(app, run_id)
    assert {sub for sub, row in found.items() if row.outcome is Outcome.MOVED} == ELIGIBLE


def imported_payments(app: Flask) -> list[Payment]:
    with app.app_context():
        rows = db.session.scalars(
            select(Payment).where(Payment.document_type == IMPORTED_DOCUMENT).order_by(Payment.id)
        ).all()
        db.session.expunge_all()
        return list(rows)


def test_past_charges_are_kept_as_payments_for_reports_once_and_only_when_asked(
    client: FlaskClient,
    app: Flask,
    stripe_sandbox: StripeSandbox,
    seeded: tuple[Any, int],
    mailbox: Mailbox,
) -> None:
    account, merchant = seeded
    start(client, "dry_run", import_charges="y")
    first = start(client, "import")  # the box left unticked: subscriptions only
    assert imported_payments(app) == []
    assert "Past charges imported" not in client.get(f"{PAGE}runs/{first}").get_data(as_text=True)

    asked = start(client, "import", import_charges="y")  # they moved already: charges only
    found = results(app, asked)
    assert found["sub_card"].outcome is Outcome.ALREADY_MOVED
    assert found["sub_card"].charges_imported == 3
    assert sum(row.charges_imported for row in found.values()) == 3
    payments = imported_payments(app)
    assert len(payments) == 3
    paid_by = stripe_client(stripe_sandbox, account).v1.invoices.list(
        params={"subscription": "sub_card", "expand": ["data.payments"]}
    )
    assert sorted(p.intent_id for p in payments) == sorted(
        invoice.payments.data[0].payment.payment_intent for invoice in paid_by.data
    )
    assert {p.document_id for p in payments} == {invoice.id for invoice in paid_by.data}
    with app.app_context():
        card = db.session.scalars(
            select(Subscription).where(Subscription.source_reference == "sub_card")
        ).one()
        card_customer = card.customer_id
    for payment in payments:
        assert (payment.currency, payment.amount, payment.customer_id) == (
            "SEK",
            19800,
            card_customer,
        )
        assert payment.fee and payment.net == payment.amount - payment.fee
        assert payment.receipt_number is None and payment.buyer_email == ""
    by_status = sorted((p.status, p.amount_refunded) for p in payments)
    assert by_status == sorted(
        [(PaymentStatus.SUCCEEDED, 0), (PaymentStatus.SUCCEEDED, 0),
         (PaymentStatus.PARTIALLY_REFUNDED, 500)]
    )  # fmt: skip
    # Dated when Stripe charged them (a period apart, the newest at the current period's start).
    days = sorted(p.created_at.date() for p in payments)
    assert days[-1] == datetime.fromtimestamp(PERIOD_START, UTC).date() and days[0] < days[1]
    assert not mailbox.messages("card@example.com")  # no receipt, no refund email
    with app.app_context():
        totals = db.session.execute(
            select(func.sum(DailyTotal.payments), func.sum(DailyTotal.gross),
                   func.sum(DailyTotal.refunded), func.sum(DailyTotal.net))
            .where(DailyTotal.merchant_id == merchant,
                   DailyTotal.document_type == IMPORTED_DOCUMENT)
        ).one()  # fmt: skip
    assert tuple(totals) == (3, 3 * 19800, 500, sum(p.net or 0 for p in payments))
    page = client.get(f"{PAGE}runs/{asked}").get_data(as_text=True)
    assert "Past charges imported: 3" in page
    # The payments export lists them, filtered by their document type as any other.
    wanted = {"kind": "payments", "document_type": IMPORTED_DOCUMENT}
    exported = post_form(client, EXPORTS, EXPORTS, wanted)
    assert exported.status_code == 200, exported.get_data(as_text=True)
    lines = exported.get_data(as_text=True).lstrip("\ufeff").splitlines()[1:]
    assert len(lines) == 4  # three charges and the refund
    assert all("Imported from Stripe" in line for line in lines)
    assert {p.intent_id for p in payments} <= {cell for line in lines for cell in line.split(";")}

    rerun = start(client, "import", import_charges="y")
    assert sum(row.charges_imported for row in results(app, rerun).values()) == 0
    assert len(imported_payments(app)) == 3
    assert "Past charges imported: 0" in client.get(f"{PAGE}runs/{rerun}").get_data(as_text=True)


def test_an_imported_debit_is_charged_by_kassa_under_the_mandate_stripe_billing_saved(
    client: FlaskClient, app: Flask, stripe_sandbox: StripeSandbox, seeded: tuple[Any, int]
) -> None:
    """The SEPA subscription's first Kassa period (after the scheme's notice) is debited
    naming the mandate Stripe Billing saved the method under, even though the customer
    signed another mandate for the same method since."""
    account, _merchant = seeded
    start(client, "import")
    with app.app_context():
        sepa = db.session.scalars(
            select(Subscription).where(Subscription.source_reference == "sub_sepa")
        ).one()
        db.session.expunge(sepa)
    newer = stripe_client(stripe_sandbox, account).v1.setup_intents.create(
        params={
            "customer": sepa.processor_customer_id,
            "payment_method": sepa.payment_method_id,
            "payment_method_types": ["sepa_debit"],
            "usage": "off_session",
            "confirm": True,
            "mandate_data": MANDATE_DATA,
        }
    )
    assert newer.mandate and newer.mandate != sepa.payment_mandate_id

    first_charge = sepa.next_charge_on
    assert first_charge is not None
    advance_clock(app, (first_charge - timedelta(days=14) - date.today()).days)
    assert run_billing_task(app).charged == []  # the notice goes out first
    advance_clock(app, 14)
    assert len(run_billing_task(app).charged) == 3  # the three moved ones share the day
    with app.app_context():
        [debit] = db.session.scalars(
            select(Payment).where(Payment.method_type == "sepa_debit")
        ).all()
        assert debit.mandate_id == sepa.payment_mandate_id
    intent = stripe_client(stripe_sandbox, account).v1.payment_intents.retrieve(
        debit.intent_id, params={"expand": ["latest_charge"]}
    )
    assert intent.latest_charge.payment_method_details.sepa_debit.mandate == sepa.payment_mandate_id
