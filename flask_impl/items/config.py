"""Settings read from the environment, with the same variable names as the Django twin."""

import os
from datetime import timedelta
from pathlib import Path

# HSTS for a year, subdomains included, not preloaded (Django: SECURE_HSTS_*, reasons there).
STRICT_TRANSPORT_SECURITY = f"max-age={365 * 24 * 60 * 60}; includeSubDomains"
# Django: dj-database-url understands postgres:// itself; SQLAlchemy needs the driver named.
POSTGRES_SCHEMES = ("postgres://", "postgresql://")


def normalise_database_url(url: str) -> str:
    """Return a SQLAlchemy URL, naming psycopg 3 as the driver for PostgreSQL URLs."""
    for scheme in POSTGRES_SCHEMES:
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url.removeprefix(scheme)
    return url


def engine_options(database_url: str) -> dict:
    """SQLAlchemy's engine options: for PostgreSQL a small pool, checked, with a connect timeout.

    SQLite keeps Flask-SQLAlchemy's defaults (a pool of connections to the file, kept open).
    """
    if not database_url.startswith("postgresql"):
        return {}
    return {
        # A Gunicorn worker serves up to 4 requests at once (gunicorn.conf.py's threads), one
        # connection each: the pool keeps those 4 open between requests, and lets 4 more be opened
        # for a burst (closed when returned). Django: CONN_MAX_AGE keeps one per thread.
        "pool_size": 4,
        "max_overflow": 4,
        # A SELECT 1 when a connection leaves the pool: one the server has closed (a restart, an
        # idle timeout) is replaced instead of failing the request. Django: CONN_HEALTH_CHECKS.
        "pool_pre_ping": True,
        # Give up connecting after 2 s (libpq's minimum): an unreachable database is a quick 503,
        # not a worker hanging for the OS's TCP timeout. Django: OPTIONS["connect_timeout"].
        "connect_args": {"connect_timeout": 2},
    }


def read_secret_key(debug: bool) -> str:
    """Return SECRET_KEY, or stop with one line when it is missing and DEBUG is off."""
    secret_key = os.environ.get("SECRET_KEY", "")
    if secret_key:
        return secret_key
    if debug:
        return "insecure-development-key-do-not-deploy"
    raise SystemExit("SECRET_KEY is not set: export a long random value (or DEBUG=1 to develop).")


class Config:
    """The app's settings; create_app() builds one from the environment of the moment."""

    def __init__(self, instance_path: str) -> None:
        self.DEBUG = os.environ.get("DEBUG", "0") == "1"
        self.SECRET_KEY = read_secret_key(self.DEBUG)
        # HTTPS=1: served over TLS by a proxy in front of Gunicorn, the only way in. create_app()
        # then trusts its X-Forwarded-Proto and X-Forwarded-For (ProxyFix), redirects http:// to
        # https:// (but /healthz) and sends HSTS (Django: SECURE_* in settings.py).
        self.HTTPS = os.environ.get("HTTPS", "0") == "1"
        # The session cookie (the login, and Flask-WTF's CSRF token inside it) over HTTPS only.
        # Django: SESSION_COOKIE_SECURE and CSRF_COOKIE_SECURE (its CSRF token has a cookie).
        self.SESSION_COOKIE_SECURE = self.HTTPS
        self.STRICT_TRANSPORT_SECURITY = STRICT_TRANSPORT_SECURITY if self.HTTPS else None
        default_database = f"sqlite:///{Path(instance_path) / 'items.sqlite3'}"
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            os.environ.get("DATABASE_URL") or default_database
        )
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI)
        allowed_hosts = os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
        # Flask's own TRUSTED_HOSTS stays off: Werkzeug 3.1 cuts each trusted name at its first
        # ":", so it can never trust an IPv6 address such as [::1]. check_allowed_host() does it.
        self.ALLOWED_HOSTS = [host.strip() for host in allowed_hosts.split(",") if host.strip()]
        # An empty API_TOKEN means none, so that every write is refused rather than open to "".
        self.API_TOKEN = os.environ.get("API_TOKEN") or None
        self.MAX_CONTENT_LENGTH = 1024 * 1024
        # The admin's session cookie: out of JavaScript's reach and not sent by cross-site POSTs
        # (Django: the same two settings, explicit in settings.py). Flask-Login's remember-me
        # cookie is never set: login_user() is called without remember.
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        # A login lasts two weeks: the login makes the session permanent, so the browser keeps
        # the cookie that long, and Flask refuses a signed session older than this (its default:
        # 31 days). Django: SESSION_COOKIE_AGE.
        self.PERMANENT_SESSION_LIFETIME = timedelta(weeks=2)
        # A CSRF token lasts as long as the session, as Django's does (Flask-WTF's default: 1 hour).
        self.WTF_CSRF_TIME_LIMIT = None
