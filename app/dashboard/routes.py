"""The dashboard: the account at a glance, the first steps, and any refused settings."""

from __future__ import annotations

from werkzeug.wrappers import Response

from app.catalog.service import refused_settings
from app.core.clock import utcnow
from app.dashboard import blueprint
from app.extensions import db
from app.merchants.auth import current_merchant, login_required
from app.merchants.models import User
from app.merchants.scoping import scoped_select
from app.payments.health import events_silent
from app.processors.connection import current_connection
from app.settings.labels import SETTING_REFUSALS
from app.subscriptions.listing import attention
from app.web.rendering import render


@blueprint.get("/panel/")
@login_required
def dashboard() -> Response:
    merchant = current_merchant()
    team_size = len(db.session.scalars(scoped_select(User)).all())
    stripe_connected = current_connection(db.session, merchant.id) is not None
    return render(
        "dashboard/dashboard.html",
        merchant=merchant,
        team_size=team_size,
        stripe_connected=stripe_connected,
        refused=refused_settings(db.session, merchant),
        refusal_messages=SETTING_REFUSALS,
        silent=events_silent(db.session, merchant.id, utcnow()),
        subscriptions=attention(db.session, merchant.id),
    )
