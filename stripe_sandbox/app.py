"""The WSGI app: Stripe's REST API under ``/v1``, control endpoints under ``/_sandbox``, the
3-D Secure and micro-deposit pages, and the Stripe.js stand-in under ``/js/v3/``.

Works mounted under a path prefix (``SCRIPT_NAME``, e.g. through DispatcherMiddleware):
every URL the sandbox hands out is built from the request's own root, or from
``public_url`` when given.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flask import Flask, Response, request

from . import resources  # noqa: F401 - registers the API endpoints
from .api import ENDPOINTS, Ctx, Endpoint
from .control import control_blueprint, load_seed_file
from .errors import (
    StripeError,
    api_error,
    authentication_error,
    idempotency_in_use,
    idempotency_mismatch,
    invalid_request,
    publishable_key_forbidden,
    rate_limited,
)
from .js import blueprint as js_blueprint
from .params import parse_pairs, validate
from .sandbox import Sandbox, SandboxConfig, current_request
from .state import random_token
from .versions import API_VERSION, is_known

# Parameters Stripe.js adds to its requests besides the API's own; accepted (and ignored)
# with a publishable key only.
STRIPE_JS_TRANSPORT_PARAMS = (
    "key",
    "payment_user_agent",
    "time_on_page",
    "guid",
    "muid",
    "sid",
    "referrer",
    "pasted_fields",
    "_stripe_version",
    "_stripe_account",
    "use_stripe_sdk",
    "expected_payment_method_type",
)
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, Stripe-Version, "
    "Idempotency-Key, Stripe-Account",
    "Access-Control-Max-Age": "300",
}
_VERSION_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$")


def create_app(
    *,
    debit_settle_seconds: float = 10.0,
    state_file: str | Path | None = None,
    seed_file: str | Path | None = None,
    public_url: str | None = None,
    webhook_retry_delays: Sequence[float] = (1.0, 2.0, 4.0, 8.0, 16.0),
    webhook_timeout: float = 5.0,
    allow_private_webhook_urls: bool = False,
) -> Flask:
    """Build the sandbox as a Flask (WSGI) app.

    Its engine (a :class:`Sandbox`) is ``app.extensions["stripe_sandbox"]``. Like Stripe, it
    refuses webhook endpoints on loopback and private addresses unless
    ``allow_private_webhook_urls`` (for a Kassa on this machine: the demo, the tests).
    """
    config = SandboxConfig(
        debit_settle_seconds=debit_settle_seconds,
        public_url=public_url,
        webhook_retry_delays=tuple(webhook_retry_delays),
        webhook_timeout=webhook_timeout,
        allow_private_webhook_urls=allow_private_webhook_urls,
    )
    sandbox = Sandbox(config, str(state_file) if state_file else None)
    app = Flask("stripe_sandbox")
    app.extensions["stripe_sandbox"] = sandbox
    for endpoint in ENDPOINTS:
        app.add_url_rule(
            endpoint.rule,
            endpoint=f"api {endpoint.name}",
            view_func=_api_view(sandbox, endpoint),
            methods=[endpoint.method],
        )
    app.add_url_rule(
        "/v1/<path:unknown>",
        endpoint="api unknown",
        view_func=_unknown_url,
        methods=["GET", "POST", "DELETE", "PUT", "PATCH"],
    )
    app.register_blueprint(control_blueprint)
    app.register_blueprint(js_blueprint)
    app.before_request(_preflight)
    app.after_request(_cors)
    if seed_file:
        load_seed_file(sandbox, Path(seed_file))
    return app


def sandbox_of(app: Flask) -> Sandbox:
    return app.extensions["stripe_sandbox"]


def base_url(sandbox: Sandbox) -> str:
    if sandbox.config.public_url:
        return sandbox.config.public_url.rstrip("/")
    return request.url_root.rstrip("/")


# -- CORS ----------------------------------------------------------------------------------
def _preflight() -> Response | None:
    if request.method == "OPTIONS" and request.path.startswith("/v1/"):
        return Response(status=200)
    return None


def _cors(response: Response) -> Response:
    if request.path.startswith("/v1/"):
        response.headers.update(CORS_HEADERS)
    return response


# -- the API request pipeline --------------------------------------------------------------
def _json_response(
    status: int, body: dict[str, Any], request_id: str, headers: dict[str, str] | None = None
) -> Response:
    response = Response(json.dumps(body, indent=2), status=status, mimetype="application/json")
    response.headers["Request-Id"] = request_id
    response.headers["Stripe-Version"] = request.headers.get("Stripe-Version", API_VERSION)
    response.headers["Cache-Control"] = "no-cache, no-store"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _unknown_url(unknown: str) -> Response:
    error = invalid_request(
        f"Unrecognized request URL ({request.method}: {request.path}). Please see "
        "https://stripe.com/docs or we can help at https://support.stripe.com/.",
        status=404,
    )
    return _json_response(404, error.body(), f"req_{random_token(14)}")


def _raw_params() -> list[tuple[str, str]]:
    pairs = list(request.args.items(multi=True))
    if request.method in ("POST", "PUT", "PATCH"):
        pairs += list(request.form.items(multi=True))
    return pairs


def _api_key(params: dict[str, Any]) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if scheme.lower() == "basic" and value:
        try:
            return base64.b64decode(value).decode().split(":", 1)[0]
        except (ValueError, UnicodeDecodeError):
            return None
    key = params.get("key")
    return key if isinstance(key, str) and key.startswith("pk_") else None


def _authenticate(sandbox: Sandbox, params: dict[str, Any]) -> tuple[dict[str, Any], str]:
    key = _api_key(params)
    if not key:
        raise authentication_error(
            "You did not provide an API key. You need to provide your API key in the "
            "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
            "YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or "
            "we can help at https://support.stripe.com/."
        )
    with sandbox.store.lock:
        owner = sandbox.store.key_owner(key)
    if owner is None:
        raise authentication_error(f"Invalid API Key provided: {key[:8]}{'*' * 12}{key[-4:]}")
    return owner


def _check_version() -> None:
    """A version the sandbox does not know is refused as Stripe refuses one that does not
    exist (``versions.py``: every known one gets the same shapes)."""
    version = request.headers.get("Stripe-Version")
    if version is not None and not (_VERSION_PATTERN.match(version) and is_known(version)):
        raise invalid_request(f"Invalid Stripe API version: {version}", param="Stripe-Version")


def _apply_faults(sandbox: Sandbox) -> None:
    latency = float(sandbox.faults.get("latency_ms") or 0)
    if latency > 0:
        time.sleep(latency / 1000)
    with sandbox.store.lock:
        limited = int(sandbox.faults.get("rate_limited_requests") or 0)
        if limited > 0:
            sandbox.faults["rate_limited_requests"] = limited - 1
    if limited > 0:
        raise rate_limited()
    if random.random() < float(sandbox.faults.get("error_rate") or 0):  # noqa: S311
        raise api_error()
    if request.method != "GET" and any(
        request.path.startswith(str(prefix))
        for prefix in sandbox.faults.get("failing_writes") or ()
    ):
        raise api_error()


def _object_written(endpoint: Endpoint, path_args: dict[str, str]) -> str | None:
    """The object a write request works on (its lock is held meanwhile), if it names one."""
    if endpoint.method == "GET" or not path_args:
        return None
    return next(iter(path_args.values()))


def _hold_for_confirm(sandbox: Sandbox, endpoint: Endpoint) -> None:
    held = float(sandbox.faults.get("confirm_hold_ms") or 0)
    if held > 0 and endpoint.rule.endswith("/confirm"):
        time.sleep(held / 1000)


def _fingerprint(pairs: list[tuple[str, str]]) -> str:
    text = json.dumps([request.method, request.path, sorted(pairs)])
    return hashlib.sha256(text.encode()).hexdigest()


def _api_view(sandbox: Sandbox, endpoint: Endpoint):
    def view(**path_args: str) -> Response:
        return _handle(sandbox, endpoint, path_args)

    view.__name__ = f"api_{endpoint.handler.__name__}"
    return view


def _handle(sandbox: Sandbox, endpoint: Endpoint, path_args: dict[str, str]) -> Response:
    request_id = f"req_{random_token(14)}"
    account: dict[str, Any] | None = None
    key_kind: str | None = None
    try:
        pairs = _raw_params()
        raw = parse_pairs(pairs)
        account, key_kind = _authenticate(sandbox, raw)
        _check_version()
        if key_kind == "publishable":
            if not endpoint.publishable:
                raise publishable_key_forbidden()
            _drop_transport_params(raw)
        params = validate(raw, endpoint.params)
        ctx = Ctx(sandbox, account, key_kind, params, base_url(sandbox))
        idempotency_key = (
            request.headers.get("Idempotency-Key") if request.method == "POST" else None
        )
        response = _execute(
            sandbox, endpoint, ctx, path_args, request_id, idempotency_key, _fingerprint(pairs)
        )
    except StripeError as error:
        response = _error_response(error, request_id)
    _log_request(sandbox, account, key_kind, request_id, response)
    return response


def _log_request(
    sandbox: Sandbox,
    account: dict[str, Any] | None,
    key_kind: str | None,
    request_id: str,
    response: Response,
) -> None:
    """What ``GET /_sandbox/requests`` lists: enough to check what a client sent."""
    error = (
        (response.get_json(silent=True) or {}).get("error") if response.status_code >= 400 else None
    )
    sandbox.store.record_request(
        {
            "id": request_id,
            "account": account["id"] if account else None,
            "key": key_kind,  # secret or publishable
            "method": request.method,
            "path": request.path,
            "stripe_version": request.headers.get("Stripe-Version"),
            "idempotency_key": request.headers.get("Idempotency-Key"),
            "status": response.status_code,
            "error_code": (error or {}).get("code"),
            "at": time.time(),
        }
    )


def _drop_transport_params(raw: dict[str, Any]) -> None:
    """Stripe.js's own bookkeeping, at the top level and inside ``payment_method_data``."""
    for holder in (raw, raw.get("payment_method_data")):
        if isinstance(holder, dict):
            for name in STRIPE_JS_TRANSPORT_PARAMS:
                holder.pop(name, None)


