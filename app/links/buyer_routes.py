"""A link's public address: ``/l/<slug>`` opens (or resumes) this browser's checkout of it."""

from __future__ import annotations

from flask import abort
from werkzeug.wrappers import Response

from app.checkout.buyer_routes import open_document
from app.extensions import db
from app.links import buyer_blueprint
from app.links.document import LinkDocument
from app.links.service import link_by_slug


@buyer_blueprint.get("/<slug>")
def open_link(slug: str) -> Response:
    link = link_by_slug(db.session, slug)
    if link is None:
        abort(404)
    return open_document(LinkDocument(link))
