"""Exercise 1: every item has a price, in cents (docs/workshop.md). EXERCISE=1 make test-both."""

import pytest

from contract_tests.helpers import assert_error, expected
from twin_servers.client import ITEM_PATH

pytestmark = pytest.mark.exercise(1)

PRICE_MAX = 100_000_000  # cents: one million in the shop's currency


def test_a_new_item_costs_nothing_unless_it_says_so(api, unique_name):
    assert api.create(name=unique_name)["price"] == 0


@pytest.mark.parametrize("price", [0, 1999, PRICE_MAX])
def test_a_price_is_stored_and_read_back(api, unique_name, price):
    item = api.create(name=unique_name, price=price)
    assert item["price"] == price
    assert api.item(item["id"])["price"] == price


def test_patch_changes_the_price_and_put_puts_it_back_to_zero(api, unique_name):
    item = api.create(name=unique_name, price=250)
    path = ITEM_PATH.format(id=item["id"])
    assert api.request("PATCH", path, payload={"price": 300}).json()["price"] == 300
    assert api.request("PUT", path, payload={"name": unique_name}).json()["price"] == 0


@pytest.mark.parametrize(
    "price",
    [-1, PRICE_MAX + 1, 19.99, "1999", True, None],
    ids=["negative", "too high", "a float", "a string", "a boolean", "null"],
)
def test_an_invalid_price_is_a_422_naming_it(api, unique_name, price):
    # A valid price first: before the price exists, any price is refused as an unknown field.
    valid = api.request("POST", "/api/items", payload={"name": unique_name, "price": 1999})
    assert valid.status_code == 201, expected("status for a valid price", 201, valid.status_code)
    other = f"{unique_name}-x"
    response = api.request("POST", "/api/items", payload={"name": other, "price": price})
    assert_error(response, 422, "validation_error", fields={"price"})
