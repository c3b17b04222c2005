"""Hardening of every request: hosts, HTTPS, headers (Django: MIDDLEWARE and SECURE_* settings)."""

from urllib.parse import urlsplit

from flask import current_app, redirect, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import NotFound, SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

# Answered over plain HTTP with HTTPS=1 too: load balancers and Docker's HEALTHCHECK ask from the
# inside, without the proxy (Django: SECURE_REDIRECT_EXEMPT).
PLAIN_HTTP_PATHS = {"/healthz"}
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# The admin loads all from the site, Bootstrap's icons as data: images (Django's: none of those).
ADMIN_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def host_name(host):
    """The name in a Host header or an ALLOWED_HOSTS entry: no port, no brackets, lower case."""
    return urlsplit(f"//{host}").hostname or ""


def check_allowed_host():
    """400 unless the Host is in ALLOWED_HOSTS; "*" and ".domain" as in Django."""
    name = host_name(request.host)
    for allowed in current_app.config["ALLOWED_HOSTS"]:
        domain = host_name(allowed.removeprefix("."))
        subdomain = allowed.startswith(".") and name.endswith(f".{domain}")
        if name and (allowed == "*" or name == domain or subdomain):
            return
    raise SecurityError()


def redirect_to_https():
    """HTTPS=1: a 301 from plain http:// to the same URL on https:// (but PLAIN_HTTP_PATHS)."""
    if not (request.is_secure or request.path in PLAIN_HTTP_PATHS):
        return redirect(request.url.replace("http://", "https://", 1), code=301)
    return None


def refuse_extra_leading_slashes():
    """404 for a path starting "//", as in Django (Werkzeug would route //api/items)."""
    if request.environ["PATH_INFO"].startswith("//"):
        raise NotFound()


def is_admin_page():
    """Whether the request is for a page of the admin (Flask-Admin's static files are there too)."""
    return request.path.startswith("/admin/") and request.endpoint != "admin.static"


class AdminSessionInterface(SecureCookieSessionInterface):
    """Flask's cookie session, saved (with Vary: Cookie) by admin pages only: no other uses it."""

    def save_session(self, app, session, response):
        # Flask-Login reads the session after every request; Django saves it where a view used it.
        if is_admin_page():
            super().save_session(app, session, response)


def add_security_headers(response):
    """The security headers on every response; HSTS over HTTPS; Allow in alphabetical order."""
    response.headers.update(SECURITY_HEADERS)
    if is_admin_page():
        # Django: the admin's views are never_cache.
        response.headers["Cache-Control"] = "no-cache, no-store, must-revalidate, private"
        response.headers["Content-Security-Policy"] = ADMIN_CONTENT_SECURITY_POLICY
    # Only over HTTPS, as Django does: a browser ignores HSTS received over plain HTTP (RFC 6797).
    hsts = current_app.config["STRICT_TRANSPORT_SECURITY"]
    if hsts and request.is_secure:
        response.headers["Strict-Transport-Security"] = hsts
    if response.allow:
        # Flask's automatic OPTIONS and 405 list methods in the order the rules gave them.
        response.headers["Allow"] = ", ".join(sorted(response.allow))
    return response


def init_app(app):
    """Run the checks before every view (and routing's 404 or 405), the headers after."""
    # Django: CommonMiddleware checks the Host (Flask's TRUSTED_HOSTS cannot match [::1]).
    app.before_request(check_allowed_host)
    # X-Forwarded-For ends with what the TRUSTED_PROXIES proxies appended, the client's address
    # first; X-Forwarded-Proto only with HTTPS=1. Django: items.security.forwarded_for, SECURE_*.
    proxies, https = app.config["TRUSTED_PROXIES"], app.config["HTTPS"]
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=int(https))
    if https:
        # After the Host check, so that a redirect never names a host that is not allowed.
        app.before_request(redirect_to_https)
    app.before_request(refuse_extra_leading_slashes)
    app.after_request(add_security_headers)
    app.session_interface = AdminSessionInterface()
