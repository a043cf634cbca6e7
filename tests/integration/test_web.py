"""Security headers, the partial-or-page decision, error pages, health and CSRF."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from tests.integration.test_invitations import invite_and_join
from tests.support.accounts import post_form, sign_up
from tests.support.mailbox import Mailbox

NONCE = re.compile(r"'nonce-([A-Za-z0-9_-]+)'")


def test_every_page_gets_a_fresh_nonce_and_no_unsafe_inline(client: FlaskClient) -> None:
    first, second = client.get("/login"), client.get("/login")
    policies = [r.headers["Content-Security-Policy"] for r in (first, second)]
    nonces = [NONCE.search(p).group(1) for p in policies]  # type: ignore[union-attr]
    assert nonces[0] != nonces[1]
    for policy, nonce, response in zip(policies, nonces, (first, second), strict=True):
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert "unsafe-eval" not in policy
        assert "unsafe-inline" not in directives["script-src"] + directives["style-src"]
        assert directives["style-src-attr"] == "'unsafe-inline'"  # Stripe.js's frames
        assert "frame-ancestors 'none'" in policy
        assert "object-src 'none'" in policy
        assert f'nonce="{nonce}"' in response.get_data(as_text=True)


def test_hardening_headers(client: FlaskClient) -> None:
    response = client.get("/login")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers
    secure = client.get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_the_policy_allows_the_stripe_origins_that_settings_name(
    app_settings: dict[str, str],
) -> None:
    configured = create_app(
        {
            **app_settings,
            "KASSA_STRIPE_JS_URL": "http://127.0.0.1:12111/js/v3/",
            "KASSA_STRIPE_API_BASE": "http://127.0.0.1:12111",
        }
    )
    policy = configured.test_client().get("/login").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    for name in ("script-src", "frame-src", "connect-src"):
        assert "http://127.0.0.1:12111" in directives[name]
    assert "stripe.com" not in policy
    real_stripe = {
        **app_settings,
        "KASSA_STRIPE_JS_URL": "https://js.stripe.com/v3/",
        "KASSA_STRIPE_API_BASE": "https://api.stripe.com",
    }
    default = create_app(real_stripe).test_client().get("/login").headers["Content-Security-Policy"]
    assert "script-src 'self' https://js.stripe.com https://*.js.stripe.com" in default


def test_htmx_requests_get_the_partial_and_others_the_page(client: FlaskClient) -> None:
    sign_up(client)
    page = client.get("/panel/team")
    partial = client.get("/panel/team", headers={"HX-Request": "true"})
    boosted = client.get("/panel/team", headers={"HX-Request": "true", "HX-Boosted": "true"})
    restore = client.get(
        "/panel/team", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    for full in (page, boosted, restore):
        assert full.get_data(as_text=True).startswith("<!doctype html>")
    assert not partial.get_data(as_text=True).lstrip().startswith("<!doctype")
    assert 'id="team"' in partial.get_data(as_text=True)
    assert "HX-Request" in page.headers["Vary"]
    assert "HX-Request" in partial.headers["Vary"]


def test_not_found_page_speaks_the_visitors_language(client: FlaskClient) -> None:
    english = client.get("/no-such-page")
    swedish = client.get("/no-such-page", headers={"Accept-Language": "sv-SE,sv;q=0.9"})
    assert english.status_code == swedish.status_code == 404
    assert "Page not found" in english.get_data(as_text=True)
    assert "Sidan hittades inte" in swedish.get_data(as_text=True)
    assert '<html lang="sv">' in swedish.get_data(as_text=True)


def test_clients_that_ask_for_json_get_json_errors(client: FlaskClient) -> None:
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json == {
        "error": {
            "status": 404,
            "title": "Page not found",
            "message": "The page you asked for does not exist or has moved.",
        }
    }
    wrong_method = client.delete("/login", headers={"Accept": "application/json"})
    assert wrong_method.status_code == 405
    assert wrong_method.json["error"]["status"] == 405  # type: ignore[index]


def test_staff_get_403_on_owner_only_actions(
    client: FlaskClient, app: Flask, mailbox: Mailbox
) -> None:
    sign_up(client)
    staff = invite_and_join(client, app, mailbox, "staff@example.com")
    response = post_form(
        staff, "/panel/team", "/panel/team/invitations", {"email": "x@example.com", "locale": "en"}
    )
    assert response.status_code == 403
    assert "You do not have permission to open this page." in response.get_data(as_text=True)


def test_an_unexpected_error_gives_a_localized_500_without_details(
    app_settings: dict[str, str],
) -> None:
    broken = create_app(app_settings)

    @broken.get("/explode")
    def explode() -> str:
        raise RuntimeError("secret internal detail")

    client = broken.test_client()
    response = client.get("/explode", headers={"Accept-Language": "sv"})
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Något gick fel" in body
    assert "secret internal detail" not in body
    assert (
        client.get("/explode", headers={"Accept": "application/json"}).json["error"]["status"]
        == 500
    )  # type: ignore[index]


def test_liveness_needs_nothing_but_the_process(app_settings: dict[str, str], tmp_path) -> None:  # type: ignore[no-untyped-def]
    unreachable = create_app(
        {**app_settings, "KASSA_DATABASE_URL": f"sqlite:///{tmp_path}/missing-dir/nothing.db"}
    )
    response = unreachable.test_client().get("/livez")
    assert (response.status_code, response.get_data(as_text=True)) == (200, "ok\n")


def test_health_reports_the_database(
    client: FlaskClient, app_settings: dict[str, str], tmp_path
) -> None:  # type: ignore[no-untyped-def]
    ok = client.get("/healthz")
    assert (ok.status_code, ok.json) == (200, {"status": "ok", "database": "ok"})

    unreachable = create_app(
        {**app_settings, "KASSA_DATABASE_URL": f"sqlite:///{tmp_path}/missing-dir/nothing.db"}
    )
    down = unreachable.test_client().get("/healthz")
    assert down.status_code == 503
    assert down.json == {"status": "degraded", "database": "unreachable"}


@pytest.mark.parametrize("path", ["/login", "/signup", "/logout", "/locale"])
def test_a_post_without_csrf_token_is_refused(client: FlaskClient, path: str) -> None:
    response = client.post(path, data={"email": "a@example.com", "password": "whatever-long"})
    assert response.status_code == 400
    assert "Your form expired or was sent from another page." in response.get_data(as_text=True)


def test_htmx_posts_send_the_csrf_token_in_a_header(client: FlaskClient) -> None:
    sign_up(client)
    page = client.get("/panel/team").get_data(as_text=True)
    token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', page).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/panel/team/invitations",
        data={"email": "new@example.com", "locale": "en"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 200
    assert "Invitation sent to new@example.com." in response.get_data(as_text=True)
    assert 'hx-swap-oob="true"' in response.get_data(as_text=True)


def test_request_ids_are_echoed_or_made(client: FlaskClient) -> None:
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"]
        == "abc-123"
    )
    assert len(client.get("/healthz").headers["X-Request-ID"]) == 32
