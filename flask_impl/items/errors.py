"""Error responses: the JSON envelope under /api/ and /healthz, an HTML page everywhere else."""

from flask import Response, current_app, render_template, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, SecurityError

# Envelope code and message of the errors Werkzeug raises itself (routing, body size, bad Host)
# and of the 500 Flask makes of an unhandled exception, in Django's words.
HTTP_ERRORS = {
    400: ("bad_request", "Bad request."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "Method {method} not allowed."),
    413: ("payload_too_large", "The body is larger than 1 MiB."),
    500: ("internal_error", "Internal server error."),
}


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


def wants_json():
    """Whether errors on this path are JSON: everything under /api/, and /healthz.

    However many slashes lead: //api/items is refused with the API's 404, not a page.
    """
    # The path as sent: Werkzeug's request.path would already make a leading "//" one "/".
    path = "/" + request.environ["PATH_INFO"].lstrip("/")
    return path.startswith("/api/") or path == "/healthz"


def error_response(error):
    """The response for an ApiError: the JSON envelope or the items/error.html page."""
    if wants_json():
        response = current_app.json.response(error.to_dict())
    else:
        page = render_template("items/error.html", status=error.status, message=error.message)
        response = Response(page, mimetype="text/html")
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def handle_http_exception(error):
    """Werkzeug's own errors (no route, 405, body too large, bad Host) in the envelope or a page.

    An unhandled exception arrives here as a 500, after Flask has logged it; with DEBUG=1 Flask
    lets Werkzeug's debugger show it instead, as Django shows its debug page.
    """
    status = error.code or 500
    code, message = HTTP_ERRORS.get(status, ("error", error.name))
    message = message.format(method=request.method)
    headers = {}
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    if isinstance(error, SecurityError):
        message = "The Host header is not allowed."
    return error_response(ApiError(status, code, message, headers=headers))


def handle_database_unavailable(error):
    """503 when the database cannot be reached."""
    current_app.logger.error("Database unavailable: %s", error.orig)
    return error_response(ApiError(503, "unavailable", "The database is unavailable."))


def register_error_handlers(app):
    """Answer errors (Django: ErrorMiddleware and config/urls.py's handler400/404/500)."""
    app.register_error_handler(ApiError, error_response)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(OperationalError, handle_database_unavailable)
