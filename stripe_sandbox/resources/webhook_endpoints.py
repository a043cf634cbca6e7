"""Webhook endpoints: where an account's events are POSTed (signed with ``secret``).

As at Stripe: an endpoint's URL must be one Stripe can reach from the internet (not loopback,
a private network or a name only a local network knows) unless the sandbox was started with
``allow_private_webhook_urls``; an account has at most ``MAX_ENDPOINTS``; ``api_version``
must be a version the sandbox knows, and the account's events reach the endpoint rendered in
it (``Sandbox.emit``).
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from ..api import Ctx, endpoint, metadata_update
from ..errors import invalid_request, parameter_missing
from ..params import BOOL, MAP, STR
from ..state import new_id, now, random_token
from ..versions import is_known

ENDPOINT_PARAMS = {"url": STR, "enabled_events": [STR], "description": STR, "metadata": MAP}
MAX_ENDPOINTS = 16
# Names no public resolver answers for: they can only mean this machine or a local network.
LOCAL_NAME_SUFFIXES = (
    ".localhost",
    ".local",
    ".localdomain",
    ".internal",
    ".lan",
    ".home.arpa",
    ".test",
    ".invalid",
)


def publicly_reachable(url: str) -> bool:
    """Whether Stripe could reach ``url`` from the internet. Names are not resolved (the
    sandbox may have no DNS): IP literals must be global, names must not be local ones."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if not host:
        return False
    try:
        return ipaddress.ip_address(host).is_global
    except ValueError:
        pass
    return "." in host and host != "localhost" and not host.endswith(LOCAL_NAME_SUFFIXES)


def _check_url(ctx: Ctx, url: str) -> None:
    if not url.startswith(("http://", "https://")):
        raise invalid_request(
            f"Invalid URL: {url}. URLs must begin with http or https.",
            code="url_invalid",
            param="url",
        )
    if not ctx.sandbox.config.allow_private_webhook_urls and not publicly_reachable(url):
        raise invalid_request(
            "Invalid URL: URL must be publicly accessible. Consider using a tool like the "
            "Stripe CLI to test webhooks locally: https://github.com/stripe/stripe-cli",
            code="url_invalid",
            param="url",
        )


def _check_room(ctx: Ctx) -> None:
    if len(ctx.store.select(ctx.account_id, "webhook_endpoint")) >= MAX_ENDPOINTS:
        raise invalid_request(
            f"You have reached the maximum of {MAX_ENDPOINTS} webhook endpoints on this "
            "account. Delete an endpoint you no longer use before adding another.",
            param="url",
        )


def _check_api_version(version: str | None) -> None:
    if version is not None and not is_known(version):
        raise invalid_request(
            f"Invalid API version: {version}", code="parameter_invalid", param="api_version"
        )


@endpoint("POST", "/v1/webhook_endpoints", {**ENDPOINT_PARAMS, "api_version": STR, "connect": BOOL})
def create_webhook_endpoint(ctx: Ctx) -> dict[str, Any]:
    params = ctx.params
    if not params.get("url"):
        raise parameter_missing("url")
    if not params.get("enabled_events"):
        raise parameter_missing("enabled_events")
    _check_url(ctx, params["url"])
    _check_api_version(params.get("api_version"))
    _check_room(ctx)
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
        _check_url(ctx, params["url"])
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
    ctx.store.remove(ctx.account_id, record)
    return {"id": record["id"], "object": "webhook_endpoint", "deleted": True}


@endpoint("GET", "/v1/webhook_endpoints", paginated=True)
def list_webhook_endpoints(ctx: Ctx) -> dict[str, Any]:
    found = ctx.store.select(ctx.account_id, "webhook_endpoint")
    page = ctx.list_response(found, "/v1/webhook_endpoints")
    page["data"] = [_without_secret(item) for item in page["data"]]
    return page
