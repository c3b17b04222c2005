"""Item's JSON form (timestamps) and its name as the admin shows it."""

from datetime import UTC, datetime

import pytest

from items.models import Item

pytestmark = pytest.mark.django_db


def test_a_new_item_gets_both_timestamps_in_the_contract_format():
    item = Item.objects.create(name="Kettle")
    assert item.updated_at >= item.created_at
    assert item.to_dict()["created_at"] == item.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_timestamps_are_utc_with_six_digits_and_z():
    item = Item(name="Kettle", created_at=datetime(2026, 11, 21, 9, 30, tzinfo=UTC))
    item.updated_at = item.created_at
    assert item.to_dict()["created_at"] == "2026-11-21T09:30:00.000000Z"


def test_str_is_the_name():
    assert str(Item(name="Kettle")) == "Kettle"
