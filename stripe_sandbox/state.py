"""The sandbox's state: accounts, API keys and every object, behind one lock.

Objects are stored as the JSON Stripe returns for them (ids for references, never nested
objects); keys starting with ``_`` are the sandbox's private bookkeeping and are never
rendered. With a state file, everything is written (atomically) after each change and read
back at start-up, so a restarted sandbox keeps its accounts, keys and payments.
"""

from __future__ import annotations

import copy
import json
import os
import secrets
import string
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

_ALPHABET = string.ascii_letters + string.digits
MAX_RECORDED_DELIVERIES = 5000
MAX_RECORDED_REQUESTS = 2000


def random_token(length: int = 24) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def new_id(prefix: str) -> str:
    return f"{prefix}_{random_token(24)}"


def now() -> int:
    return int(time.time())


def public_view(obj: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of ``obj`` without the sandbox's private (``_``-prefixed) keys."""
    return {key: copy.deepcopy(value) for key, value in obj.items() if not key.startswith("_")}


class Store:
    """All sandbox data. Hold ``lock`` while reading or changing anything."""

    def __init__(self, state_file: str | os.PathLike[str] | None = None) -> None:
        self.lock = threading.RLock()
        self.state_file = Path(state_file) if state_file else None
        self.clear()
        if self.state_file and self.state_file.exists():
            self._load()

    def clear(self) -> None:
        with self.lock:
            self.accounts: dict[str, dict[str, Any]] = {}
            self.keys: dict[str, dict[str, str]] = {}
            self.objects: dict[str, dict[str, dict[str, Any]]] = {}
            self.by_kind: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
            self.idempotency: dict[str, dict[str, dict[str, Any]]] = {}
            self.jobs: list[dict[str, Any]] = []
            self.deliveries: list[dict[str, Any]] = []
            # What ``stripe listen`` forwards to (by id): not API objects, never listed by /v1.
            self.listeners: dict[str, dict[str, Any]] = {}
            self.requests: deque[dict[str, Any]] = deque(maxlen=MAX_RECORDED_REQUESTS)
            self.sequence = 0

    # -- persistence -------------------------------------------------------------------
    def _snapshot(self) -> dict[str, Any]:
        return {
            "accounts": self.accounts,
            "keys": self.keys,
            "objects": self.objects,
            "idempotency": self.idempotency,
            "jobs": self.jobs,
            "listeners": self.listeners,
            "sequence": self.sequence,
        }

    def _load(self) -> None:
        assert self.state_file is not None
        data = json.loads(self.state_file.read_text(encoding="utf-8"))
        self.accounts = data.get("accounts", {})
        self.keys = data.get("keys", {})
        self.objects = data.get("objects", {})
        self.by_kind = {}
        for account_id, objects in self.objects.items():
            for obj in objects.values():
                self.by_kind.setdefault((account_id, obj.get("object", "")), {})[obj["id"]] = obj
        self.idempotency = {
            account: {key: record for key, record in records.items() if not record.get("in_flight")}
            for account, records in data.get("idempotency", {}).items()
        }
        self.jobs = data.get("jobs", [])
        self.listeners = data.get("listeners", {})
        self.sequence = data.get("sequence", 0)

    def save(self) -> None:
        """Write the state file (if any). Call with the lock held, after a change."""
        if not self.state_file:
            return
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.state_file.parent, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(self._snapshot(), stream)
        os.replace(temporary, self.state_file)

    # -- accounts and keys -------------------------------------------------------------
    def add_account(self, account: dict[str, Any], secret_key: str, publishable_key: str) -> None:
        with self.lock:
            self.accounts[account["id"]] = account
            self.objects.setdefault(account["id"], {})
            self.idempotency.setdefault(account["id"], {})
            self.keys[secret_key] = {"account": account["id"], "kind": "secret"}
            self.keys[publishable_key] = {"account": account["id"], "kind": "publishable"}

    def key_owner(self, key: str) -> tuple[dict[str, Any], str] | None:
        entry = self.keys.get(key)
        if entry is None or entry["account"] not in self.accounts:
            return None
        return self.accounts[entry["account"]], entry["kind"]

    # -- objects -----------------------------------------------------------------------
    def add(self, account_id: str, obj: dict[str, Any]) -> dict[str, Any]:
        self.sequence += 1
        obj["_seq"] = self.sequence
        self.objects[account_id][obj["id"]] = obj
        self.by_kind.setdefault((account_id, obj.get("object", "")), {})[obj["id"]] = obj
        return obj

    def remove(self, account_id: str, obj: dict[str, Any]) -> None:
        del self.objects[account_id][obj["id"]]
        self.by_kind.get((account_id, obj.get("object", "")), {}).pop(obj["id"], None)

    def get(
        self, account_id: str, object_id: str, kind: str | None = None
    ) -> dict[str, Any] | None:
        obj = self.objects.get(account_id, {}).get(object_id)
        if obj is None or (kind is not None and obj.get("object") != kind):
            return None
        return obj

    def select(
        self, account_id: str, kind: str, where: Callable[[dict[str, Any]], bool] | None = None
    ) -> list[dict[str, Any]]:
        """Objects of one kind, newest first (Stripe's list order)."""
        # By kind: a scan of every object was most of the sandbox's time once an account
        # held tens of thousands (each webhook looks up the endpoints).
        found = [
            obj
            for obj in self.by_kind.get((account_id, kind), {}).values()
            if where is None or where(obj)
        ]
        found.sort(key=lambda obj: (obj.get("created", 0), obj["_seq"]), reverse=True)
        return found

    def all_accounts(self) -> Iterator[str]:
        return iter(list(self.accounts))

    # -- deliveries --------------------------------------------------------------------
    def record_delivery(self, record: dict[str, Any]) -> None:
        with self.lock:
            self.deliveries.append(record)
            del self.deliveries[:-MAX_RECORDED_DELIVERIES]

    def record_request(self, record: dict[str, Any]) -> None:
        with self.lock:
            self.requests.append(record)
