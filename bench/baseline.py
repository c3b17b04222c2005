"""Bare-WSGI baseline for `make bench`: the twins' GET /api/data answer with no framework at all.

It answers the same JSON body and the same headers as the twins' /api/data (security headers
included), so the only difference left in the comparison is the framework. Served with the same
gunicorn.conf.py as the twins:
    cd bench && gunicorn --config ../gunicorn.conf.py baseline:app
"""

import json

DATA = {"message": "Hello, this is some data!", "framework": "wsgi"}
SECURITY_HEADERS = [
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
]
NOT_FOUND = b'{"error": {"code": "not_found", "message": "Not found."}}'


def app(environ, start_response):
    """Answer GET /api/data like the twins do, and 404 for anything else."""
    if environ["PATH_INFO"] == "/api/data" and environ["REQUEST_METHOD"] == "GET":
        # Serialised per request, as the frameworks do, rather than cached once.
        status, body = "200 OK", json.dumps(DATA).encode()
    else:
        status, body = "404 Not Found", NOT_FOUND
    headers = [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(body))),
        *SECURITY_HEADERS,
    ]
    start_response(status, headers)
    return [body]
