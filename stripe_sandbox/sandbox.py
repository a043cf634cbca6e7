"""The sandbox engine: state, events, webhook delivery and timed bank-debit settlement.

The Flask layer (``app.py``) turns HTTP into calls on a :class:`Sandbox`; background work
(delivering webhooks, settling bank debits when their time comes) runs on daemon threads.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import lock_timeout
from .rules import default_capabilities
from .state import Store, new_id, now, public_view, random_token
from .testdata import MICRODEPOSIT_TYPES
from .versions import API_VERSION
from .webhooks import WebhookDispatcher, endpoint_wants

logger = logging.getLogger(__name__)
__all__ = ["API_VERSION", "DEFAULT_FAULTS", "Sandbox", "SandboxConfig", "current_request"]
DEFAULT_FAULTS: dict[str, Any] = {
    "error_rate": 0.0,
    "latency_ms": 0,
    "drop_webhooks": False,
    "duplicate_webhooks": False,
    "shuffle_webhooks": False,
    # A confirm holds its intent's lock this long before it runs, so a write to the same
    # intent meanwhile waits, and meets ``lock_timeout`` once it has waited
    # ``lock_wait_seconds`` (deterministically, for tests: hold longer than that).
    "confirm_hold_ms": 0,
    # The next N API requests are answered 429 ``rate_limit`` before doing anything.
    "rate_limited_requests": 0,
    # Writes (POST, DELETE) to paths starting with one of these answer 500 ``api_error``
    # before doing anything, reads still work: a call that fails after the reads before it.
    "failing_writes": [],
}

# The request an event comes from (Stripe puts its id and idempotency key on the event).
current_request: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "current_request", default=None
)

# kind -> function(sandbox, account_id, job) for scheduled work; filled in by resources.
JOB_HANDLERS: dict[str, Callable[[Sandbox, str, dict[str, Any]], None]] = {}


@dataclass
class SandboxConfig:
    debit_settle_seconds: float = 10.0
    public_url: str | None = None
    webhook_retry_delays: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 16.0)
    webhook_timeout: float = 5.0
    delayed_settle_factor: float = 3.0  # "after a delay" test numbers take this many times longer
    # Stripe refuses webhook endpoints on loopback and private addresses; the demo and the
    # tests, where Kassa listens on 127.0.0.1, start the sandbox with this allowance.
    allow_private_webhook_urls: bool = False
    # How long a write waits for an object another request holds before ``lock_timeout``
    # (Stripe waits a little too; how long it does not say).
    lock_wait_seconds: float = 1.0


class Sandbox:
    """One sandbox instance: its store, its webhook thread and its settle thread."""

    def __init__(self, config: SandboxConfig | None = None, state_file: str | None = None) -> None:
        self.config = config or SandboxConfig()
        self.store = Store(state_file)
        self.faults: dict[str, Any] = dict(DEFAULT_FAULTS)
        self.webhooks = WebhookDispatcher(
            self.store.record_delivery,
            lambda: dict(self.faults),
            retry_delays=self.config.webhook_retry_delays,
            timeout=self.config.webhook_timeout,
        )
        self._jobs_changed = threading.Condition()
        self._settler: threading.Thread | None = None
        self._held: set[str] = set()  # objects a write request is working on (Stripe's locks)
        self._locks_changed = threading.Condition()
        if self.store.jobs:
            self._wake_settler()

    # -- accounts ----------------------------------------------------------------------
    def create_account(
        self,
        country: str = "US",
        default_currency: str | None = None,
        business_name: str | None = None,
        email: str | None = None,
        capabilities: dict[str, str] | None = None,
        secret_key: str | None = None,
        publishable_key: str | None = None,
        account_id: str | None = None,
        microdeposit_type: str = MICRODEPOSIT_TYPES[0],
    ) -> dict[str, str]:
        """A new account and its keys. ``microdeposit_type``: what verifies a US bank account
        typed in, a descriptor code (Stripe's default) or two amounts."""
        if microdeposit_type not in MICRODEPOSIT_TYPES:
            raise ValueError(f"microdeposit_type must be one of {', '.join(MICRODEPOSIT_TYPES)}")
        country = country.upper()
        currency = (default_currency or _default_currency(country)).lower()
        account_id = account_id or f"acct_{random_token(16)}"
        account = _account_object(
            account_id,
            country,
            currency,
            business_name,
            email,
            capabilities or default_capabilities(country),
        )
        account["_microdeposit_type"] = microdeposit_type
        secret_key = secret_key or f"sk_test_{random_token(40)}"
        publishable_key = publishable_key or f"pk_test_{random_token(40)}"
        with self.store.lock:
            self.store.add_account(account, secret_key, publishable_key)
            self.store.save()
        return {"account": account_id, "secret_key": secret_key, "publishable_key": publishable_key}

    # -- object locks ------------------------------------------------------------------
    def hold(self, object_id: str) -> None:
        """Take the object's lock for one write request, as Stripe does. A request that finds
        it taken waits up to ``lock_wait_seconds`` for it, then gets ``lock_timeout`` (429)."""
        with self._locks_changed:
            free = self._locks_changed.wait_for(
                lambda: object_id not in self._held, timeout=self.config.lock_wait_seconds
            )
            if not free:
                raise lock_timeout()
            self._held.add(object_id)

    def release(self, object_id: str) -> None:
        with self._locks_changed:
            self._held.discard(object_id)
            self._locks_changed.notify_all()

    def is_held(self, object_id: str) -> bool:
        with self._locks_changed:
            return object_id in self._held

    # -- events ------------------------------------------------------------------------
    def emit(
        self,
        account_id: str,
        event_type: str,
        obj: dict[str, Any],
        previous_attributes: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Record the event Stripe would create for this change and queue its webhooks."""
        request = current_request.get() or {"id": None, "idempotency_key": None}
        data: dict[str, Any] = {"object": public_view(obj)}
        if previous_attributes:
            data["previous_attributes"] = previous_attributes
        with self.store.lock:
            endpoints = self.store.select(
                account_id,
                "webhook_endpoint",
                lambda endpoint: endpoint_wants(endpoint, event_type),
            )
            listeners = [
                listener
                for listener in self.store.listeners.values()
                if listener["_account"] == account_id and endpoint_wants(listener, event_type)
            ]
            event = {
                "id": new_id("evt"),
                "object": "event",
                "api_version": API_VERSION,
                "created": now(),
                "data": data,
                "livemode": False,
                "pending_webhooks": len(endpoints) + len(listeners),
                "request": dict(request),
                "type": event_type,
            }
            self.store.add(account_id, event)
            for endpoint in [*reversed(endpoints), *listeners]:
                # An endpoint gets events rendered in its own version, else the account's.
                version = endpoint.get("api_version") or API_VERSION
                self.webhooks.enqueue(endpoint, {**public_view(event), "api_version": version})
        return event

    # -- scheduled work (bank debits settling) -----------------------------------------
    def schedule(
        self, account_id: str, kind: str, object_id: str, delay: float, **details: Any
    ) -> None:
        with self.store.lock:
            self.store.jobs.append(
                {
                    "account": account_id,
                    "kind": kind,
                    "object": object_id,
                    "due": time.time() + max(delay, 0.0),
                    **details,
                }
            )
        self._wake_settler()

    def settle_delay(self, delayed: bool) -> float:
        factor = self.config.delayed_settle_factor if delayed else 1.0
        return self.config.debit_settle_seconds * factor

    def run_due_jobs(self, everything: bool = False) -> int:
        """Run scheduled jobs that are due (or all of them); return how many ran."""
        ran = 0
        while True:
            with self.store.lock:
                moment = time.time()
                due = [job for job in self.store.jobs if everything or job["due"] <= moment]
                if not due:
                    return ran
                due.sort(key=lambda job: job["due"])
                for job in due:
                    self.store.jobs.remove(job)
                    try:
                        JOB_HANDLERS[job["kind"]](self, job["account"], job)
                    except Exception:  # one broken job must not stop settling the rest
                        logger.exception("sandbox job %s failed", job)
                    ran += 1
                self.store.save()

    def _wake_settler(self) -> None:
        with self._jobs_changed:
            if self._settler is None or not self._settler.is_alive():
                self._settler = threading.Thread(
                    target=self._settle_loop, name="sandbox-settler", daemon=True
                )
                self._settler.start()
            self._jobs_changed.notify_all()

    def _settle_loop(self) -> None:
        while True:
            self.run_due_jobs()
            with self.store.lock:
                next_due = min((job["due"] for job in self.store.jobs), default=None)
            wait = None if next_due is None else max(0.0, next_due - time.time())
            with self._jobs_changed:
                self._jobs_changed.wait(timeout=wait if wait is None else min(wait, 1.0))

    # -- control -----------------------------------------------------------------------
    def reset(self) -> None:
        """Forget everything but the idempotency keys each account used: Stripe keeps an
        account's keys whatever else happens, so an account made again with the same id (a
        seed with fixed ids, a demo restarted) still refuses a key reused with other
        parameters, as Stripe would."""
        self.webhooks.clear()
        with self.store.lock:
            used_keys = self.store.idempotency
            self.store.clear()
            self.store.idempotency = used_keys
            self.faults = dict(DEFAULT_FAULTS)
            self.store.save()
        with self._locks_changed:
            self._held.clear()
            self._locks_changed.notify_all()


def _default_currency(country: str) -> str:
    currencies = {
        "US": "usd",
        "GB": "gbp",
        "SE": "sek",
        "NO": "nok",
        "DK": "dkk",
        "CH": "chf",
        "CA": "cad",
        "AU": "aud",
        "NZ": "nzd",
        "JP": "jpy",
        "PL": "pln",
        "CZ": "czk",
        "HU": "huf",
        "RO": "ron",
        "BG": "bgn",
        "HK": "hkd",
        "SG": "sgd",
        "MX": "mxn",
        "BR": "brl",
        "MY": "myr",
        "TH": "thb",
        "AE": "aed",
        "IN": "inr",
    }
    return currencies.get(country, "eur")


def _account_object(
    account_id: str,
    country: str,
    currency: str,
    business_name: str | None,
    email: str | None,
    capabilities: dict[str, str],
) -> dict[str, Any]:
    empty_requirements: dict[str, Any] = {
        "alternatives": [],
        "current_deadline": None,
        "currently_due": [],
        "disabled_reason": None,
        "errors": [],
        "eventually_due": [],
        "past_due": [],
        "pending_verification": [],
    }
    return {
        "id": account_id,
        "object": "account",
        "business_profile": {
            "annual_revenue": None,
            "estimated_worker_count": None,
            "mcc": None,
            "name": business_name,
            "product_description": None,
            "support_address": None,
            "support_email": email,
            "support_phone": None,
            "support_url": None,
            "url": None,
            "minority_owned_business_designation": None,
        },
        "business_type": "company",
        "capabilities": capabilities,
        "charges_enabled": True,
        "controller": {"type": "account"},
        "country": country,
        "created": now(),
        "default_currency": currency,
        "details_submitted": True,
        "email": email,
        "external_accounts": {
            "object": "list",
            "data": [],
            "has_more": False,
            "url": f"/v1/accounts/{account_id}/external_accounts",
        },
        "future_requirements": dict(empty_requirements),
        "metadata": {},
        "payouts_enabled": True,
        "requirements": dict(empty_requirements),
        "settings": {
            "bacs_debit_payments": {
                "display_name": business_name,
                "service_user_number": "123456" if country == "GB" else None,
            },
            "branding": {
                "icon": None,
                "logo": None,
                "primary_color": None,
                "secondary_color": None,
            },
            "card_issuing": {"tos_acceptance": {"date": None, "ip": None}},
            "card_payments": {
                "decline_on": {"avs_failure": False, "cvc_failure": False},
                "statement_descriptor_prefix": None,
                "statement_descriptor_prefix_kana": None,
                "statement_descriptor_prefix_kanji": None,
            },
            "dashboard": {"display_name": business_name, "timezone": "Etc/UTC"},
            "invoices": {"default_account_tax_ids": None, "hosted_payment_method_save": None},
            "payments": {
                "statement_descriptor": (business_name or "SANDBOX")[:22].upper(),
                "statement_descriptor_kana": None,
                "statement_descriptor_kanji": None,
                "statement_descriptor_prefix_kana": None,
                "statement_descriptor_prefix_kanji": None,
            },
            "payouts": {
                "debit_negative_balances": True,
                "schedule": {"delay_days": 2, "interval": "daily"},
                "statement_descriptor": None,
            },
            "sepa_debit_payments": {},
        },
        "tos_acceptance": {"date": now(), "ip": None, "user_agent": None},
        "type": "standard",
    }
