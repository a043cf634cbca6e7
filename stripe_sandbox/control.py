"""Control endpoints (``/_sandbox/...``, not Stripe's) and the sandbox's own pages: the 3-D
Secure challenge, the micro-deposit verification page and receipts."""

from __future__ import annotations

import dataclasses
import json
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, Response, current_app, jsonify, redirect, request
from werkzeug.wrappers import Response as BaseResponse

from .api import Ctx
from .errors import StripeError
from .params import parse_pairs
from .resources.billing import seed
from .resources.disputes import close_dispute
from .resources.intents import (
    awaits_microdeposit_verification,
    microdeposit_type,
    verify_microdeposits,
)
from .resources.payment_intents import finish_authentication, start_debit
from .resources.refunds import fail_refund
from .resources.setup_intents import finish_setup_authentication, succeed_setup
from .rules import default_capabilities
from .sandbox import DEFAULT_FAULTS, Sandbox
from .state import new_id, public_view, random_token
from .testdata import DECLINE, MICRODEPOSIT_TYPES, SUCCEED, Outcome

control_blueprint = Blueprint("sandbox_control", __name__)


def _sandbox() -> Sandbox:
    return current_app.extensions["stripe_sandbox"]


def _payload() -> dict[str, Any]:
    """A control request's body: JSON, or a form (with Stripe-style brackets)."""
    if request.is_json:
        return request.get_json(silent=True) or {}
    return parse_pairs(list(request.form.items(multi=True)))


def _truthy(value: Any) -> Any:
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "yes", "on"):
            return True
        if lowered in ("false", "no", "off", ""):
            return False
        return float(lowered)
    return value


def _capabilities(given: Any, country: str) -> dict[str, str] | None:
    if not given:
        return None
    if isinstance(given, dict):
        return {
            **default_capabilities(country),
            **{
                key: value
                if value in ("active", "inactive", "pending")
                else ("active" if _truthy(value) else "inactive")
                for key, value in given.items()
            },
        }
    names = [given] if isinstance(given, str) else list(given)
    capabilities = dict.fromkeys(default_capabilities(country), "inactive")
    capabilities.update(dict.fromkeys([*names, "transfers"], "active"))
    return capabilities


def _control_error(message: str, status: int = 400) -> tuple[Response, int]:
    return jsonify({"error": {"type": "invalid_request_error", "message": message}}), status


def _create_account_from(
    sandbox: Sandbox, details: dict[str, Any], account_id: str | None = None
) -> dict[str, str]:
    """An account made from the ``/_sandbox/accounts`` fields; its id and keys."""
    country = str(details.get("country") or "US").upper()
    return sandbox.create_account(
        country=country,
        default_currency=details.get("default_currency"),
        business_name=details.get("business_name"),
        email=details.get("email"),
        capabilities=_capabilities(details.get("capabilities"), country),
        secret_key=details.get("secret_key"),
        publishable_key=details.get("publishable_key"),
        account_id=account_id,
        microdeposit_type=str(details.get("microdeposit_type") or MICRODEPOSIT_TYPES[0]),
    )


@control_blueprint.post("/_sandbox/accounts")
def create_account() -> Any:
    sandbox = _sandbox()
    details = _payload()
    account_id = details.get("account")
    if account_id and account_id in sandbox.store.accounts:
        return _control_error(f"The account {account_id} exists already.")
    try:
        return jsonify(_create_account_from(sandbox, details, account_id=account_id))
    except ValueError as error:
        return _control_error(str(error))


@control_blueprint.post("/_sandbox/advance")
def advance() -> Any:
    return jsonify({"settled": _sandbox().run_due_jobs(everything=True)})


