"""Security headers: a nonce-based Content Security Policy and the usual hardening headers."""

from __future__ import annotations

import secrets

from flask import Flask, Response, current_app, g, request


def csp_nonce() -> str:
    """The nonce of this request, made on first use; templates put it on their script tags."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return str(g.csp_nonce)


def content_security_policy(nonce: str, stripe_origins: tuple[str, ...]) -> str:
    """The policy for every page: self, this request's nonce, and the Stripe origins configured."""
    stripe = " ".join(stripe_origins)
    directives = {
        "default-src": "'self'",
        "script-src": f"'self' 'nonce-{nonce}' {stripe}",
        "style-src": f"'self' 'nonce-{nonce}'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": f"'self' {stripe}",
        "frame-src": f"'self' {stripe}",
        "form-action": "'self'",
        "base-uri": "'self'",
        "object-src": "'none'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value.strip()}" for name, value in directives.items())


def _set_security_headers(response: Response) -> Response:
    settings = current_app.extensions["kassa_settings"]
    response.headers.setdefault(
        "Content-Security-Policy", content_security_policy(csp_nonce(), settings.stripe_origins)
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
