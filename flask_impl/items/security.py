"""Hardening: hosts, HTTPS, headers, the login's `next` (Django: MIDDLEWARE, SECURE_* settings)."""

import re
import unicodedata
from urllib.parse import urlsplit

from flask import current_app, redirect, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import NotFound, SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.urls import iri_to_uri

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
# Django's host_validation_re: a name or a bracketed IPv6 address, then the port's digits.
HOST = re.compile(r"([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(?::[0-9]+)?")
# Django's limit: a longer `next` is not followed (urlsplit normalises it slowly).
MAX_URL_LENGTH = 2048


def host_name(host):
    """The name in a Host header or an ALLOWED_HOSTS entry, read as Django's split_domain_port().

    Lower case, no port, and no trailing dot: "localhost." is the fully qualified "localhost".
    """
    name = HOST.fullmatch(host.lower())
    return name[1].removesuffix(".") if name else ""


def check_allowed_host():
    """400 unless the Host is in ALLOWED_HOSTS; "*" and ".domain" as in Django."""
    # Werkzeug reads a Host whose port no URL can carry (0, a leading 0, over 65535) as none, so
    # that it is refused; it would build its redirects to http:///path (Django: valid_port).
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


def is_safe_url(url, allowed_hosts, require_https=False):
    """Whether a login may go on to url: Django's url_has_allowed_host_and_scheme(), ported.

    Flask and Flask-Login have no such check. Django's reads the url as browsers do, not as
    urlsplit does: leading spaces dropped, a backslash taken for a slash, ////x for //x.
    """
    try:
        # What Werkzeug will send: it splits the Location and joins it again, dropping tabs and
        # line breaks, so "/\\n///x", a path, would leave as //x (Django's only percent-encodes).
        location = iri_to_uri(url)
    except ValueError:
        return False
    url = url.strip()
    return bool(url) and all(
        has_allowed_host_and_scheme(reading, allowed_hosts, require_https)
        for reading in (url, url.replace("\\", "/"), location)
        # Werkzeug drops an empty query or fragment: "?" leaves as "", this page again.
        if reading
    )


def has_allowed_host_and_scheme(url, allowed_hosts, require_https):
    """Django's _url_has_allowed_host_and_scheme(): one reading of the url."""
    # Browsers take three or more slashes for two (another host); urlsplit takes a path.
    if url.startswith("///") or len(url) > MAX_URL_LENGTH:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    # http:///x: a scheme without a host, where browsers read x as the host.
    if parts.scheme and not parts.netloc:
        return False
    # Browsers skip control characters at the start, so "\x01//x" is //x to them.
    if unicodedata.category(url[0])[0] == "C":
        return False
    # A URL without a scheme but with a host (//x) is http.
    scheme = parts.scheme or ("http" if parts.netloc else "")
    schemes = ("https",) if require_https else ("http", "https")
    return (not parts.netloc or parts.netloc in allowed_hosts) and (not scheme or scheme in schemes)


def is_admin_page():
    """Whether the request is for a page of the admin (Flask-Admin's static files are there too)."""
    return request.path.startswith("/admin/") and request.endpoint != "admin.static"


def check_origin():
    """400 for a POST to the admin from another site's page (Django: CsrfViewMiddleware).

    Flask-WTF checks the token only; Django also refuses an Origin other than the site's own.
    A request without Origin goes on to the token check, as in Django over plain HTTP.
    """
    site = request.host_url.removesuffix("/")
    if request.method == "POST" and is_admin_page() and request.headers.get("Origin", site) != site:
        raise CSRFError("The Origin is not this site.")


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
    app.before_request(check_origin)
    app.after_request(add_security_headers)
    app.session_interface = AdminSessionInterface()
