"""Events: every state change the sandbox makes, as Stripe records it."""

from __future__ import annotations

from typing import Any

from ..api import Ctx, endpoint
from ..params import STR


@endpoint("GET", "/v1/events/<id>")
def retrieve_event(ctx: Ctx, id: str) -> dict[str, Any]:
    return ctx.render(ctx.get("event", id))


@endpoint("GET", "/v1/events", {"type": STR, "types": [STR]}, paginated=True, created_filter=True)
def list_events(ctx: Ctx) -> dict[str, Any]:
    wanted = set(ctx.params.get("types") or [])
    single = ctx.params.get("type")

    def matches(event: dict[str, Any]) -> bool:
        if wanted and event["type"] not in wanted:
            return False
        if single is None:
            return True
        if single.endswith("*"):
            return event["type"].startswith(single[:-1])
        return event["type"] == single

    return ctx.list_response(ctx.store.select(ctx.account_id, "event", matches), "/v1/events")
