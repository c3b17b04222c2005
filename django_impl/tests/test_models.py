"""The item rules, declared once as the model's field validators, checked through full_clean."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from items.models import DESCRIPTION_MAX_LENGTH, NAME_MAX_LENGTH, QUANTITY_MAX, Item

# full_clean also checks the CHECK constraint, which asks the database.
pytestmark = pytest.mark.django_db


def clean(**fields):
    """Build an item from the valid defaults plus fields, and run the model's rules on it."""
    item = Item(**{"name": "Mug", "description": "", "quantity": 0} | fields)
    item.full_clean(validate_unique=False)
    return item


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "x"},
        {"name": "n" * NAME_MAX_LENGTH},
        {"name": "Café crème ⇄ 漢字"},
        {"description": "d" * DESCRIPTION_MAX_LENGTH},
        {"description": "tabs\tand\nnewlines are fine here"},
        {"quantity": 0},
        {"quantity": QUANTITY_MAX},
    ],
)
def test_valid_items_pass(fields):
    clean(**fields)


@pytest.mark.parametrize(
    ("fields", "bad_field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "n" * (NAME_MAX_LENGTH + 1)}, "name"),
        ({"name": "tab\tinside"}, "name"),
        ({"name": "nul\x00inside"}, "name"),
        ({"name": "del\x7finside"}, "name"),
        ({"description": "d" * (DESCRIPTION_MAX_LENGTH + 1)}, "description"),
        ({"description": "nul\x00inside"}, "description"),
        ({"quantity": -1}, "quantity"),
        ({"quantity": QUANTITY_MAX + 1}, "quantity"),
    ],
)
def test_invalid_items_name_the_bad_field(fields, bad_field):
    with pytest.raises(ValidationError) as caught:
        clean(**fields)
    assert list(caught.value.message_dict) == [bad_field]


def test_name_is_trimmed_before_the_rules_run():
    assert clean(name=f"  {'n' * NAME_MAX_LENGTH}\n").name == "n" * NAME_MAX_LENGTH


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
