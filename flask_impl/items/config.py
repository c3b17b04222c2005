"""Settings read from the environment, with the same variable names as the Django twin."""

import os
from datetime import timedelta
from pathlib import Path

# The folder that holds Flask's instance folder, where the development database is a SQLite file.
BASE_DIR = Path(__file__).resolve().parent.parent


def database_url(url):
    """A DATABASE_URL as SQLAlchemy reads it: psycopg 3 named for PostgreSQL."""
    # Django: dj-database-url understands postgres:// itself; SQLAlchemy needs the driver named.
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+psycopg://" + url.partition("://")[2]
    return url


class Config:
    """The app's settings, read from the environment once, as Django reads its settings module."""

    DEBUG = os.environ.get("DEBUG", "0") == "1"
    # Required when DEBUG is off: create_app() refuses to start without it.
    SECRET_KEY = os.environ.get("SECRET_KEY")
    ALLOWED_HOSTS = [
        host.strip()
        for host in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
        if host.strip()
    ]
    # Empty string and unset mean the same: no token, so every write is refused.
    API_TOKEN = os.environ.get("API_TOKEN") or None
    SQLALCHEMY_DATABASE_URI = database_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'instance' / 'items.sqlite3'}"
    )
    if SQLALCHEMY_DATABASE_URI.startswith("postgresql"):
        # One connection per thread of gunicorn.conf.py's 4 (a request holds one), as Django;
        # a SELECT 1 replaces a closed connection; an unreachable database is a 503 after 2 s
        # (Django: DATABASES).
        SQLALCHEMY_ENGINE_OPTIONS = {
            "pool_size": 4,
            "max_overflow": 0,
            "pool_pre_ping": True,
            "connect_args": {"connect_timeout": 2},
        }
    MAX_CONTENT_LENGTH = 1024 * 1024
    # HTTPS=1: behind one TLS proxy, the only way in; TRUSTED_PROXIES: the proxies in front.
    HTTPS = os.environ.get("HTTPS", "0") == "1"
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    # HSTS for a year, subdomains included, not preloaded (Django: SECURE_HSTS_*).
    STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains" if HTTPS else None
    SESSION_COOKIE_SECURE = HTTPS
    # Flask's cookie has no SameSite by default; Django's is Lax.
    SESSION_COOKIE_SAMESITE = "Lax"
    # A login lasts two weeks, as Django's SESSION_COOKIE_AGE (Flask's default: 31 days).
    PERMANENT_SESSION_LIFETIME = timedelta(weeks=2)
    # A CSRF token lasts as long as the session, as Django's (Flask-WTF's default: 1 hour).
    WTF_CSRF_TIME_LIMIT = None
