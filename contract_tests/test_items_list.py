"""GET /api/items: shape, order, paging, the q filter and the rules of the query parameters."""

import pytest

from contract_tests.helpers import MAX_ID, assert_error, assert_item_shape
from twin_servers.client import JSON


@pytest.fixture
def created(api, unique_name):
    """Factory: create items named `<unique_name>-<suffix>` and return them in creation order."""
    return lambda *suffixes: [api.create(name=f"{unique_name}-{suffix}") for suffix in suffixes]


def listing(api, **params) -> dict:
    """The list answer for these parameters; it must be a 200 JSON answer."""
    response = api.get("/api/items", params=params)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["Content-Type"] == JSON
    return response.json()


def test_list_has_items_count_limit_and_offset_with_ids_ascending(api, created, unique_name):
    items = created(*range(3))
    answer = listing(api, q=unique_name)
    assert answer == {"items": items, "count": 3, "limit": 20, "offset": 0}
    for item in answer["items"]:
        assert_item_shape(item)


def test_list_is_in_ascending_id_order_without_a_filter(api, created):
    created("a", "b")
    ids = [item["id"] for item in listing(api, limit=100)["items"]]
    assert ids == sorted(ids)


def test_limit_defaults_to_20_and_count_is_the_total_matching(api, created, unique_name):
    items = created(*range(21))
    answer = listing(api, q=unique_name)
    assert (answer["items"], answer["count"], answer["limit"]) == (items[:20], 21, 20)


@pytest.mark.parametrize(
    ("limit", "offset", "expected"), [(1, 0, [0]), (100, 0, [0, 1, 2]), (2, 1, [1, 2]), (5, 3, [])]
)
def test_limit_and_offset_page_through_the_matching_items(
    api, created, unique_name, limit, offset, expected
):
    items = created(*range(3))
    answer = listing(api, q=unique_name, limit=limit, offset=offset)
    assert answer == {
        "items": [items[index] for index in expected],
        "count": 3,
        "limit": limit,
        "offset": offset,
    }


@pytest.mark.parametrize("offset", [10**9, MAX_ID])
def test_a_huge_offset_gives_an_empty_page(api, created, unique_name, offset):
    created("only")
    assert listing(api, q=unique_name, offset=offset) == {
        "items": [],
        "count": 1,
        "limit": 20,
        "offset": offset,
    }


def test_q_is_a_case_insensitive_substring_of_the_name(api, created, unique_name):
    mixed, _ = created("MiXeD", "other")
    for q in (f"{unique_name}-mixed", f"{unique_name}-MIXED".upper(), f"{unique_name}-MiXeD"):
        assert listing(api, q=q)["items"] == [mixed]


@pytest.mark.parametrize(
    ("suffixes", "q_suffix", "expected"),
    [
        (["100%", "1000"], "100%", "100%"),
        (["a_b", "axb"], "a_b", "a_b"),
        (["a\\b", "ab"], "a\\b", "a\\b"),
    ],
    ids=["percent", "underscore", "backslash"],
)
def test_q_treats_like_wildcards_literally(api, created, unique_name, suffixes, q_suffix, expected):
    created(*suffixes)
    answer = listing(api, q=f"{unique_name}-{q_suffix}")
    assert [item["name"] for item in answer["items"]] == [f"{unique_name}-{expected}"]
    assert answer["count"] == 1


def test_q_of_100_characters_is_fine(api):
    assert listing(api, q="q" * 100)["count"] == 0


def test_unknown_parameters_are_ignored(api, created, unique_name):
    items = created("x")
    assert listing(api, q=unique_name, sort="name", page=3)["items"] == items


@pytest.mark.parametrize(
    ("param", "value"),
    [
        *[("limit", value) for value in ("0", "101", "-1", "abc", "+5", " 5", "1.5", "", "\u0661")],
        *[("offset", value) for value in ("-1", "abc", "+1", "1.5", "", str(MAX_ID + 1))],
        *[("q", value) for value in ("q" * 101, "a\x00b", "a\x1fb", "a\x7fb")],
    ],
)
def test_invalid_query_parameters_are_400_naming_the_parameter(api, param, value):
    response = api.get("/api/items", params={param: value})
    assert_error(response, 400, "bad_request", {param})


@pytest.mark.parametrize(("param", "value"), [("limit", "5"), ("offset", "0"), ("q", "x")])
def test_a_parameter_given_twice_is_400(api, param, value):
    response = api.get("/api/items", params=[(param, value), (param, value)])
    assert_error(response, 400, "bad_request", {param})
