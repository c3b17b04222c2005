"""The Flask twin: create_app() builds the application."""

import os
from pathlib import Path

from flask import Flask
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from . import admin, auth, cli, migration_state, security, sqlite, views
from .api import JSONProvider
from .config import Config
from .converters import ItemIdConverter
from .errors import register_error_handlers
from .models import db

MIGRATIONS_DIRECTORY = Path(__file__).resolve().parent.parent / "migrations"
csrf = CSRFProtect()


def create_app(test_config=None):
    """Create and configure the Flask twin."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(Config)
    if test_config is not None:
        app.config.from_mapping(test_config)
    if not app.config["SECRET_KEY"]:
        if not app.debug:
            # One line, no traceback (SystemExit), for flask, Gunicorn and serve.sh alike.
            raise SystemExit(
                "SECRET_KEY is not set: export a long random value (or DEBUG=1 to develop)."
            )
        app.config["SECRET_KEY"] = "insecure-development-key-do-not-deploy"  # noqa: S105
    os.makedirs(app.instance_path, exist_ok=True)

    app.json = JSONProvider(app)
    app.url_map.converters["item_id"] = ItemIdConverter
    # No redirect from //api/items to /api/items: Django answers such paths with a 404.
    app.url_map.merge_slashes = False

    db.init_app(app)
    Migrate(app, db, directory=str(MIGRATIONS_DIRECTORY))
    sqlite.init_app(app)
    migration_state.init_app(app)
    security.init_app(app)
    register_error_handlers(app)
    # Every POST needs Flask-WTF's CSRF token (Django: CsrfViewMiddleware). The JSON API is
    # exempt, as Django's API views are: clients authenticate with a bearer token.
    csrf.init_app(app)
    csrf.exempt(views.bp)
    app.register_blueprint(views.bp)
    auth.init_app(app)
    admin.init_app(app)
    cli.init_app(app)
    return app
