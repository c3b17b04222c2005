"""DEBUG=1, as in development: the API's errors are still its JSON envelope, never a debug page.

Django answers a path no pattern matches, and an exception its views raise, with its HTML debug
pages in that mode; Flask's error handlers answer the same way in both modes.
"""

import pytest

from contract_tests.helpers import MAX_ID, assert_error
from twin_servers.client import ITEM_PATH

# (method, path, options of Api.request, status, code, fields)
API_ERRORS = {
    "unknown path": ("GET", "/api/nope", {}, 404, "not_found", ()),
    "leading slashes": ("GET", "//api/items", {}, 404, "not_found", ()),
    "malformed id": ("GET", "/api/items/abc", {}, 404, "not_found", ()),
    "unknown id": ("GET", ITEM_PATH.format(id=MAX_ID), {}, 404, "not_found", ()),
    "method": ("DELETE", "/api/data", {}, 405, "method_not_allowed", ()),
    "token": (
        "POST",
        "/api/items",
        {"payload": {}, "authorization": None},
        401,
        "unauthorized",
        (),
    ),
    "query parameter": (
        "GET",
        "/api/items",
        {"params": {"limit": "x"}},
        400,
        "bad_request",
        {"limit"},
    ),
    "malformed JSON": ("POST", "/api/items", {"body": b"{"}, 400, "bad_request", ()),
    "validation": (
        "POST",
        "/api/items",
        {"payload": {"name": ""}},
        422,
        "validation_error",
        {"name"},
    ),
}


@pytest.mark.parametrize(
    ("method", "path", "options", "status", "code", "fields"),
    list(API_ERRORS.values()),
    ids=list(API_ERRORS),
)
def test_with_debug_api_errors_are_the_json_envelope(
    debug_api, method, path, options, status, code, fields
):
    assert_error(debug_api.request(method, path, **options), status, code, fields)
