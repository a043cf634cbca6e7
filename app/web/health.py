"""``/livez``: is this process up; ``/healthz``: and can it reach its database."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify
from sqlalchemy import text

from app.extensions import db

log = logging.getLogger("kassa.health")
blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz() -> tuple[Response, int]:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        log.exception("database check failed")
        db.session.rollback()
        return jsonify(status="degraded", database="unreachable"), 503
    return jsonify(status="ok", database="ok"), 200


@blueprint.get("/livez")
def livez() -> Response:
    """Liveness without dependencies: for process supervisors (and the benchmark's baseline)."""
    return Response("ok\n", mimetype="text/plain")
