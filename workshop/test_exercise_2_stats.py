"""Exercise 2: GET /api/stats, how many items and units are in stock (docs/workshop.md).

EXERCISE=2 make test-both.
"""

import pytest

from contract_tests.helpers import assert_error, expected
from twin_servers.client import JSON

pytestmark = pytest.mark.exercise(2)


def stats(api) -> dict:
    """The stats as the twin answers them now."""
    response = api.get("/api/stats")
    assert response.status_code == 200, expected("status of /api/stats", 200, response.status_code)
    assert response.headers["Content-Type"] == JSON
    return response.json()


def test_stats_count_the_items_and_add_up_their_quantities(api, unique_name):
    before = stats(api)
    assert set(before) == {"items", "quantity"}
    api.create(name=unique_name, quantity=7)
    assert stats(api) == {"items": before["items"] + 1, "quantity": before["quantity"] + 7}


def test_stats_of_an_empty_database_are_zeros_not_null(empty_api):
    # SQL's SUM of no rows is NULL.
    got = stats(empty_api)
    assert got == {"items": 0, "quantity": 0}, expected("stats", {"items": 0, "quantity": 0}, got)


def test_stats_answer_options_with_allow(api):
    response = api.request("OPTIONS", "/api/stats", authorization=None)
    assert response.status_code == 200
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_stats_are_read_only(api, method):
    response = api.request(method, "/api/stats", authorization=None)
    assert_error(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
