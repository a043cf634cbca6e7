"""The rows below the features: the scheduler's test clock (see ``clock.py``)."""

from __future__ import annotations

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class TestClock(db.Model):  # type: ignore[name-defined]
    """How far the scheduler's clock runs ahead of the real one (tests only)."""

    __tablename__ = "test_clock"
    __test__ = False  # not a pytest class

    id: Mapped[int] = mapped_column(primary_key=True)
    offset_seconds: Mapped[int] = mapped_column(Integer, default=0)
