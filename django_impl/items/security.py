"""The client's address behind proxies, the Host's port, the admin's CSP; the rest: settings."""

import contextlib
import ipaddress
import re

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http.request import split_domain_port

from items.views import CONTENT_SECURITY_POLICY


def forwarded_for(get_response):
    """Middleware: REMOTE_ADDR becomes the client's address, for axes and the access log.

    With TRUSTED_PROXIES=N, the Nth address from the end of X-Forwarded-For, which the first of
    the N proxies appended; anyone could send the ones before (Flask: ProxyFix(x_for=N)). Not an
    address, it is ignored: axes stores REMOTE_ADDR in an inet column on PostgreSQL.
    """

    def middleware(request):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if 0 < settings.TRUSTED_PROXIES <= len(forwarded):
            with contextlib.suppress(ValueError):
                address = ipaddress.ip_address(forwarded[-settings.TRUSTED_PROXIES].strip())
                request.META["REMOTE_ADDR"] = str(address)
        return get_response(request)

    return middleware


# A port as a URL carries it (Werkzeug's reading): 1 to 65535, no leading 0.
PORT = re.compile(r"[1-9][0-9]{0,4}")


def valid_port(get_response):
    """Middleware: a Host whose port no URL can carry (0, 080, 99999) is a 400, as in Flask.

    Django takes any digits as the port; Werkzeug reads such a Host as none, and would build the
    Flask twin's redirects to http:///path.
    """

    def middleware(request):
        _, port = split_domain_port(request.META.get("HTTP_HOST", ""))
        if port and not (PORT.fullmatch(port) and int(port) <= 65535):
            raise DisallowedHost(f"Invalid HTTP_HOST header: the port {port} is no TCP port.")
        return get_response(request)

    return middleware


def forwarded_proto(get_response):
    """Middleware: X-Forwarded-Proto becomes its last value, the one the trusted proxy set.

    SECURE_PROXY_SSL_HEADER reads the first, which a client can send ahead of the proxy's when the
    proxy appends rather than overwrites (Flask: ProxyFix(x_proto=1) reads the last).
    """

    def middleware(request):
        if proto := request.META.get("HTTP_X_FORWARDED_PROTO"):
            request.META["HTTP_X_FORWARDED_PROTO"] = proto.rsplit(",", 1)[-1].strip()
        return get_response(request)

    return middleware


def admin_content_security_policy(get_response):
    """Middleware: the home page's CSP on every page of the admin too (Flask: security.py)."""

    def middleware(request):
        response = get_response(request)
        if request.path.startswith("/admin/"):
            response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response

    return middleware
