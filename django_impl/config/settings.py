"""Settings of the Django twin: one file, every value that varies read from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = os.environ.get("DEBUG", "0") == "1"
# HTTPS=1: served over TLS by a proxy in front of Gunicorn, the only way in (Flask: Config.HTTPS).
HTTPS = os.environ.get("HTTPS", "0") == "1"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        # One line, no traceback (SystemExit), for manage.py and serve.sh alike.
        raise SystemExit(
            "SECRET_KEY is not set: export a long random value (or DEBUG=1 to develop)."
        )
    SECRET_KEY = "django-insecure-development-key-never-use-in-production"  # noqa: S105

allowed_hosts = os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
# Django checks Host against ALLOWED_HOSTS itself (Flask: items.check_allowed_host()).
ALLOWED_HOSTS = [host.strip() for host in allowed_hosts.split(",") if host.strip()]
# Empty string and unset mean the same: no token, so every write is refused.
API_TOKEN = os.environ.get("API_TOKEN") or None

INSTALLED_APPS = [
    # Django's built-in admin and what it stands on: users and groups (auth), the types that
    # permissions point at (contenttypes), sessions, and the messages it shows after a save.
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Counts failed admin logins in the database and locks out (Flask: LoginAttempt, admin.py).
    "axes",
    "items",
]

MIDDLEWARE = [
    # X-Frame-Options: DENY. Outermost, so every response gets it: static files, the 400 for a bad
    # Host (raised inside CommonMiddleware) and SecurityMiddleware's redirect to https://.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # nosniff, Referrer-Policy, Cross-Origin-Opener-Policy; with HTTPS=1 the redirect and HSTS.
    "django.middleware.security.SecurityMiddleware",
    # Checks the Host header against ALLOWED_HOSTS and sets Content-Length. Before WhiteNoise,
    # which its documentation puts right after SecurityMiddleware: there it would serve /static/
    # to any Host (Flask checks the Host before every view, its static files' too).
    "django.middleware.common.CommonMiddleware",
    # Serves /static/ with DEBUG=0; gunicorn serves no files itself.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The session cookie of a logged-in admin user (Flask: its signed session cookie).
    "django.contrib.sessions.middleware.SessionMiddleware",
    # CSRF for cookie sessions (the admin); the API views are exempt.
    "django.middleware.csrf.CsrfViewMiddleware",
    # request.user from the session (Flask: Flask-Login's current_user).
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # "The item was added successfully." after an admin save (Flask: flash()).
    "django.contrib.messages.middleware.MessageMiddleware",
    # ApiError and an unreachable database become error responses (Flask: errorhandlers).
    "items.errors.ErrorMiddleware",
    # Answers a locked-out login with items.admin.locked_out (last, as django-axes asks).
    "axes.middleware.AxesMiddleware",
]

# django-axes' backend first: it refuses a locked-out username and address before any password is
# checked, then Django's own backend checks the password.
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
        # What the admin's templates read: request, user and perms, messages.
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
        # Persistent connections, on every backend: Django otherwise opens a connection for each
        # request and closes it at the end (on PostgreSQL a TCP handshake and a server process; on
        # SQLite the file and the PRAGMAs of init_command). A worker keeps its connection for up to
        # 10 minutes; on PostgreSQL the health check (a SELECT 1 at a reused connection's first
        # use in a request) replaces one the server has closed instead of failing the request.
        # Flask: SQLAlchemy's pool keeps connections (items/config.py), pool_pre_ping checks them.
        conn_max_age=600,
        conn_health_checks=True,
    ),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Give up connecting after 2 s (libpq's minimum): an unreachable database is a quick 503 from
    # /healthz and the API, not a worker hanging for the OS's TCP timeout (Flask: connect_args).
    DATABASES["default"]["OPTIONS"] = {"connect_timeout": 2}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several gunicorn workers write to one file (Django 5.1+ options): WAL lets readers run beside
    # the writer, a 20 s busy timeout makes a writer wait for the lock instead of failing, and
    # BEGIN IMMEDIATE takes the write lock when a transaction.atomic() block starts, so a
    # read-then-write never has to upgrade its lock (SQLite answers that with "database is locked").
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Bodies up to 1 MiB; items.api answers 413 itself, after the token check.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

# Aware datetimes in UTC, stored with microseconds.
TIME_ZONE = "UTC"
USE_TZ = True
# No translations: the twins and their admins speak English only. Django's settings reference
# offers this switch "for performance": with it on, every number a template shows goes through
# the active language's formats (12 % of the home page's time). Flask has no translation layer.
USE_I18N = False

STATIC_URL = "/static/"
# Where collectstatic writes, and WhiteNoise serves from (Flask serves its package's static folder).
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

# Security headers, spelled out although most are Django's defaults.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# HTTPS=1: the proxy terminates TLS and says so in X-Forwarded-Proto, which it must set on every
# request (Flask: werkzeug's ProxyFix). Plain http:// is redirected (301) to https://, except
# /healthz, which load balancers and Docker's HEALTHCHECK ask over plain HTTP from the inside.
# Cookies go over HTTPS only. HSTS for a year, subdomains included (only names below the host
# serving the twin: none of them may then be served over plain HTTP, which also stops a forged
# http:// subdomain from planting cookies). Not preloaded: submitting a domain to the browsers'
# preload list is a decision of the domain's owner, hard to undo, not one an app makes; so
# security.W021 ("SECURE_HSTS_PRELOAD is not True") is silenced below. Flask: Config.
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = False
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# The admin's session cookie, spelled out although both are Django's defaults (Flask has no
# SameSite by default, so its Config sets both): no script can read it, and cross-site requests
# other than top-level navigations do not carry it.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# A login lasts two weeks, in the browser and on the server (Django's default, spelled out; Flask:
# PERMANENT_SESSION_LIFETIME, and session.permanent at login).
SESSION_COOKIE_AGE = int(timedelta(weeks=2).total_seconds())
# Where the login goes when its `next` is missing or not a safe local URL (Django's default,
# /accounts/profile/, does not exist here).
LOGIN_REDIRECT_URL = "admin:index"

# Admin logins: 5 failures of one username from one address lock that pair out for 15 minutes,
# counted in the database so that every Gunicorn worker sees the same count (django-axes; Flask:
# the LoginAttempt table). The 5th failure already answers 429; while locked, even the right
# password is refused before it is checked, and such attempts do not extend the lock. A success
# clears the pair's failures. Another username, or the same one from another address, goes on.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
# The address: REMOTE_ADDR, or with HTTPS=1 the one the proxy appended to X-Forwarded-For.
AXES_CLIENT_IP_CALLABLE = "items.admin.client_ip"
# The 429 page is items/error.html, as in Flask.
AXES_LOCKOUT_CALLABLE = "items.admin.locked_out"
# No attempt or access log pages in the admin, no row per successful login: Flask has neither.
AXES_ENABLE_ADMIN = False
AXES_DISABLE_ACCESS_LOG = True
