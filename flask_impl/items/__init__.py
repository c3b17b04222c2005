"""The Flask twin: create_app() builds the application."""

import os
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, redirect, request
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import NotFound, SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from . import views
from .admin import init_admin
from .cli import create_admin_command, seed_command
from .config import Config
from .converters import ItemIdConverter
from .errors import register_error_handlers
from .models import configure_sqlite, db

MIGRATIONS_DIRECTORY = Path(__file__).resolve().parent.parent / "migrations"
# Answered over plain HTTP with HTTPS=1 too: load balancers and Docker's HEALTHCHECK ask from the
# inside, without the proxy (Django: SECURE_REDIRECT_EXEMPT).
PLAIN_HTTP_PATHS = {"/healthz"}
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
csrf = CSRFProtect()


def host_name(host: str) -> str:
    """The name in a Host header or an ALLOWED_HOSTS entry: no port, no brackets, lower case."""
    return urlsplit(f"//{host}").hostname or ""


def check_allowed_host() -> None:
    """Answer 400 unless the Host header names one of ALLOWED_HOSTS, as Django does.

    Django: CommonMiddleware checks it (request.get_host()). Here "*" allows any host and a
    leading dot a domain with its subdomains, as in Django's ALLOWED_HOSTS.
    """
    name = host_name(request.host)
    for allowed in current_app.config["ALLOWED_HOSTS"]:
        domain = host_name(allowed.removeprefix("."))
        subdomain = allowed.startswith(".") and name.endswith(f".{domain}")
        if name and (allowed == "*" or name == domain or subdomain):
            return
    raise SecurityError()


def refuse_extra_leading_slashes() -> None:
    """404 for a path that starts with "//", as Django answers (it matches no URL pattern).

    Werkzeug strips the extra slashes before routing, so //api/items would be served as /api/items.
    """
    if request.environ["PATH_INFO"].startswith("//"):
        raise NotFound()


def redirect_to_https() -> Response | None:
    """HTTPS=1: answer a plain-HTTP request with a 301 to the same URL on https://.

    Django: SecurityMiddleware, with SECURE_SSL_REDIRECT. Runs after check_allowed_host(), so the
    Location never names a host that is not allowed (Django checks it in request.get_host()).
    """
    if request.is_secure or request.path in PLAIN_HTTP_PATHS:
        return None
    return redirect(request.url.replace("http://", "https://", 1), code=301)


def add_security_headers(response: Response) -> Response:
    """Send the security headers on every response, and list Allow in alphabetical order.

    Django: SecurityMiddleware and XFrameOptionsMiddleware send these from settings.
    """
    response.headers.update(SECURITY_HEADERS)
    hsts = current_app.config["STRICT_TRANSPORT_SECURITY"]
    # Only over HTTPS, as Django does: a browser ignores HSTS received over plain HTTP (RFC 6797).
    if hsts and request.is_secure:
        response.headers["Strict-Transport-Security"] = hsts
    if response.allow:
        # Flask's automatic OPTIONS and 405 list methods in the order the rules gave them.
        response.headers["Allow"] = ", ".join(sorted(response.allow))
    return response


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the Flask twin."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(Config(app.instance_path))
    if test_config is not None:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)

    # Items keep to_dict()'s key order, as Django's JsonResponse does.
    app.json.sort_keys = False
    app.url_map.converters["item_id"] = ItemIdConverter
    # No redirect from //api/items to /api/items: Django answers such paths with a 404 too.
    app.url_map.merge_slashes = False

    db.init_app(app)
    Migrate(app, db, directory=str(MIGRATIONS_DIRECTORY))
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)

    register_error_handlers(app)
    # Before any view, and before routing's 404 or 405 is raised (in dispatch_request).
    app.before_request(check_allowed_host)
    if app.config["HTTPS"]:
        # The one proxy in front says which scheme the client used and appends the client's
        # address to X-Forwarded-For: trust those (one hop), nothing else. Without HTTPS=1
        # the headers are ignored, since anyone could send them.
        # Django: SECURE_PROXY_SSL_HEADER, and items.admin.client_ip() for the address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
        app.before_request(redirect_to_https)
    # After the HTTPS redirect, as Django's SecurityMiddleware redirects before URLs resolve.
    app.before_request(refuse_extra_leading_slashes)
    app.after_request(add_security_headers)
    # Every POST needs Flask-WTF's CSRF token: the admin's forms, the login form included
    # (Django: CsrfViewMiddleware). The JSON API is exempt, as Django's API views are:
    # clients authenticate with a bearer token; CSRF protects cookie sessions.
    csrf.init_app(app)
    csrf.exempt(views.bp)
    app.register_blueprint(views.bp)
    init_admin(app)
    app.cli.add_command(seed_command)
    app.cli.add_command(create_admin_command)
    return app
