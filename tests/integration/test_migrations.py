"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from app.extensions import db


def test_models_and_migrations_agree(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_constraint_and_index_names_are_unique_in_the_schema(app: Flask) -> None:
    """PostgreSQL keeps constraint and index names in one namespace per schema (SQLite does
    not check), so two of one name pass on SQLite and break the PostgreSQL migration."""
    with app.app_context():
        tables = db.metadata.sorted_tables
        names = [c.name for t in tables for c in t.constraints if c.name]
        names += [index.name for t in tables for index in t.indexes]
    repeated = sorted({name for name in names if names.count(name) > 1})
    assert repeated == []