@control_blueprint.post("/_sandbox/refunds/<refund_id>/fail")
def fail_refund_later(refund_id: str) -> Any:
    """A refund fails after the fact, as a bank's refund can days later: ``failure_reason``
    (default ``declined``). Returns the refund."""
    sandbox = _sandbox()
    found = _find(sandbox, refund_id)
    if found is None or found[1].get("object") != "refund":
        return _control_error(f"No such refund: '{refund_id}'", 404)
    account_id, refund = found
    reason = str(_payload().get("failure_reason") or "declined")
    with sandbox.store.lock:
        ctx = _page_ctx(sandbox, account_id, {})
        try:
            fail_refund(ctx, refund, reason)
        except StripeError as error:
            return jsonify(error.body()), error.status
        sandbox.store.save()
        return jsonify(ctx.render(refund))


@control_blueprint.post("/_sandbox/disputes/<dispute_id>/<outcome>")
def decide_dispute(dispute_id: str, outcome: str) -> Any:
    """The card network or bank decides a dispute: ``win`` or ``lose``. Returns the dispute."""
    if outcome not in ("win", "lose"):
        return _control_error("Decide a dispute with /win or /lose", 404)
    sandbox = _sandbox()
    found = _find(sandbox, dispute_id)
    if found is None or found[1].get("object") != "dispute":
        return _control_error(f"No such dispute: '{dispute_id}'", 404)
    account_id, dispute = found
    with sandbox.store.lock:
        ctx = _page_ctx(sandbox, account_id, {})
        try:
            close_dispute(ctx, dispute, "won" if outcome == "win" else "lost")
        except StripeError as error:
            return jsonify(error.body()), error.status
        sandbox.store.save()
        return jsonify(ctx.render(dispute))


@control_blueprint.post("/_sandbox/payment_methods/<method_id>/outcome")
def set_payment_method_outcome(method_id: str) -> Any:
    """What a saved method does when charged from now on, as a card whose holder's bank
    starts (or stops) declining: ``outcome`` ``decline`` with ``code`` (default
    ``card_declined`` for cards, ``insufficient_funds`` for bank debits), ``decline_code`` and
    ``message``; or ``succeed``. Cards decline at confirm, bank debits fail when they settle.
    Returns the payment method."""
    sandbox = _sandbox()
    found = _find(sandbox, method_id)
    if found is None or found[1].get("object") != "payment_method":
        return _control_error(f"No such PaymentMethod: '{method_id}'", 404)
    account_id, method = found
    details = _payload()
    kind = str(details.get("outcome") or "decline")
    if kind not in (SUCCEED, DECLINE):
        return _control_error("outcome must be succeed or decline")
    card = method.get("type") == "card"
    outcome = Outcome(SUCCEED)
    if kind == DECLINE:
        outcome = Outcome(
            DECLINE,
            code=str(details.get("code") or ("card_declined" if card else "insufficient_funds")),
            decline_code=details.get("decline_code") or None,
            message=details.get("message") or None,
        )
    with sandbox.store.lock:
        method["_outcome"] = dataclasses.asdict(outcome)
        sandbox.store.save()
        return jsonify(_page_ctx(sandbox, account_id, {}).render(method))


@control_blueprint.route("/_sandbox/faults", methods=["GET", "POST"])
def faults() -> Any:
    sandbox = _sandbox()
    if request.method == "POST":
        data = _payload()
        unknown = set(data) - set(DEFAULT_FAULTS)
        if unknown:
            return _control_error(f"Unknown fault settings: {', '.join(sorted(unknown))}")
        for key, value in data.items():
            sandbox.faults[key] = _truthy(value)
    return jsonify(sandbox.faults)


@control_blueprint.get("/_sandbox/webhook_deliveries")
def webhook_deliveries() -> Any:
    sandbox = _sandbox()
    filters = {
        key: request.args[key]
        for key in ("account", "event", "endpoint", "type")
        if key in request.args
    }
    with sandbox.store.lock:
        found = [
            record
            for record in sandbox.store.deliveries
            if all(record.get(key) == value for key, value in filters.items())
        ]
    return jsonify({"object": "list", "data": found, "pending": sandbox.webhooks.pending()})


