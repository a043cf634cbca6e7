"""One decision for every route: a full page or an HTMX partial."""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, redirect, render_template
from flask_htmx import HTMX
from werkzeug.wrappers import Response as BaseResponse

from app.extensions import htmx


def wants_partial(request_htmx: HTMX = htmx) -> bool:
    """True only for a plain HTMX request: not boosted and not a history restore.

    A boosted link or a history-restore request must get the whole page, or the browser would
    show a fragment where a page belongs.
    """
    return (
        bool(request_htmx) and not request_htmx.boosted and not request_htmx.history_restore_request
    )


def render(page: str, partial: str | None = None, *, status: int = 200, **context: Any) -> Response:
    """Render ``partial`` for a plain HTMX request, else ``page``; both get ``context``."""
    template = partial if partial and wants_partial() else page
    return make_response(render_template(template, **context), status)


def render_after_change(partial: str, redirect_to: str, **context: Any) -> BaseResponse:
    """After a successful post: the updated partial for HTMX, else a redirect (post/redirect/get)
    so that reloading the page does not post again."""
    if wants_partial():
        return render(partial, partial, **context)
    return redirect(redirect_to)


def go_to(target: str) -> BaseResponse:
    """Send the browser to another page after a post: a redirect, or for a plain HTMX request
    ``HX-Redirect`` (a redirect would be followed by the request and swapped in as a partial)."""
    if wants_partial():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)
