"""Webhook endpoints: where an account's events are POSTed (signed with ``secret``)."""

from __future__ import annotations

from typing import Any

from ..api import Ctx, endpoint, metadata_update
from ..errors import invalid_request, parameter_missing
from ..params import BOOL, MAP, STR
from ..state import new_id, now, random_token

ENDPOINT_PARAMS = {"url": STR, "enabled_events": [STR], "description": STR, "metadata": MAP}


def _check_url(url: str) -> None:
    if not url.startswith(("http://", "https://")):
        raise invalid_request(
            f"Invalid URL: {url}. URLs must begin with http or https.",
            code="url_invalid",
            param="url",
        )


@endpoint("POST", "/v1/webhook_endpoints", {**ENDPOINT_PARAMS, "api_version": STR, "connect": BOOL})
def create_webhook_endpoint(ctx: Ctx) -> dict[str, Any]:
    params = ctx.params
    if not params.get("url"):
        raise parameter_missing("url")
    if not params.get("enabled_events"):
        raise parameter_missing("enabled_events")
    _check_url(params["url"])
    record = ctx.add(
        {
            "id": new_id("we"),
            "object": "webhook_endpoint",
            "api_version": params.get("api_version"),
            "application": None,
            "created": now(),
            "description": params.get("description"),
            "enabled_events": params["enabled_events"],
            "livemode": False,
            "metadata": metadata_update({}, params.get("metadata")),
            "status": "enabled",
            "url": params["url"],
            "secret": f"whsec_{random_token(32)}",
            "_account": ctx.account_id,
        }
    )
    return ctx.render(record)


def _without_secret(rendered: dict[str, Any]) -> dict[str, Any]:
    rendered.pop("secret", None)
    return rendered


@endpoint("GET", "/v1/webhook_endpoints/<webhook_endpoint>")
def retrieve_webhook_endpoint(ctx: Ctx, webhook_endpoint: str) -> dict[str, Any]:
    return _without_secret(ctx.render(ctx.get("webhook_endpoint", webhook_endpoint)))


@endpoint("POST", "/v1/webhook_endpoints/<webhook_endpoint>", {**ENDPOINT_PARAMS, "disabled": BOOL})
def update_webhook_endpoint(ctx: Ctx, webhook_endpoint: str) -> dict[str, Any]:
    record = ctx.get("webhook_endpoint", webhook_endpoint)
    params = ctx.params
    if params.get("url"):
        _check_url(params["url"])
        record["url"] = params["url"]
    if params.get("enabled_events"):
        record["enabled_events"] = params["enabled_events"]
    if "description" in params:
        record["description"] = params["description"] or None
    if "metadata" in params:
        record["metadata"] = metadata_update(record["metadata"], params["metadata"])
    if params.get("disabled") is not None:
        record["status"] = "disabled" if params["disabled"] else "enabled"
    return _without_secret(ctx.render(record))


@endpoint("DELETE", "/v1/webhook_endpoints/<webhook_endpoint>")
def delete_webhook_endpoint(ctx: Ctx, webhook_endpoint: str) -> dict[str, Any]:
    record = ctx.get("webhook_endpoint", webhook_endpoint)
    del ctx.store.objects[ctx.account_id][record["id"]]
    return {"id": record["id"], "object": "webhook_endpoint", "deleted": True}


@endpoint("GET", "/v1/webhook_endpoints", paginated=True)
def list_webhook_endpoints(ctx: Ctx) -> dict[str, Any]:
    found = ctx.store.select(ctx.account_id, "webhook_endpoint")
    page = ctx.list_response(found, "/v1/webhook_endpoints")
    page["data"] = [_without_secret(item) for item in page["data"]]
    return page
