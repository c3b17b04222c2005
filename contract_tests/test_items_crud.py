"""Create, read, replace, update and delete one item."""

import pytest

from contract_tests.helpers import MAX_ID, assert_error, assert_item_shape
from twin_servers.client import ITEM_PATH, JSON


def test_create_answers_201_with_the_item_and_a_location_path(api, unique_name):
    response = api.request(
        "POST", "/api/items", payload={"name": unique_name, "description": "d", "quantity": 3}
    )
    assert response.status_code == 201
    assert response.headers["Content-Type"] == JSON
    item = response.json()
    assert_item_shape(item)
    assert response.headers["Location"] == ITEM_PATH.format(id=item["id"])
    assert (item["name"], item["description"], item["quantity"]) == (unique_name, "d", 3)


def test_created_item_reads_back_the_same(api, item):
    response = api.get(ITEM_PATH.format(id=item["id"]))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == JSON
    assert response.json() == item


def test_new_items_get_increasing_ids(api, unique_name):
    first = api.create(name=f"{unique_name}-1")
    second = api.create(name=f"{unique_name}-2")
    assert second["id"] > first["id"]


def test_put_replaces_the_item_and_absent_fields_go_back_to_defaults(api, item, unique_name):
    payload = {"name": f"  {unique_name}-new  "}
    response = api.request("PUT", ITEM_PATH.format(id=item["id"]), payload=payload)
    assert response.status_code == 200
    replaced = response.json()
    assert_item_shape(replaced)
    assert replaced["name"] == f"{unique_name}-new"
    assert (replaced["description"], replaced["quantity"]) == ("", 0)
    assert (replaced["id"], replaced["created_at"]) == (item["id"], item["created_at"])
    assert replaced["updated_at"] > item["updated_at"]
    assert api.item(item["id"]) == replaced


def test_patch_changes_only_the_fields_it_names(api, item):
    response = api.request("PATCH", ITEM_PATH.format(id=item["id"]), payload={"quantity": 8})
    assert response.status_code == 200
    patched = response.json()
    assert patched == item | {"quantity": 8, "updated_at": patched["updated_at"]}
    assert patched["updated_at"] > item["updated_at"]
    assert api.item(item["id"]) == patched


@pytest.mark.parametrize(
    ("method", "repeated"),
    [
        ("PATCH", ()),
        ("PATCH", ("quantity",)),
        ("PATCH", ("name", "description")),
        ("PUT", ("name", "description", "quantity")),
    ],
    ids=["patch nothing", "patch same quantity", "patch same texts", "put same values"],
)
def test_a_write_that_repeats_stored_values_changes_nothing_not_even_updated_at(
    api, item, method, repeated
):
    payload = {key: item[key] for key in repeated}
    if "name" in payload:
        payload["name"] = f"  {item['name']} "  # the same name once trimmed
    response = api.request(method, ITEM_PATH.format(id=item["id"]), payload=payload)
    assert response.status_code == 200
    assert response.json() == item
    assert api.item(item["id"]) == item


def test_delete_answers_204_with_an_empty_body_and_the_item_is_gone(api, item):
    path = ITEM_PATH.format(id=item["id"])
    response = api.request("DELETE", path)
    assert response.status_code == 204
    assert response.content == b""
    assert_error(api.get(path), 404, "not_found")
    assert_error(api.request("DELETE", path), 404, "not_found")
    assert_error(api.request("PATCH", path, payload={}), 404, "not_found")


def test_a_deleted_name_can_be_used_again(api, item):
    api.request("DELETE", ITEM_PATH.format(id=item["id"]))
    assert api.create(name=item["name"])["name"] == item["name"]


@pytest.mark.parametrize(
    "item_id", ["abc", "0", "-1", "01", "+1", str(2**63), "1.5", "1e3", "%201", "\uff11"]
)
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_malformed_ids_are_404_before_any_other_check(api, method, item_id):
    response = api.request(method, f"/api/items/{item_id}", authorization=None, body=b"{")
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_a_well_formed_unknown_id_is_404(api, unique_name, method):
    payload = None if method in ("GET", "DELETE") else {"name": unique_name}
    response = api.request(method, ITEM_PATH.format(id=MAX_ID), payload=payload)
    assert_error(response, 404, "not_found")


def test_an_item_path_with_a_trailing_slash_is_404(api, item):
    assert_error(api.get(ITEM_PATH.format(id=item["id"]) + "/"), 404, "not_found")
