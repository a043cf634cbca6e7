"""Webhook delivery: signed POSTs on a background thread, retried, with fault injection.

Each event goes to every enabled endpoint of its account that subscribes to its type. A
delivery is a JSON POST with ``Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
"<t>.<payload>" keyed by the endpoint secret>``, as ``stripe.Webhook.construct_event``
verifies. Non-2xx answers and connection errors are retried after each delay in
``retry_delays`` (then given up). Faults: ``drop`` (never sent), ``duplicate`` (sent twice),
``shuffle`` (everything due at once goes out in a shuffled order).
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import hmac
import itertools
import json
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from typing import Any

from .state import new_id

USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"


def sign_payload(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header value for ``payload``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.{payload}".encode()
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def endpoint_wants(endpoint: dict[str, Any], event_type: str) -> bool:
    if endpoint.get("status") != "enabled":
        return False
    enabled = endpoint.get("enabled_events") or []
    return "*" in enabled or event_type in enabled


def _chance(setting: Any) -> float:
    """Fault settings may be booleans or probabilities between 0 and 1."""
    if setting is True:
        return 1.0
    if not setting:
        return 0.0
    return max(0.0, min(1.0, float(setting)))


class WebhookDispatcher:
    """Delivers queued webhooks from one daemon thread; every attempt is recorded."""

    def __init__(
        self,
        record: Callable[[dict[str, Any]], None],
        faults: Callable[[], dict[str, Any]],
        retry_delays: Sequence[float] = (1, 2, 4, 8, 16),
        timeout: float = 5.0,
    ) -> None:
        self._record = record
        self._faults = faults
        self.retry_delays = tuple(retry_delays)
        self.timeout = timeout
        self._queue: list[tuple[float, int, dict[str, Any]]] = []
        self._order = itertools.count()
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._busy = 0

    def enqueue(self, endpoint: dict[str, Any], event: dict[str, Any]) -> None:
        faults = self._faults()
        base = {
            "endpoint": endpoint["id"],
            "url": endpoint["url"],
            "secret": endpoint["secret"],
            "event": event["id"],
            "type": event["type"],
            "account": endpoint["_account"],
            "payload": json.dumps(event, indent=2),
            "attempt": 1,
            "duplicate": False,
        }
        if random.random() < _chance(faults.get("drop_webhooks")):  # noqa: S311
            self._record(self._record_of(base, "dropped", None, None))
            return
        copies = [base]
        if random.random() < _chance(faults.get("duplicate_webhooks")):  # noqa: S311
            copies.append({**base, "duplicate": True})
        with self._condition:
            for item in copies:
                heapq.heappush(self._queue, (time.monotonic(), next(self._order), item))
            self._ensure_thread()
            self._condition.notify_all()

    def pending(self) -> int:
        with self._condition:
            return len(self._queue) + self._busy

    def clear(self) -> None:
        with self._condition:
            self._queue.clear()

    def stop(self) -> None:
        with self._condition:
            self._stopping = True
            self._condition.notify_all()

    # -- the delivery thread -----------------------------------------------------------
    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)
            self._thread.start()

    def _next_batch(self) -> list[dict[str, Any]] | None:
        with self._condition:
            while not self._stopping:
                now = time.monotonic()
                if self._queue and self._queue[0][0] <= now:
                    batch = []
                    while self._queue and self._queue[0][0] <= now:
                        batch.append(heapq.heappop(self._queue)[2])
                    self._busy = len(batch)
                    return batch
                wait = self._queue[0][0] - now if self._queue else None
                self._condition.wait(timeout=wait)
            return None

    def _run(self) -> None:
        while (batch := self._next_batch()) is not None:
            if len(batch) > 1 and self._faults().get("shuffle_webhooks"):
                batch = _shuffled(batch)
            for item in batch:
                self._attempt(item)
                with self._condition:
                    self._busy -= 1

    def _attempt(self, item: dict[str, Any]) -> None:
        signature = sign_payload(item["payload"], item["secret"])
        request = urllib.request.Request(  # noqa: S310 - endpoint URLs are the merchant's
            item["url"],
            data=item["payload"].encode(),
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": signature,
                "User-Agent": USER_AGENT,
            },
        )
        status: int | None = None
        error: str | None = None
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as failure:
            status = failure.code
        except (OSError, ValueError) as failure:
            error = str(failure)
        succeeded = status is not None and 200 <= status < 300
        will_retry = not succeeded and item["attempt"] <= len(self.retry_delays)
        outcome = "succeeded" if succeeded else ("retrying" if will_retry else "failed")
        self._record(self._record_of(item, outcome, status, error))
        if will_retry:
            delay = self.retry_delays[item["attempt"] - 1]
            retry = {**item, "attempt": item["attempt"] + 1}
            with self._condition:
                heapq.heappush(self._queue, (time.monotonic() + delay, next(self._order), retry))
                self._condition.notify_all()

    @staticmethod
    def _record_of(
        item: dict[str, Any], outcome: str, status: int | None, error: str | None
    ) -> dict[str, Any]:
        return {
            "id": new_id("whdel"),
            "account": item["account"],
            "endpoint": item["endpoint"],
            "url": item["url"],
            "event": item["event"],
            "type": item["type"],
            "attempt": item["attempt"],
            "duplicate": item["duplicate"],
            "outcome": outcome,
            "status_code": status,
            "error": error,
            "at": time.time(),
        }


def _shuffled(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A random order that is never the original one (so reordering always shows)."""
    shuffled = batch[:]
    for _ in range(10):
        random.shuffle(shuffled)
        if shuffled != batch:
            return shuffled
    with contextlib.suppress(IndexError):
        shuffled = batch[1:] + batch[:1]
    return shuffled
