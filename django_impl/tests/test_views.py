"""Answers that need the project's wiring, beyond what the contract suite sees with DEBUG=0."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/nope", "/api/items/", "/api/items/abc", "/api/items/999"])
def test_api_404s_are_json_with_debug_on_too(client, settings, path):
    settings.DEBUG = True
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
