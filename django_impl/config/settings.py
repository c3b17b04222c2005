"""Settings of the Django twin: one file, every value that varies read from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = os.environ.get("DEBUG", "0") == "1"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        # One line, no traceback (SystemExit), for manage.py and serve.sh alike.
        raise SystemExit(
            "SECRET_KEY is not set: export a long random value (or DEBUG=1 to develop)."
        )
    SECRET_KEY = "django-insecure-development-key-never-use-in-production"  # noqa: S105
allowed_hosts = os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
ALLOWED_HOSTS = [host.strip() for host in allowed_hosts.split(",") if host.strip()]
# Empty string and unset mean the same: no token, so every write is refused.
API_TOKEN = os.environ.get("API_TOKEN") or None

INSTALLED_APPS = [
    # First, so that its templates/admin/base_site.html overrides the admin's own.
    "items",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Counts failed admin logins in the database and locks out (Flask: items/lockout.py).
    "axes",
]

MIDDLEWARE = [
    # First: the client's address from X-Forwarded-For with TRUSTED_PROXIES, for everything after.
    "items.security.forwarded_for",
    # With HTTPS=1, the scheme the one proxy in front set, before SECURE_PROXY_SSL_HEADER reads it.
    "items.security.forwarded_proto",
    # Around the rest, so that every response says X-Frame-Options: DENY, a bad Host's 400 too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A Host with a port no URL can carry is a 400, as Werkzeug reads it in the Flask twin:
    # before SecurityMiddleware, whose HTTPS=1 redirect would name it.
    "items.security.valid_port",
    # nosniff, Referrer-Policy and Cross-Origin-Opener-Policy (same-origin by default), and
    # with HTTPS=1 the redirect and HSTS.
    "django.middleware.security.SecurityMiddleware",
    # Django 5.2 has no CSP setting: a function of items/security.py sends the admin's.
    "items.security.admin_content_security_policy",
    # Checks the Host against ALLOWED_HOSTS: before WhiteNoise, so no Host gets a static file
    # that it would not get a page (Flask: items/security.py checks before every view).
    "django.middleware.common.CommonMiddleware",
    # Serves /static/ with DEBUG=0; gunicorn serves no files itself.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # ApiError and an unreachable database become error responses (Flask: errorhandlers).
    "items.errors.ErrorMiddleware",
    # Last, as django-axes asks: answers a locked-out login with items.lockout.locked_out.
    "axes.middleware.AxesMiddleware",
]

# django-axes' backend first: it refuses a locked-out username and address before any password
# is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # A worker keeps its connection between requests, checked before reuse (Django's
        # default opens one per request). Flask: SQLAlchemy's pool, with pool_pre_ping.
        conn_max_age=600,
        conn_health_checks=True,
    ),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # An unreachable database is a 503 after 2 s, not the OS's TCP timeout (Flask: connect_args).
    DATABASES["default"]["OPTIONS"] = {"connect_timeout": 2}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several workers on one file: WAL, a busy timeout, and atomic() blocks that take the write
    # lock when they begin (Flask: items/sqlite.py).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Bodies up to 1 MiB; items.api answers 413 itself, after the token check.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

# TRUSTED_PROXIES=N: N proxies in front, each appending to X-Forwarded-For (items.security).
TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
# HTTPS=1: served over TLS by one proxy in front, the only way in, which sets X-Forwarded-Proto.
# http:// is redirected but /healthz (load balancers ask from inside); HSTS for a year, not
# preloaded (docs/decisions.md says why), hence W021 silenced. Flask: items/security.py.
HTTPS = os.environ.get("HTTPS", "0") == "1"
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Where a login goes when its `next` is missing or unsafe (the default, /accounts/profile/, is
# not a page here).
LOGIN_REDIRECT_URL = "admin:index"

# Admin logins: 5 failures of one username from one address lock that pair out for 15 minutes,
# counted in the database for every worker; a lock refuses even the right password and is not
# extended by it; a success clears the pair's failures (Flask: items/lockout.py).
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "items.lockout.locked_out"
# No attempt log pages in the admin, no row per successful login: Flask has neither.
AXES_ENABLE_ADMIN = False
AXES_DISABLE_ACCESS_LOG = True
