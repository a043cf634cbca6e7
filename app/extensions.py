"""The extension objects, created unbound here and bound to the app in ``create_app``."""

from __future__ import annotations

import enum
import os
from pathlib import Path
from typing import Any, TypeAlias

from flask_babel import Babel
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from huey import Huey, RedisHuey, SqliteHuey
from sqlalchemy import Enum, MetaData, event
from sqlalchemy.orm import DeclarativeBase, Mapper, Session, scoped_session

from app.core.files import private_sqlite_file

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model; constraint names are stable for Alembic."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


@event.listens_for(Mapper, "before_configured")
def _import_every_model() -> None:
    """A relationship may name another feature's model by string (a payment's checkout), which
    resolves only once that model's module is imported. Importing every model just before the
    mappers are configured lets a script or a task import any one model and use it.

    The one import here from above the features; it runs only when models are in use.
    """
    import app.models  # noqa: F401


def _make_huey() -> Huey:
    """The task queue: Redis when ``KASSA_REDIS_URL`` is set, else SQLite beside the database.

    Huey must exist at import time (tasks are declared with its decorator), so it reads the
    environment directly; ``create_app`` then switches it to immediate mode when configured.
    """
    redis_url = os.environ.get("KASSA_REDIS_URL", "").strip()
    if redis_url:
        return RedisHuey("kassa", url=redis_url)
    instance = os.environ.get("KASSA_INSTANCE_PATH", "").strip() or os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "instance"
    )
    os.makedirs(instance, exist_ok=True)
    filename = Path(instance) / "tasks.db"
    private_sqlite_file(filename)
    return SqliteHuey("kassa", filename=str(filename))


db = SQLAlchemy(model_class=Base)
# What services take: a plain Session, or Flask-SQLAlchemy's request-scoped ``db.session``.
DbSession: TypeAlias = Session | scoped_session[Any]
migrate = Migrate(render_as_batch=True, compare_type=True)
babel = Babel()
csrf = CSRFProtect()
htmx = HTMX()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
huey = _make_huey()


def str_enum(enum_class: type[enum.StrEnum], length: int = 16) -> Enum:
    """A column type storing a StrEnum by its value, as a plain string (no database enum type)."""
    return Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
    )
