"""Alembic environment: runs migrations on the Flask app's engine and Kassa's metadata."""

from __future__ import annotations

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from app import models as _models  # noqa: F401  (every table in the metadata compared)
from app.data.sql import in_schema_of

config = context.config
if config.config_file_name:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
log = logging.getLogger("alembic.env")

database = current_app.extensions["migrate"].db
migrate_options = current_app.extensions["migrate"].configure_args


def run_offline() -> None:
    """Emit SQL for the configured URL without connecting."""
    context.configure(
        url=database.engine.url.render_as_string(hide_password=False),
        target_metadata=database.metadata,
        literal_binds=True,
        **migrate_options,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    def skip_empty_autogenerate(_context, _revision, directives):  # type: ignore[no-untyped-def]
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            log.info("No changes in schema detected.")

    with database.engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=database.metadata,
            process_revision_directives=skip_empty_autogenerate,
            include_object=in_schema_of(connection.dialect.name),
            **migrate_options,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
