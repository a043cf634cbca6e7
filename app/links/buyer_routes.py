"""A link's public address, ``/l/<slug>``: the page every new buyer sees alike (a first
view: written nowhere, served from the page cache while the link is open), and the addresses
its forms post to, where the buyer's first action opens this browser's checkout of the link
(``/l/<slug>/<change>``). A browser that has an open checkout of the link is sent to it."""

from __future__ import annotations

from flask import abort, g, redirect, request, url_for
from werkzeug.wrappers import Response

from app.checkout.buyer_routes import FirstView, first_action, resumed_checkout, serve_first_view
from app.core.clock import utcnow
from app.extensions import db, limiter
from app.links import buyer_blueprint
from app.links.document import LinkDocument
from app.links.service import DOCUMENT_TYPE, buyer_link, link_stamp
from app.web import rate_limits


def _first_view(slug: str) -> FirstView:
    return FirstView(
        page_url=url_for("link_buyers.open_link", slug=slug),
        endpoint="link_buyers.act",
        values={"slug": slug},
    )


def _document_or_404(slug: str) -> LinkDocument:
    link = buyer_link(db.session, slug)
    if link is None:
        abort(404)
    return LinkDocument(link)


@buyer_blueprint.get("/<slug>")
def open_link(slug: str) -> Response:
    """HEAD too (Flask answers it with this view, without the body)."""
    stamp = link_stamp(db.engine, slug, utcnow())
    if stamp is None:
        abort(404)
    g.merchant_locale = stamp.default_locale  # the buyer's last resort for a language
    resumed = resumed_checkout(DOCUMENT_TYPE, str(stamp.link_id), stamp.merchant_id)
    if resumed is not None:
        return redirect(resumed)
    cache_key = ("link", stamp.public_version, stamp.paid_count) if stamp.open else None
    return serve_first_view(_first_view(slug), lambda: _document_or_404(slug), cache_key)


def _not_a_discount_code() -> bool:
    return (request.view_args or {}).get("change") != "discount"


@buyer_blueprint.post("/<slug>/<any(quantity, discount, method, country, details):change>")
@buyer_blueprint.post("/<slug>/items/<int:line_id>/<any(add, remove):change>")
@limiter.limit(rate_limits.DISCOUNT_CODES_PER_ADDRESS, exempt_when=_not_a_discount_code)
def act(slug: str, change: str, line_id: int | None = None) -> Response:
    """A change posted from the link's page: the buyer's first action (or a later one from a
    page still showing the first view) goes to this browser's checkout of the link."""
    return first_action(_document_or_404(slug), _first_view(slug), change, line_id)
