"""careercenter: micro-internships turned into academic records a registrar can trust."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from careercenter import publicurl
from careercenter.config import (
    DEFAULTS,
    ConfigError,
    check_config,
    from_environment,
    instance_secret_key,
    normalise_database_url,
)

__all__ = ["ConfigError", "create_app"]

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application. Touches no database; raises `ConfigError` on bad settings."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("CAREERCENTER_INSTANCE_PATH") or str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
    )
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_mapping(from_environment(os.environ))
    if test_config is not None:
        app.config.from_mapping(test_config)
    _finish_config(app)
    check_config(app.config)

    from careercenter import (
        auth,
        models,  # noqa: F401  (the whole schema, for Alembic)
        observability,
        replica,
        security,
        templating,
        transaction,
    )
    from careercenter.blueprints import register_blueprints
    from careercenter.cli import register_cli
    from careercenter.db import install_sqlite_fixes, render_migration_item
    from careercenter.errors import register_error_handlers
    from careercenter.extensions import csrf, db, limiter, migrate, oauth
    from careercenter.registrar import documents
    from careercenter.wiring import wire

    install_sqlite_fixes()
    documents.install()
    db.init_app(app)
    transaction.init_app(app)
    replica.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(ROOT / "migrations"),
        compare_type=True,
        render_as_batch=True,
        render_item=render_migration_item,
    )
    csrf.init_app(app)
    oauth.init_app(app)
    limiter.init_app(app)
    auth.init_app(app)
    security.init_app(app)
    publicurl.init_app(app)
    templating.init_app(app)
    observability.init_app(app)
    register_error_handlers(app)
    register_blueprints(app)
    register_cli(app)
    wire(app)  # every signal receiver and registry, in one place (careercenter/wiring.py)
    if app.config["PROXY_COUNT"]:
        # Behind N trusted proxies (the load balancer): take the client's address and scheme
        # from their X-Forwarded-* headers, for sign-off records, rate limits and URLs.
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]
    return app


def _finish_config(app: Flask) -> None:
    """Fill derived settings: database URL, secret key, mode-dependent switches."""
    config = app.config
    env_name = config["ENV_NAME"]
    config["IS_PRODUCTION"] = env_name == "production"
    if config.get("DEV_LOGIN") is None:
        config["DEV_LOGIN"] = env_name == "development"
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'careercenter.sqlite3'}"
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(config["SQLALCHEMY_DATABASE_URI"])
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.setdefault("connect_args", {"timeout": 15})
        config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if not config.get("SECRET_KEY") and env_name != "production":
        config["SECRET_KEY"] = instance_secret_key(app.instance_path)
    config["SESSION_COOKIE_SECURE"] = config["IS_PRODUCTION"]
    config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=config["SESSION_ABSOLUTE_HOURS"])
    config["PREFERRED_URL_SCHEME"] = "https" if config["IS_PRODUCTION"] else "http"
    publicurl.finish_config(config)
