"""The item rules, declared once as the model's field validators, checked through full_clean."""

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
