"""The Stripe.js stand-in's blueprint on its own: what it serves, under any prefix, and its
locale data (no browser needed)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client

from stripe_sandbox.js import blueprint
from stripe_sandbox.js.locales import LOCALES_DIR, available_locales, resolve_locale

FRAME_PAGES = ["elements-inner-payment", "linked-accounts-inner", "three-ds-2-challenge",
               "controller"]  # fmt: skip


@pytest.fixture
def js_app() -> Flask:
    application = Flask("stand_in")
    application.register_blueprint(blueprint)
    return application


def test_the_script_is_served_as_javascript_with_and_without_a_slash(js_app: Flask) -> None:
    client = js_app.test_client()
    for path in ("/js/v3/", "/js/v3"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.mimetype == "text/javascript"
        assert b"window.Stripe = Stripe" in response.data


@pytest.mark.parametrize("page", FRAME_PAGES)
def test_frame_pages_are_frameable_and_load_only_their_own_files(js_app: Flask, page: str) -> None:
    response = js_app.test_client().get(f"/js/v3/{page}.html?locale=en")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response.headers
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    html = response.get_data(as_text=True)
    assert '<script type="module" src="/js/v3/assets/' in html
    assert "<script>" not in html


def test_unknown_frame_page_is_not_found(js_app: Flask) -> None:
    assert js_app.test_client().get("/js/v3/elements-inner-card.html").status_code == 404


def test_static_files_are_served(js_app: Flask) -> None:
    client = js_app.test_client()
    for name in (
        "stripe-v3.js",
        "elements-inner-payment.js",
        "payment-fields.js",
        "payment-requests.js",
        "frame-common.js",
        "validators.js",
        "frames.css",
    ):
        assert client.get(f"/js/v3/assets/{name}").status_code == 200


def test_everything_works_under_a_url_prefix(js_app: Flask) -> None:
    host = Flask("host")
    client = Client(DispatcherMiddleware(host, {"/_sandbox/stripe": js_app}))
    html = client.get("/_sandbox/stripe/js/v3/elements-inner-payment.html").get_data(as_text=True)
    assert 'src="/_sandbox/stripe/js/v3/assets/elements-inner-payment.js"' in html
    assert client.get("/_sandbox/stripe/js/v3/").status_code == 200


def test_frame_page_locale_follows_the_option_then_the_browser(js_app: Flask) -> None:
    client = js_app.test_client()
    swedish = client.get("/js/v3/elements-inner-payment.html?locale=sv-SE")
    assert '<html lang="sv">' in swedish.get_data(as_text=True)
    automatic = client.get("/js/v3/elements-inner-payment.html?locale=auto",
                           headers={"Accept-Language": "sv-SE,sv;q=0.9,en;q=0.5"})  # fmt: skip
    assert '<html lang="sv">' in automatic.get_data(as_text=True)


def test_locale_data_endpoint_falls_back_to_english(js_app: Flask) -> None:
    data = js_app.test_client().get("/js/v3/locales/xx-YY.json").get_json()
    assert data["locale"] == "en"
    assert data["strings"]["field.card_number"] == "Card number"


@pytest.mark.parametrize(
    ("requested", "accepted", "expected"),
    [("sv", [], "sv"), ("sv-SE", [], "sv"), ("SV_se", [], "sv"), ("pt-BR", [], "en"),
     ("auto", ["de-CH", "sv"], "de"), (None, ["ja"], "en"), ("", [], "en")],
)  # fmt: skip
def test_resolve_locale(requested: str | None, accepted: list[str], expected: str) -> None:
    assert resolve_locale(requested, accepted) == expected


def test_every_locale_has_exactly_the_english_keys_and_placeholders() -> None:
    english = _strings(LOCALES_DIR / "en.json")
    assert {"en", "sv"} <= set(available_locales())
    for code in available_locales():
        strings = _strings(LOCALES_DIR / f"{code}.json")
        assert set(strings) == set(english), code
        for key, text in strings.items():
            assert _placeholders(text) == _placeholders(english[key]), (code, key)


def _strings(path: Path) -> dict[str, str]:
    return json.loads(path.read_text(encoding="utf-8"))


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))