@control_blueprint.get("/_sandbox/requests")
def api_requests() -> Any:
    """The latest API requests, oldest first: what each sent (``Stripe-Version``,
    ``Idempotency-Key``) and how it was answered. Filters: ``?account=``, ``?path=``."""
    sandbox = _sandbox()
    filters = {key: request.args[key] for key in ("account", "path") if key in request.args}
    with sandbox.store.lock:
        found = [
            record
            for record in sandbox.store.requests
            if all(record.get(key) == value for key, value in filters.items())
        ]
    return jsonify({"object": "list", "data": found})


@control_blueprint.post("/_sandbox/listen")
def listen() -> Any:
    """What ``stripe listen --forward-to URL`` does: the account's events (``events``, default
    all) are POSTed to ``forward_to``, signed with the listener's own secret, which is
    returned (as ``--print-secret`` prints it). Not a webhook endpoint: any URL is allowed
    (the CLI forwards on the machine it runs on) and it is not listed by the API."""
    sandbox = _sandbox()
    data = _payload()
    account_id = _account_for_seed(sandbox, data)
    if account_id is None:
        return _no_account_named()
    forward_to = str(data.get("forward_to") or "")
    if not forward_to.startswith(("http://", "https://")):
        return _control_error("forward_to must be an http or https URL.")
    events = data.get("events") or ["*"]
    listener: dict[str, Any] = {
        "id": new_id("cli"),
        "url": forward_to,
        "secret": f"whsec_{random_token(40)}",
        "enabled_events": [events] if isinstance(events, str) else list(events),
        "status": "enabled",
        "api_version": None,
        "_account": account_id,
    }
    with sandbox.store.lock:
        sandbox.store.listeners[listener["id"]] = listener
        sandbox.store.save()
    return jsonify({**public_view(listener), "account": account_id})


@control_blueprint.delete("/_sandbox/listen/<listener_id>")
def stop_listening(listener_id: str) -> Any:
    sandbox = _sandbox()
    with sandbox.store.lock:
        removed = sandbox.store.listeners.pop(listener_id, None)
        sandbox.store.save()
    if removed is None:
        return _control_error(f"No such listener: '{listener_id}'", 404)
    return jsonify({"id": listener_id, "deleted": True})


@control_blueprint.post("/_sandbox/reset")
def reset() -> Any:
    _sandbox().reset()
    return jsonify({"reset": True})


def _no_account_named() -> Any:
    return _control_error(
        'Name the account: "account" in the body or Authorization: Bearer <its secret key>.', 404
    )


def _account_for_seed(sandbox: Sandbox, data: dict[str, Any]) -> str | None:
    if data.get("account"):
        return data["account"] if data["account"] in sandbox.store.accounts else None
    header = request.headers.get("Authorization", "")
    key = header.partition(" ")[2].strip()
    owner = sandbox.store.key_owner(key) if key else None
    return owner[0]["id"] if owner and owner[1] == "secret" else None


def seed_into(sandbox: Sandbox, account_id: str, data: dict[str, Any]) -> dict[str, int]:
    with sandbox.store.lock:
        ctx = Ctx(sandbox, sandbox.store.accounts[account_id], "secret", {}, "")
        counts = seed(ctx, data)
        sandbox.store.save()
    return counts


@control_blueprint.post("/_sandbox/seed")
def seed_account() -> Any:
    sandbox = _sandbox()
    data = _payload()
    account_id = _account_for_seed(sandbox, data)
    if account_id is None:
        return _no_account_named()
    try:
        counts = seed_into(sandbox, account_id, data)
    except StripeError as error:
        return jsonify(error.body()), error.status
    except (KeyError, TypeError, ValueError) as error:
        return _control_error(f"Invalid seed data: {error!r}")
    return jsonify({"account": account_id, **counts})


