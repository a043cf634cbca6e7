"""Error pages: localized HTML for people, JSON for clients that ask for it."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

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
        _l("You have tried too often. Please wait a minute and try again."),
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


def _handle_csrf(error: CSRFError) -> Response:
    return error_response(400, str(CSRF_TEXT))


def _handle_unexpected(error: Exception) -> Response:
    log.exception("unhandled error", exc_info=error)
    return error_response(500)


def init_errors(app: Flask) -> None:
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(InternalServerError, _handle_unexpected)
    app.register_error_handler(Exception, _handle_unexpected)
