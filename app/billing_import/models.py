"""An import from Stripe Billing: its runs (a dry run or an import, each a background job with
its progress), what each run found of every Stripe subscription, and what moved.

``BillingImportMove`` is the one row per Stripe subscription that moved (unique per Stripe
account and subscription): inserted with the Kassa subscription in one transaction, so two
imports at once, or a rerun, move nothing twice. ``stripe_ended_at`` is set once Stripe was
told to stop at the period's end; until then the Kassa subscription waits, paused, so the two
never both charge one period.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.core.money import Money
from app.data.bases import MerchantOwned
from app.extensions import db, str_enum


class RunKind(enum.StrEnum):
    DRY_RUN = "dry_run"
    IMPORT = "import"


class RunStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # the run itself stopped (Stripe unreachable); its rows say how far


class Outcome(enum.StrEnum):
    ELIGIBLE = "eligible"  # a dry run: it can move
    REFUSED = "refused"  # it cannot move (its reasons)
    MOVED = "moved"  # this run moved it
    ALREADY_MOVED = "already_moved"  # an earlier run did
    FAILED = "failed"  # it could move, but something failed (its error); others went on


class BillingImportRun(MerchantOwned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "billing_import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[RunKind] = mapped_column(str_enum(RunKind))
    status: Mapped[RunStatus] = mapped_column(str_enum(RunStatus), default=RunStatus.QUEUED)
    account_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer, default=0)  # known once the list is read
    done: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(String(200), default="")
    # An import asked to keep each moved subscription's past Stripe charges as payments.
    import_charges: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    results: Mapped[list[BillingImportResult]] = relationship(
        back_populates="run", order_by="BillingImportResult.id", passive_deletes=True
    )

    @property
    def running(self) -> bool:
        return self.status in (RunStatus.QUEUED, RunStatus.RUNNING)


class BillingImportResult(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """One Stripe subscription as a run found it: what it bills, and whether it can (or did)
    move, with the reasons (``eligibility.Refusal`` codes) or the error."""

    __tablename__ = "billing_import_results"
    __table_args__ = (UniqueConstraint("run_id", "stripe_subscription_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("billing_import_runs.id", ondelete="CASCADE"), index=True
    )
    stripe_subscription_id: Mapped[str] = mapped_column(String(255))
    customer_email: Mapped[str] = mapped_column(String(254), default="")
    currency: Mapped[str] = mapped_column(String(3), default="")
    period_amount: Mapped[int | None] = mapped_column(Integer)  # None: not a fixed amount
    interval: Mapped[str] = mapped_column(String(16), default="")
    interval_count: Mapped[int] = mapped_column(Integer, default=1)
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome))
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    error: Mapped[str] = mapped_column(Text, default="")
    charges_imported: Mapped[int] = mapped_column(Integer, default=0)  # past charges kept now
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="SET NULL")
    )

    run: Mapped[BillingImportRun] = relationship(back_populates="results")

    @property
    def money(self) -> Money:
        return Money(self.period_amount or 0, self.currency)


class BillingImportMove(MerchantOwned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "billing_import_moves"
    __table_args__ = (UniqueConstraint("account_id", "stripe_subscription_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[str] = mapped_column(String(64))
    stripe_subscription_id: Mapped[str] = mapped_column(String(255))
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    stripe_ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BillingImportPrice(MerchantOwned, db.Model):  # type: ignore[name-defined]
    """The Kassa product made for a Stripe price (once per account and price)."""

    __tablename__ = "billing_import_prices"
    __table_args__ = (UniqueConstraint("account_id", "stripe_price_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[str] = mapped_column(String(64))
    stripe_price_id: Mapped[str] = mapped_column(String(255))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
