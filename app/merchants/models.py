"""Merchants, their staff users and staff invitations."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import aware, utcnow
from app.data.bases import MerchantOwned, ShownToBuyers
from app.extensions import db


def new_public_version() -> str:
    return secrets.token_hex(8)


class Role(enum.StrEnum):
    OWNER = "owner"
    STAFF = "staff"


class Merchant(ShownToBuyers, db.Model):  # type: ignore[name-defined]
    __tablename__ = "merchants"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(2))
    default_currency: Mapped[str] = mapped_column(String(3))
    default_locale: Mapped[str] = mapped_column(String(10), default="en")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Renewed (see ``app.merchants.public_version``) whenever a row that public pages show
    # changes; cached public pages are keyed on it. Random rather than counted, so that a key is
    # never reused, even by a database that was emptied and refilled under a running app.
    public_version: Mapped[str] = mapped_column(String(16), default=new_public_version)
    # The seller's details an invoice must show (EU practice): the business itself, like its
    # name and country, so columns here rather than a feature's settings. Empty until the owner
    # fills them in (Settings > Business details); read through ``service.seller_details``.
    legal_name: Mapped[str] = mapped_column(String(200), default="")  # empty: ``name``
    # The checkout's shape: {"line1", "line2", "city", "postal_code", "state", "country"}.
    business_address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    vat_number: Mapped[str] = mapped_column(String(20), default="")
    company_number: Mapped[str] = mapped_column(String(40), default="")
    invoice_email: Mapped[str] = mapped_column(String(254), default="")

    users: Mapped[list[User]] = relationship(back_populates="merchant", order_by="User.id")

    @property
    def owning_merchant_id(self) -> int | None:
        return self.id


class User(MerchantOwned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(
            Role,
            native_enum=False,
            length=16,
            values_callable=lambda roles: [r.value for r in roles],
        )
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    merchant: Mapped[Merchant] = relationship(back_populates="users")

    @property
    def is_owner(self) -> bool:
        return self.role is Role.OWNER


class LoginSession(db.Model):  # type: ignore[name-defined]
    """One signed-in browser. The session cookie carries its token; we keep only the digest.

    Deleting the row ends that browser's session at once, whatever its cookie still says: logging
    out deletes this row, a password change or reset deletes every row of the user.
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()


class Invitation(MerchantOwned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    merchant: Mapped[Merchant] = relationship()

    def is_open(self, now: datetime) -> bool:
        return self.accepted_at is None and self.revoked_at is None and aware(self.expires_at) > now
