"""HEAD, OPTIONS and 405 on every path, with the exact Allow header."""

import pytest

from contract_tests.helpers import ALLOW, HTML, UNKNOWN_ID, assert_error
from twin_servers.client import ITEM_PATH

PATHS = list(ALLOW)


@pytest.fixture
def path_of(item):
    """Turns a path template into a real path (an existing item for /api/items/{id})."""
    return lambda template: template.format(id=item["id"])


@pytest.mark.parametrize("template", PATHS)
def test_options_answers_200_with_an_empty_body_and_the_exact_allow(api, path_of, template):
    response = api.request("OPTIONS", path_of(template), authorization=None)
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["Allow"] == ALLOW[template]


@pytest.mark.parametrize("template", PATHS)
def test_head_answers_like_get_with_the_same_headers(api, path_of, template):
    get = api.get(path_of(template))
    head = api.request("HEAD", path_of(template), authorization=None)
    assert head.status_code == get.status_code == 200
    assert without_date(head.headers) == without_date(get.headers)


@pytest.mark.parametrize("template", PATHS)
def test_head_sends_no_body_on_the_wire(api, path_of, template):
    answer = api.raw(f"HEAD {path_of(template)} HTTP/1.1")
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.split()[1] == b"200"
    assert rest.partition(b"\r\n\r\n")[2] == b""


@pytest.mark.parametrize(
    ("method", "template"),
    [
        ("DELETE", "/api/items"),
        ("PUT", "/api/items"),
        ("PATCH", "/api/items"),
        ("POST", ITEM_PATH),
        ("POST", "/api/data"),
        ("DELETE", "/api/data"),
        ("POST", "/api/openapi.json"),
        ("PUT", "/healthz"),
        ("POST", "/healthz"),
    ],
)
def test_unsupported_methods_get_405_with_the_exact_allow_and_the_envelope(api, method, template):
    response = api.request(method, template.format(id=UNKNOWN_ID), payload={"name": "x"})
    assert_error(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == ALLOW[template]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_unsupported_methods_on_the_home_page_get_an_html_405_with_allow(api, method):
    response = api.request(method, "/", authorization=None)
    assert response.status_code == 405
    assert response.headers["Content-Type"] == HTML
    assert response.headers["Allow"] == ALLOW["/"]


def without_date(headers) -> dict:
    """Response headers minus Date, which may tick between two requests."""
    return {name.lower(): value for name, value in headers.items() if name.lower() != "date"}


def test_options_on_an_id_no_item_has_is_the_404_envelope_as_get(api, item):
    path = ITEM_PATH.format(id=item["id"])
    assert api.request("DELETE", path).status_code == 204
    for target in (path, ITEM_PATH.format(id=UNKNOWN_ID)):
        assert_error(api.request("OPTIONS", target, authorization=None), 404, "not_found")
