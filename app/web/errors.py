"""Error pages: localized HTML for people, JSON for clients that ask for it."""

from __future__ import annotations

import logging
import math
import time
from datetime import timedelta

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_babel import format_timedelta, gettext
from flask_babel import lazy_gettext as _l
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import limiter
from app.web.rendering import wants_partial

log = logging.getLogger("kassa.errors")

ERROR_TEXTS = {
    400: (
        _l("Bad request"),
        _l("The request could not be understood. Please go back and try again."),
    ),
    403: (_l("Not allowed"), _l("You do not have permission to open this page.")),
    404: (_l("Page not found"), _l("The page you asked for does not exist or has moved.")),
    405: (_l("Not allowed"), _l("This page cannot be used that way.")),
    413: (_l("Too large"), _l("What you sent is larger than we accept.")),
    429: (
        _l("Too many attempts"),
        _l("You have tried this too often. Please wait a minute and try again."),
    ),
    500: (
        _l("Something went wrong"),
        _l("We could not finish your request. Please try again shortly."),
    ),
}
CSRF_TEXT = _l(
    "Your form expired or was sent from another page. Please reload the page and try again."
)


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def error_response(status: int, detail: str | None = None) -> Response:
    title, message = ERROR_TEXTS.get(status, ERROR_TEXTS[500])
    message_text = detail or str(message)
    if wants_json():
        return make_response(
            jsonify(error={"status": status, "title": str(title), "message": message_text}), status
        )
    html = render_template("errors/error.html", status=status, title=title, message=message_text)
    return make_response(html, status)


def _handle_http(error: HTTPException) -> Response:
    response = error_response(error.code or 500)
    if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _retry_after_seconds() -> int:
    """How long until the limit that refused this request lets the next one through."""
    breached = limiter.current_limit
    if breached is None:
        return 60
    return max(1, math.ceil(breached.reset_at - time.time()))


def _handle_rate_limited(error: RateLimitExceeded) -> Response:
    """429 with ``Retry-After`` and the wait in words: the error page, or for HTMX the message
    in the page's flash region (the form it came from stays as it was)."""
    wait = _retry_after_seconds()
    message = gettext(
        "You have tried this too often. Please wait %(wait)s and try again.",
        wait=format_timedelta(timedelta(seconds=wait), threshold=1),
    )
    if wants_partial() and not wants_json():
        html = render_template("errors/_too_many_requests.html", message=message)
        response = make_response(html, 429)
        response.headers["HX-Reswap"] = "none"
    else:
        response = error_response(429, message)
    response.headers["Retry-After"] = str(wait)
    return response


def _handle_csrf(error: CSRFError) -> Response:
    return error_response(400, str(CSRF_TEXT))


def _handle_unexpected(error: Exception) -> Response:
    log.exception("unhandled error", exc_info=error)
    return error_response(500)


def init_errors(app: Flask) -> None:
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(RateLimitExceeded, _handle_rate_limited)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(InternalServerError, _handle_unexpected)
    app.register_error_handler(Exception, _handle_unexpected)
