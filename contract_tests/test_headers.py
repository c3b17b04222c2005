"""Security headers and content types on every kind of response."""

import pytest

from contract_tests.helpers import HTML, UNKNOWN_ID, assert_security_headers, header_values
from twin_servers.client import JSON

UNKNOWN_ITEM = f"/api/items/{UNKNOWN_ID}"
# (method, path, request options, Content-Type of the answer or None for no body). Requests carry
# the API token unless the options say otherwise.
RESPONSES = [
    pytest.param("GET", "/", {}, HTML, id="home"),
    pytest.param("GET", "/api/data", {}, JSON, id="api data"),
    pytest.param("GET", "/healthz", {}, JSON, id="healthz"),
    pytest.param("GET", "/api/items", {}, JSON, id="item list"),
    pytest.param("POST", "/api/items", {"payload": {"name": ""}}, JSON, id="422"),
    pytest.param("GET", "/nope", {}, HTML, id="404 html"),
    pytest.param("GET", UNKNOWN_ITEM, {}, JSON, id="404 json"),
    pytest.param("DELETE", "/api/items", {}, JSON, id="405"),
    pytest.param("POST", "/", {}, HTML, id="405 html"),
    pytest.param("POST", "/api/items", {"authorization": None, "payload": {}}, JSON, id="401"),
    pytest.param("POST", "/api/items", {"body": b"{"}, JSON, id="400"),
    pytest.param("GET", "/api/data", {"headers": {"Host": "evil.example"}}, JSON, id="bad host"),
    pytest.param("OPTIONS", "/api/items", {}, None, id="options"),
    pytest.param("HEAD", "/api/items", {}, None, id="head"),
]


@pytest.mark.parametrize(("method", "path", "options", "content_type"), RESPONSES)
def test_every_response_carries_the_security_headers(api, method, path, options, content_type):
    assert_security_headers(api.request(method, path, **options))


@pytest.mark.parametrize(("method", "path", "options", "content_type"), RESPONSES)
def test_every_body_has_the_content_type_of_its_kind(api, method, path, options, content_type):
    response = api.request(method, path, **options)
    if content_type is None:
        assert response.content == b""
    else:
        assert response.headers["Content-Type"] == content_type


@pytest.mark.parametrize(("method", "path", "options", "content_type"), RESPONSES)
def test_no_response_outside_the_admin_varies_by_cookie(api, method, path, options, content_type):
    assert "cookie" not in header_values(api.request(method, path, **options), "Vary")