def _error_response(error: StripeError, request_id: str) -> Response:
    headers = {}
    if error.should_retry is not None:
        headers["Stripe-Should-Retry"] = "true" if error.should_retry else "false"
    return _json_response(error.status, error.body(), request_id, headers)


def _reserve(
    records: dict[str, Any], key: str, fingerprint: str, request_id: str
) -> dict[str, Any] | None:
    """Claim ``key`` for this request, or return the finished record to replay."""
    record = records.get(key)
    if record is None:
        records[key] = {"fingerprint": fingerprint, "in_flight": True, "request_id": request_id}
        return None
    if record["fingerprint"] != fingerprint:
        raise idempotency_mismatch(key)
    if record.get("in_flight"):
        raise idempotency_in_use(key)
    return record


def _execute(
    sandbox: Sandbox,
    endpoint: Endpoint,
    ctx: Ctx,
    path_args: dict[str, str],
    request_id: str,
    idempotency_key: str | None,
    fingerprint: str,
) -> Response:
    records = sandbox.store.idempotency.setdefault(ctx.account_id, {})
    if idempotency_key:
        with sandbox.store.lock:
            replay = _reserve(records, idempotency_key, fingerprint, request_id)
        if replay is not None:
            return _json_response(
                replay["status"],
                replay["body"],
                request_id,
                {"Idempotent-Replayed": "true", "Original-Request": replay["request_id"]},
            )
    token = current_request.set({"id": request_id, "idempotency_key": idempotency_key})
    written = _object_written(endpoint, path_args)
    held = False
    try:
        _apply_faults(sandbox)  # latency and injected errors, while the key is held
        if written:
            sandbox.hold(written)
            held = True
            _hold_for_confirm(sandbox, endpoint)
        with sandbox.store.lock:
            sequence_before = sandbox.store.sequence
            try:
                status, body = 200, endpoint.handler(ctx, **path_args)
            except StripeError as error:
                status, body = error.status, error.body()
            # Like Stripe, remember only requests that got to do something: a request refused
            # for its parameters (nothing created) may be corrected and resent with its key.
            refused = status >= 400 and status != 402 and sandbox.store.sequence == sequence_before
            if idempotency_key and not refused:
                records[idempotency_key] = {
                    "fingerprint": fingerprint,
                    "status": status,
                    "body": body,
                    "request_id": request_id,
                }
            elif idempotency_key:
                records.pop(idempotency_key, None)
            if request.method != "GET":
                sandbox.store.save()
        return _json_response(
            status,
            body,
            request_id,
            {"Idempotency-Key": idempotency_key} if idempotency_key else None,
        )
    except StripeError:
        if idempotency_key:  # refused before doing anything: the key may be used again
            with sandbox.store.lock:
                records.pop(idempotency_key, None)
        raise
    finally:
        if held and written:
            sandbox.release(written)
        current_request.reset(token)
