"""The Flask twin: create_app() builds the application."""

import os
from pathlib import Path

from flask import Flask
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from . import admin, cli, migration_state, security, sqlite, views
from .config import Config
from .converters import ItemIdConverter
from .errors import register_error_handlers
from .models import db

MIGRATIONS_DIRECTORY = Path(__file__).resolve().parent.parent / "migrations"
csrf = CSRFProtect()


def create_app(test_config=None):
    """Create and configure the Flask twin."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(Config(app.instance_path))
    if test_config is not None:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)

    # Items keep to_dict()'s key order, as Django's JsonResponse does.
    app.json.sort_keys = False
    # Compact in debug mode too, as Django's JsonResponse always is (Flask indents it under DEBUG).
    app.json.compact = True
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
    admin.init_app(app)
    cli.init_app(app)
    return app