def load_seed_file(sandbox: Sandbox, path: Path) -> None:
    """``--seed FILE``: ``{"accounts": [{country, business_name, secret_key?, ...,
    customers, products, prices, subscriptions}]}`` (or one such account object)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    for given in data.get("accounts", [data]):
        with sandbox.store.lock:
            known = (
                sandbox.store.key_owner(given["secret_key"]) if given.get("secret_key") else None
            )
        if known is not None:
            continue  # already there (a state file kept it)
        keys = _create_account_from(sandbox, given, account_id=given.get("account"))
        seed_into(sandbox, keys["account"], given)


# -- pages ---------------------------------------------------------------------------------
def _find(sandbox: Sandbox, object_id: str) -> tuple[str, dict[str, Any]] | None:
    with sandbox.store.lock:
        for account_id in sandbox.store.all_accounts():
            found = sandbox.store.get(account_id, object_id)
            if found is not None:
                return account_id, found
    return None


def _find_intent(sandbox: Sandbox, intent_id: str) -> tuple[str, dict[str, Any]] | None:
    """The PaymentIntent or SetupIntent with this id, in whichever account holds it."""
    found = _find(sandbox, intent_id)
    if found is None or found[1].get("object") not in ("payment_intent", "setup_intent"):
        return None
    return found


def _page_ctx(sandbox: Sandbox, account_id: str, params: dict[str, Any]) -> Ctx:
    """A context for acting on an account from one of the sandbox's pages."""
    return Ctx(
        sandbox,
        sandbox.store.accounts[account_id],
        "secret",
        params,
        (sandbox.config.public_url or request.url_root).rstrip("/"),
    )


def _page(title: str, body: str, status: int = 200) -> Response:
    html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 32rem; margin: 2rem auto;
       padding: 0 1rem; color: #1a1f36; }}
