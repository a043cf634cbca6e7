"""A link to a customer's portal, and the visit it opens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.data.bases import MerchantOwned
from app.extensions import db


class PortalLink(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """One emailed link. Its token is kept as a digest only; opening it (once, before
    ``expires_at``) gives the browser a visit token, also kept as a digest, valid until
    ``visit_expires_at``."""

    __tablename__ = "portal_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    visit_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    visit_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
