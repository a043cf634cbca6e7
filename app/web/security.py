"""Security headers: a nonce-based Content Security Policy and the usual hardening headers."""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from flask import Flask, Response, current_app, g, request


def csp_nonce() -> str:
    """The nonce of this request, made on first use; templates put it on their script tags."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return str(g.csp_nonce)


NONCED_DIRECTIVES = ("script-src", "style-src")


def content_security_policy(nonce: str, sources: Mapping[str, tuple[str, ...]]) -> str:
    """The policy of a response: the directives of ``Settings.content_sources``, with this
    request's nonce allowed for our own scripts and styles."""
    return "; ".join(
        " ".join((name, *values, *((f"'nonce-{nonce}'",) if name in NONCED_DIRECTIVES else ())))
        for name, values in sources.items()
    )


def _set_security_headers(response: Response) -> Response:
    settings = current_app.extensions["kassa_settings"]
    response.headers.setdefault(
        "Content-Security-Policy", content_security_policy(csp_nonce(), settings.content_sources)
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        response.headers.setdefault(
            "Strict-Transport-Security", "max-age=63072000; includeSubDomains"
        )
    response.vary.add("HX-Request")
    return response


def init_security(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(_set_security_headers)
