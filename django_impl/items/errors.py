"""Error responses: the JSON envelope under /api/ and /healthz, an HTML page everywhere else."""

import logging

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import OperationalError
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """An error answer: HTTP status, envelope code, message, and field errors for 400/422/409."""

    def __init__(self, status, code, message, fields=None, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
        self.headers = headers or {}

    def to_dict(self):
        """The JSON error envelope."""
        error = {"code": self.code, "message": self.message}
        if self.fields:
            error["fields"] = self.fields
        return {"error": error}


def wants_json(request):
    """Whether errors on this path are JSON: everything under /api/, and /healthz.

    However many slashes lead: //api/items is refused with the API's 404, not a page.
    """
    # Django: path_info, not path, is the path below the mount point, like Flask's request.path.
    path = "/" + request.path_info.lstrip("/")
    return path.startswith("/api/") or path == "/healthz"


def error_response(request, error):
    """The response for an ApiError: the JSON envelope or the items/error.html page."""
    if wants_json(request):
        response = JsonResponse(error.to_dict(), status=error.status)
    else:
        context = {"status": error.status, "message": error.message}
        response = render(request, "items/error.html", context, status=error.status)
    for name, value in error.headers.items():
        response[name] = value
    return response


class ErrorMiddleware:
    """Answer ApiError and an unreachable database from any view (Flask: errorhandlers)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        """Turn the exceptions the error envelope knows into responses; leave the rest to 500."""
        if isinstance(exception, ApiError):
            return error_response(request, exception)
        if isinstance(exception, Http404) and wants_json(request):
            # get_object_or_404(): with DEBUG=1 Django would answer with its HTML debug page,
            # while the API answers JSON in every mode, as Flask's errorhandlers do.
            return error_response(request, ApiError(404, "not_found", "Not found."))
        if isinstance(exception, OperationalError):
            logger.error("Database unavailable: %s", exception)
            return error_response(
                request, ApiError(503, "unavailable", "The database is unavailable.")
            )
        return None


# Django's handler400/404/500 (wired in config/urls.py); Flask registers errorhandlers instead.
# None may call request.get_host(): for a bad Host header that raises again.


def bad_request(request, exception):
    """400: a Host outside ALLOWED_HOSTS, or another request Django refused before any view."""
    if not isinstance(exception, DisallowedHost):
        return error_response(request, ApiError(400, "bad_request", "Bad request."))
    # With HTTPS=1, SecurityMiddleware reads the Host for its redirect, and its own headers are
    # skipped when that raises: they are set here (it only adds those missing).
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": settings.SECURE_REFERRER_POLICY,
        "Cross-Origin-Opener-Policy": settings.SECURE_CROSS_ORIGIN_OPENER_POLICY,
    }
    message = "The Host header is not allowed."
    return error_response(request, ApiError(400, "bad_request", message, headers=headers))


@csrf_exempt
def api_not_found(request, path):
    """Any other path under /api/: a JSON 404 for every method, where DEBUG=1's would be HTML.

    Django shows its debug page for a path no pattern matches; Flask's errorhandler never does.
    """
    raise ApiError(404, "not_found", "Not found.")


def page_not_found(request, exception):
    """404: no URL pattern matched (a malformed item id included), or get_object_or_404 missed."""
    return error_response(request, ApiError(404, "not_found", "Not found."))


def server_error(request):
    """500: an unexpected exception; never a traceback in the body."""
    return error_response(request, ApiError(500, "internal_error", "Internal server error."))