button {{ font-size: 1rem; padding: .6rem 1.2rem; margin: .3rem .5rem .3rem 0;
          border-radius: 6px; border: 1px solid #8792a2; cursor: pointer; }}
#test-source-authorize-3ds {{ background: #635bff; color: #fff; border-color: #635bff; }}
.note {{ color: #4f566b; font-size: .9rem; }}
</style></head><body>{body}</body></html>"""
    return Response(html, status=status, mimetype="text/html")


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def _redirect_back(intent: dict[str, Any], redirect_status: str) -> BaseResponse:
    kind = intent["object"]
    return_url = intent.get("_return_url")
    if not return_url:
        return _page(
            "Authentication finished",
            f"<h1>Authentication {escape(redirect_status)}</h1>"
            f"<p>{escape(kind)} {escape(intent['id'])} is now "
            f"<strong>{escape(intent['status'])}</strong>. You can close this page.</p>",
        )
    target = _with_query(
        return_url,
        {
            kind: intent["id"],
            f"{kind}_client_secret": intent["client_secret"],
            "redirect_status": redirect_status,
        },
    )
    return redirect(target, code=302)


def _nothing_to_authenticate(intent: dict[str, Any], status: int = 200) -> Response:
    return _page(
        "Nothing to authenticate",
        f"<h1>Nothing to authenticate</h1><p>Status: {escape(intent['status'])}</p>",
        status,
    )


def _answered_in_dialog(result: str) -> Response:
    """Where a challenge shown in Stripe.js's dialog ends: on the sandbox's own page, as Stripe's
    ends on its hooks page, never on the merchant's return page, which refuses to be framed.
    The dialog sees the intent answered and closes."""
    return _page("Authentication finished", f"<h1>Authentication {escape(result)}</h1>")


@control_blueprint.route("/_sandbox/3ds/<intent_id>", methods=["GET", "POST"])
def three_d_secure(intent_id: str) -> BaseResponse:
    sandbox = _sandbox()
    found = _find_intent(sandbox, intent_id)
    if found is None:
        return _page("Not found", "<h1>No such payment</h1>", 404)
    account_id, intent = found
    awaiting = (
        intent["status"] == "requires_action"
        and (intent.get("next_action") or {}).get("type") == "redirect_to_url"
    )
    if request.method == "POST":
        if not awaiting:
            return _nothing_to_authenticate(intent, 409)
        success = request.form.get("action") == "complete"
        with sandbox.store.lock:
            ctx = _page_ctx(sandbox, account_id, {})
            if intent["object"] == "payment_intent":
                finish_authentication(ctx, intent, success)
            else:
                finish_setup_authentication(ctx, intent, success)
            sandbox.store.save()
        result = "succeeded" if success else "failed"
        if request.args.get("dialog"):
            return _answered_in_dialog(result)
        return _redirect_back(intent, result)
    if not awaiting:
        return _nothing_to_authenticate(intent)
    what = ""
    if intent["object"] == "payment_intent":
        what = (
            f"<p>Payment of {intent['amount']} {escape(intent['currency'].upper())} "
            f"(minor units).</p>"
        )
    body = f"""<main>
<h1>3D Secure 2 Test Page</h1>
<p class="note">Stripe sandbox: this stands in for the card issuer's authentication page.</p>
{what}
<form method="post">
<button type="submit" name="action" value="complete"
 id="test-source-authorize-3ds">Complete</button>
<button type="submit" name="action" value="fail" id="test-source-fail-3ds">Fail</button>
</form></main>"""
    return _page("3D Secure 2 Test Page", body)


@control_blueprint.route("/_sandbox/microdeposits/<intent_id>", methods=["GET", "POST"])
def microdeposits(intent_id: str) -> Response:
    """Stripe's hosted verification page, simplified: enter the amounts or the code."""
    sandbox = _sandbox()
    found = _find_intent(sandbox, intent_id)
    if found is None:
        return _page("Not found", "<h1>No such payment</h1>", 404)
    account_id, intent = found
    message = ""
    if request.method == "POST":
        amounts = [request.form.get("amount1", ""), request.form.get("amount2", "")]
        code = request.form.get("descriptor_code", "").strip()
        params: dict[str, Any] = (
            {"descriptor_code": code}
            if code
            else {"amounts": [int(value) for value in amounts if value.strip().isdigit()]}
        )
        with sandbox.store.lock:
            ctx = _page_ctx(sandbox, account_id, params)
            message = _verify_on_page(ctx, intent)
            sandbox.store.save()
    if microdeposit_type(intent) == "amounts":
        what = "Enter the amounts of the two micro-deposits sent to your account, in cents."
        fields = """<label>Amount 1 <input name="amount1" inputmode="numeric"></label>
<label>Amount 2 <input name="amount2" inputmode="numeric"></label>"""
    else:
        what = (
            "Enter the 6-character code, starting with SM, from the description of the "
            "0.01 USD deposit sent to your account."
        )
        fields = """<label>Descriptor code <input name="descriptor_code"></label>"""
    body = f"""<main><h1>Verify your bank account</h1>
<p>{what}</p>
<p role="status">{escape(message)}</p>
<p>Status: <strong>{escape(intent["status"])}</strong></p>
<form method="post">
{fields}
<button type="submit">Verify</button></form></main>"""
    return _page("Verify your bank account", body)


def _verify_on_page(ctx: Ctx, intent: dict[str, Any]) -> str:
    """The API's verification (attempt limit included), answered as a message on the page."""
    if not awaits_microdeposit_verification(intent):
        return "Nothing to verify."
    try:
        method = verify_microdeposits(ctx, intent)
    except StripeError as error:
        return error.message
    if intent["object"] == "payment_intent":
        start_debit(ctx, intent, method)
    else:
        succeed_setup(ctx, intent, method)
    return "Verified."


@control_blueprint.get("/_sandbox/receipts/<charge_id>")
def receipt(charge_id: str) -> Response:
    found = _find(_sandbox(), charge_id)
    if found is None or found[1].get("object") != "charge":
        return _page("Not found", "<h1>No such receipt</h1>", 404)
    charge = public_view(found[1])
    return _page(
        "Receipt",
        f"<h1>Receipt</h1><p>{charge['amount']} "
        f"{escape(charge['currency'].upper())} (minor units), "
        f"status {escape(charge['status'])}.</p>",
    )


@control_blueprint.get("/_sandbox/mandates/<reference>")
def mandate_page(reference: str) -> Response:
    return _page(
        "Mandate", f"<h1>Direct Debit mandate</h1><p>Reference {escape(reference)} (sandbox).</p>"
    )


@control_blueprint.get("/_sandbox/health")
def health() -> Any:
    return jsonify({"ok": True})
