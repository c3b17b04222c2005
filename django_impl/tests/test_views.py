"""Answers that need the project's wiring, beyond what the contract suite sees with DEBUG=0."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/nope", "/api/items/", "/api/items/abc", "/api/items/999"])
def test_api_404s_are_json_with_debug_on_too(client, settings, path):
    settings.DEBUG = True
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.urls("tests.failing_urls")
@pytest.mark.parametrize(
    ("path", "content_type", "marker"),
    [
        ("/api/boom", "application/json", b'"code": "internal_error"'),
        ("/boom", "text/html; charset=utf-8", b"<h2>500</h2>"),
    ],
)
def test_an_unexpected_error_is_a_500_without_details(client, caplog, path, content_type, marker):
    # The test client raises a view's exception by default; in production Django answers a 500.
    client.raise_request_exception = False
    response = client.get(path)
    assert response.status_code == 500
    assert response["Content-Type"] == content_type
    assert marker in response.content
    assert b"secret detail" not in response.content
    assert "secret detail" in caplog.text, "the traceback goes to the log"
