"""The Stripe.js v3 stand-in: what a merchant page loads from ``<sandbox>/js/v3/``.

A Flask blueprint serving ``/js/v3/`` (the script that defines ``window.Stripe``) and the
pages Stripe.js puts in iframes: the Payment Element (``elements-inner-payment``), the
hidden controller, the bank-account linking dialog (``linked-accounts-inner``) and the
3-D Secure challenge wrapper (``three-ds-2-challenge``). Everything is plain files under
``stripe_sandbox/js/``; the script finds the sandbox's base URL from its own ``src``, so the
blueprint works under any URL prefix.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, render_template, request, send_from_directory

from .locales import available_locales, locale_strings, resolve_locale

blueprint = Blueprint(
    "stripe_js",
    __name__,
    static_folder="static",
    static_url_path="/js/v3/assets",
    template_folder="templates",
)

FRAME_PAGES = {
    "elements-inner-payment": "stripe_js/elements-inner-payment.html",
    "linked-accounts-inner": "stripe_js/linked-accounts-inner.html",
    "three-ds-2-challenge": "stripe_js/three-ds-2-challenge.html",
    "controller": "stripe_js/controller.html",
}

# The iframe pages load only their own files. The 3-D Secure wrapper frames the challenge page
# the API names: the sandbox itself, possibly under another host name (``public_url``).
FRAME_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self' http: https:; base-uri 'none'; form-action 'none'"
)


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/js/v3")
@blueprint.get("/js/v3/")
def stripe_js() -> Response:
    """The script a merchant page includes: defines ``window.Stripe``."""
    response = send_from_directory(
        blueprint.static_folder or "static", "stripe-v3.js", mimetype="text/javascript"
    )
    response.headers["Access-Control-Allow-Origin"] = "*"
    return _no_store(response)


@blueprint.get("/js/v3/<page>.html")
def frame_page(page: str) -> Response:
    """One of the pages that Stripe.js loads into an iframe."""
    template = FRAME_PAGES.get(page)
    if template is None:
        abort(404)
    locale = _requested_locale()
    html = render_template(
        template,
        locale=locale,
        strings=locale_strings(locale),
        asset_base=_asset_base(),
    )
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = FRAME_CONTENT_SECURITY_POLICY
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return _no_store(response)


@blueprint.get("/js/v3/locales/<requested>.json")
def locale_data(requested: str) -> Response:
    """Strings for a locale (with fallback), for frames whose locale changes after loading."""
    locale = resolve_locale(requested, list(request.accept_languages.values()))
    response = Response(
        _json({"locale": locale, "strings": locale_strings(locale)}), mimetype="application/json"
    )
    return _no_store(response)


@blueprint.get("/js/v3/locales.json")
def locale_list() -> Response:
    """The locale codes the stand-in ships."""
    return _no_store(Response(_json({"locales": available_locales()}), mimetype="application/json"))


def _requested_locale() -> str:
    return resolve_locale(request.args.get("locale"), list(request.accept_languages.values()))


def _asset_base() -> str:
    """URL path of the static files, honouring any prefix the sandbox is mounted under."""
    return f"{request.script_root}/js/v3/assets"


def _json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False)
