"""Settings read from the environment, with the same variable names as the Django twin."""

import os
from datetime import timedelta
from pathlib import Path


def database_url(instance_path):
    """DATABASE_URL for SQLAlchemy (psycopg 3 for PostgreSQL), else a SQLite file in instance/."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'items.sqlite3'}"
    # Django: dj-database-url understands postgres:// itself; SQLAlchemy needs the driver named.
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+psycopg://" + url.partition("://")[2]
    return url


class Config:
    """The app's settings; create_app() builds one from the environment of the moment."""

    def __init__(self, instance_path):
        self.DEBUG = os.environ.get("DEBUG", "0") == "1"
        self.SECRET_KEY = os.environ.get("SECRET_KEY", "")
        if not self.SECRET_KEY:
            if not self.DEBUG:
                raise SystemExit(
                    "SECRET_KEY is not set: export a long random value (or DEBUG=1 to develop)."
                )
            self.SECRET_KEY = "insecure-development-key-do-not-deploy"  # noqa: S105
        hosts = os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
        self.ALLOWED_HOSTS = [host.strip() for host in hosts.split(",") if host.strip()]
        # Empty string and unset mean the same: no token, so every write is refused.
        self.API_TOKEN = os.environ.get("API_TOKEN") or None
        self.SQLALCHEMY_DATABASE_URI = database_url(instance_path)
        if self.SQLALCHEMY_DATABASE_URI.startswith("postgresql"):
            # gunicorn.conf.py's 4 threads and 4 more for a burst; a SELECT 1 replaces a closed
            # connection; an unreachable database is a 503 after 2 s (Django: DATABASES).
            self.SQLALCHEMY_ENGINE_OPTIONS = {
                "pool_size": 4,
                "max_overflow": 4,
                "pool_pre_ping": True,
                "connect_args": {"connect_timeout": 2},
            }
        self.MAX_CONTENT_LENGTH = 1024 * 1024
        # HTTPS=1: behind one TLS proxy, the only way in; TRUSTED_PROXIES: the proxies in front.
        self.HTTPS = os.environ.get("HTTPS", "0") == "1"
        self.TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
        # HSTS for a year, subdomains included, not preloaded (Django: SECURE_HSTS_*).
        self.STRICT_TRANSPORT_SECURITY = (
            "max-age=31536000; includeSubDomains" if self.HTTPS else None
        )
        self.SESSION_COOKIE_SECURE = self.HTTPS
        # Flask's cookie has no SameSite by default; Django's is Lax.
        self.SESSION_COOKIE_SAMESITE = "Lax"
        # A login lasts two weeks, as Django's SESSION_COOKIE_AGE (Flask's default: 31 days).
        self.PERMANENT_SESSION_LIFETIME = timedelta(weeks=2)
        # A CSRF token lasts as long as the session, as Django's (Flask-WTF's default: 1 hour).
        self.WTF_CSRF_TIME_LIMIT = None
