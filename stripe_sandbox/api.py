"""What every resource module builds on: the endpoint registry, the request context,
rendering with ``expand[]`` and cursor-paginated list objects."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import invalid_request, resource_missing
from .params import EXPAND, LIST_PARAMS, RANGE
from .sandbox import Sandbox
from .state import Store, public_view

Handler = Callable[..., Any]


@dataclass
class Endpoint:
    """One Stripe API operation the sandbox serves."""

    method: str
    rule: str  # Flask rule, variables named as in Stripe's OpenAPI paths
    params: dict[str, Any]
    handler: Handler
    publishable: bool = False  # may a publishable key call it (as Stripe.js does)?

    @property
    def spec_path(self) -> str:
        return self.rule.replace("<", "{").replace(">", "}")

    @property
    def name(self) -> str:
        return f"{self.method} {self.rule}"


ENDPOINTS: list[Endpoint] = []


def endpoint(
    method: str,
    rule: str,
    params: dict[str, Any] | None = None,
    *,
    publishable: bool = False,
    paginated: bool = False,
    created_filter: bool = False,
) -> Callable[[Handler], Handler]:
    """Register a handler ``fn(ctx, **path_variables) -> dict`` for one operation.

    ``paginated`` adds Stripe's cursor parameters, ``created_filter`` the ``created`` range
    filter (only where Stripe offers it). Every operation but DELETE takes ``expand``.
    """
    schema = dict(params or {})
    if method != "DELETE":
        schema.setdefault("expand", EXPAND)
    if paginated:
        schema = {**LIST_PARAMS, **schema}
    if created_filter:
        schema["created"] = RANGE

    def register(handler: Handler) -> Handler:
        ENDPOINTS.append(Endpoint(method, rule, schema, handler, publishable))
        return handler

    return register


# kind -> function(rendered object) adjusting values computed at read time.
RENDER_HOOKS: dict[str, Callable[[dict[str, Any]], None]] = {}

# Stripe's name for each object in "No such ..." messages.
KIND_LABELS = {
    "payment_intent": "payment_intent",
    "setup_intent": "setupintent",
    "payment_method": "PaymentMethod",
    "customer": "customer",
    "charge": "charge",
    "refund": "refund",
    "balance_transaction": "balance transaction",
    "mandate": "mandate",
    "event": "event",
    "webhook_endpoint": "webhook endpoint",
    "subscription": "subscription",
    "price": "price",
    "product": "product",
    "invoice": "invoice",
}


@dataclass
class Ctx:
    """Everything a handler needs about the current request."""

    sandbox: Sandbox
    account: dict[str, Any]
    key_kind: str
    params: dict[str, Any]
    base_url: str

    @property
    def store(self) -> Store:
        return self.sandbox.store

    @property
    def account_id(self) -> str:
        return self.account["id"]

    @property
    def publishable(self) -> bool:
        return self.key_kind == "publishable"

    def emit(
        self,
        event_type: str,
        obj: dict[str, Any],
        previous_attributes: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        return self.sandbox.emit(self.account_id, event_type, obj, previous_attributes)

    def get(self, kind: str, object_id: str, param: str = "id") -> dict[str, Any]:
        obj = self.store.get(self.account_id, object_id, kind)
        if obj is None:
            raise resource_missing(KIND_LABELS.get(kind, kind), object_id, param)
        return obj

    def add(self, obj: dict[str, Any]) -> dict[str, Any]:
        return self.store.add(self.account_id, obj)

    def url(self, path: str) -> str:
        return self.base_url + path

    def render(self, obj: dict[str, Any], expand: list[str] | None = None) -> dict[str, Any]:
        paths = (self.params.get("expand") or []) if expand is None else expand
        return render(self.sandbox, self.account_id, obj, paths)

    def list_response(self, objects: list[dict[str, Any]], url: str) -> dict[str, Any]:
        return paginate(self, objects, url)


def background_ctx(sandbox: Sandbox, account_id: str) -> Ctx:
    """A context for work that happens outside any request (settling bank debits)."""
    return Ctx(
        sandbox,
        sandbox.store.accounts[account_id],
        "secret",
        {},
        (sandbox.config.public_url or "").rstrip("/"),
    )


def render(
    sandbox: Sandbox, account_id: str, obj: dict[str, Any], expand: list[str]
) -> dict[str, Any]:
    rendered = _plain(obj)
    tree: dict[str, Any] = {}
    for path in expand:
        node = tree
        for part in path.split("."):
            node = node.setdefault(part, {})
    _expand(sandbox, account_id, rendered, tree, "")
    return rendered


def _plain(obj: dict[str, Any]) -> dict[str, Any]:
    rendered = public_view(obj)
    hook = RENDER_HOOKS.get(rendered.get("object", ""))
    if hook:
        hook(rendered)
    return rendered


def _expand(
    sandbox: Sandbox, account_id: str, value: dict[str, Any], tree: dict[str, Any], prefix: str
) -> None:
    for field_name, subtree in tree.items():
        full = f"{prefix}{field_name}"
        if field_name not in value:
            raise invalid_request(f"This property cannot be expanded ({full}).", param="expand")
        child = value[field_name]
        if isinstance(child, str):
            target = sandbox.store.get(account_id, child)
            if target is None:
                raise invalid_request(f"This property cannot be expanded ({full}).", param="expand")
            value[field_name] = _plain(target)
            _expand(sandbox, account_id, value[field_name], subtree, f"{full}.")
        elif isinstance(child, dict):
            _expand(sandbox, account_id, child, subtree, f"{full}.")
        elif isinstance(child, list):
            for index, item in enumerate(child):
                if isinstance(item, str):
                    target = sandbox.store.get(account_id, item)
                    if target is not None:
                        child[index] = item = _plain(target)
                if isinstance(item, dict):
                    _expand(sandbox, account_id, item, subtree, f"{full}.")
        elif child is not None:
            raise invalid_request(f"This property cannot be expanded ({full}).", param="expand")


def _created_matches(created: int, condition: Any) -> bool:
    if condition is None:
        return True
    if isinstance(condition, int):
        return created == condition
    checks = {
        "gt": created.__gt__,
        "gte": created.__ge__,
        "lt": created.__lt__,
        "lte": created.__le__,
    }
    return all(checks[key](limit) for key, limit in condition.items() if limit is not None)


def paginate(ctx: Ctx, objects: list[dict[str, Any]], url: str) -> dict[str, Any]:
    """Stripe's list object over ``objects`` (newest first), honouring cursor params."""
    params = ctx.params
    limit = params.get("limit")
    limit = 10 if limit is None else limit
    if not 1 <= limit <= 100:
        raise invalid_request(
            "This value must be greater than or equal to 1."
            if limit < 1
            else "This value must be less than or equal to 100.",
            param="limit",
        )
    objects = [
        obj for obj in objects if _created_matches(obj.get("created", 0), params.get("created"))
    ]
    ids = [obj["id"] for obj in objects]
    if params.get("starting_after"):
        cursor = params["starting_after"]
        if cursor not in ids:
            raise resource_missing("object", cursor, "starting_after")
        start = ids.index(cursor) + 1
        page = objects[start : start + limit]
        has_more = start + limit < len(objects)
    elif params.get("ending_before"):
        cursor = params["ending_before"]
        if cursor not in ids:
            raise resource_missing("object", cursor, "ending_before")
        end = ids.index(cursor)
        start = max(0, end - limit)
        page = objects[start:end]
        has_more = start > 0
    else:
        page = objects[:limit]
        has_more = len(objects) > limit
    expand = [
        path.removeprefix("data.")
        for path in params.get("expand") or []
        if path.startswith("data.")
    ]
    return {
        "object": "list",
        "data": [ctx.render(obj, expand) for obj in page],
        "has_more": has_more,
        "url": url,
    }


def metadata_update(current: dict[str, str], given: Any) -> dict[str, str]:
    """Stripe's metadata merge: keys set to "" are removed; "" as a whole clears it."""
    if given is None or given == "":
        return {} if given == "" else dict(current)
    merged = dict(current)
    for key, value in given.items():
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = str(value)
    return merged
