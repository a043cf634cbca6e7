"""The Kassa application factory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import PROJECT_ROOT, Settings
from app.core.files import private_sqlite_file
from app.core.passwords import use_hashing_cost
from app.extensions import babel, csrf, db, htmx, huey, limiter, migrate


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the app from ``KASSA_*`` settings; ``overrides`` uses the same names."""
    settings = Settings.load(overrides)
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(settings.instance_path),
    )
    app.config.from_mapping(settings.flask_config())
    app.config["KASSA_LOGIN_RATE_LIMIT"] = settings.login_rate_limit
    app.extensions["kassa_settings"] = settings
    use_hashing_cost(settings.hash_cost)
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    if database_file := settings.sqlite_file:
        private_sqlite_file(database_file)
    if settings.proxy_fix:
        hops = settings.proxy_fix
        proxied = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
        app.wsgi_app = proxied  # type: ignore[method-assign]

    _init_extensions(app, settings)
    _register_features(app)
    return app


def _init_extensions(app: Flask, settings: Settings) -> None:
    from app.web import rate_limits  # noqa: F401  (registers the sqlite:// rate-limit store)
    from app.web.i18n import select_locale
    from app.web.logs import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    huey.immediate = settings.tasks_immediate


def _register_features(app: Flask) -> None:
    from app import cli
    from app import models as _models  # noqa: F401  (every table in db.metadata)
    from app.billing_import import blueprint as billing_import
    from app.catalog import blueprint as catalog
    from app.checkout import blueprint as checkout
    from app.customers import blueprint as customers
    from app.dashboard import blueprint as dashboard
    from app.invoices import blueprint as invoices
    from app.invoices import buyer_blueprint as invoice_buyers
    from app.links import blueprint as links
    from app.links import buyer_blueprint as link_buyers
    from app.merchants import blueprint as merchants
    from app.merchants.auth import current_user, load_current_user
    from app.merchants.navigation import PANEL_NAVIGATION
    from app.merchants.public_version import watch_public_content
    from app.payments import blueprint as payments
    from app.portal import blueprint as portal
    from app.processors import blueprint as processors
    from app.quotes import blueprint as quotes
    from app.quotes import buyer_blueprint as quote_buyers
    from app.reports import blueprint as reports
    from app.settings import blueprint as settings
    from app.settings.labels import method_name
    from app.storefront import blueprint as storefront
    from app.storefront import shop_blueprint as shop
    from app.subscriptions import blueprint as subscriptions
    from app.web import errors, health, i18n, logs, page_cache, security, uploads
    from app.web.rendering import wants_partial

    logs.init_request_logging(app)
    security.init_security(app)
    page_cache.init_page_cache(app, app.extensions["kassa_settings"].page_cache_entries)
    i18n.init_i18n(app)
    errors.init_errors(app)
    app.register_blueprint(health.blueprint)
    app.register_blueprint(merchants)
    app.register_blueprint(dashboard)
    app.register_blueprint(processors)
    app.register_blueprint(settings)
    app.register_blueprint(billing_import)
    app.register_blueprint(catalog)
    app.register_blueprint(uploads.blueprint)
    app.register_blueprint(payments)
    app.register_blueprint(links)
    app.register_blueprint(link_buyers)
    app.register_blueprint(checkout)
    app.register_blueprint(customers)
    app.register_blueprint(invoices)
    app.register_blueprint(invoice_buyers)
    app.register_blueprint(quotes)
    app.register_blueprint(quote_buyers)
    app.register_blueprint(reports)
    app.register_blueprint(storefront)
    app.register_blueprint(shop)
    app.register_blueprint(subscriptions)
    app.register_blueprint(portal)
    app.before_request(load_current_user)
    watch_public_content()
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals.update(
        current_user=current_user,
        panel_navigation=PANEL_NAVIGATION,
        wants_partial=wants_partial,
        image_size=uploads.image_size,
        method_name=method_name,
    )
    cli.init_cli(app)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """SQLite: write-ahead log for concurrent readers, enforced foreign keys, a lock wait."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
