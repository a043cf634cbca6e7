"""Addresses in emails: absolute, on KASSA_PUBLIC_URL, whether or not a request is served."""

from __future__ import annotations

from typing import Any

from flask import Flask

from app import create_app
from app.mail import public_url_for


def test_an_emailed_address_is_on_the_public_url_outside_a_request(app: Flask) -> None:
    with app.app_context():
        assert public_url_for("checkout.pay", token="abc") == "http://localhost/c/abc/pay"


def test_an_emailed_address_keeps_the_public_urls_scheme_and_path(
    app_settings: dict[str, Any],
) -> None:
    behind_a_proxy = create_app({**app_settings, "KASSA_PUBLIC_URL": "https://pay.example/shop"})
    with behind_a_proxy.test_request_context("/", base_url="http://10.0.0.5:8000"):
        assert public_url_for("checkout.pay", token="abc") == "https://pay.example/shop/c/abc/pay"
