"""The item rules: JSON types first (check_item_types), then ItemForm's field rules."""

import pytest

from items.api import check_item_types, validate_item
from items.errors import ApiError
from items.forms import ItemForm
from items.models import DESCRIPTION_MAX_LENGTH, NAME_MAX_LENGTH, QUANTITY_MAX, Item


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": None}, "name"),
        ({"name": 5}, "name"),
        ({"name": "\ud800"}, "name"),
        ({"name": "ok", "description": ["x"]}, "description"),
        ({"name": "ok", "quantity": "3"}, "quantity"),
        ({"name": "ok", "quantity": 3.5}, "quantity"),
        ({"name": "ok", "quantity": True}, "quantity"),
        ({"name": "ok", "id": 1}, "id"),
        ({"name": "ok", "created_at": "2026-01-01T00:00:00.000000Z"}, "created_at"),
        ({"name": "ok", "is_admin": True}, "is_admin"),
        ({"quantity": 1}, "name"),
    ],
)
def test_type_errors_name_the_field(payload, field):
    assert list(check_item_types(payload, partial=False)) == [field]


def test_a_partial_payload_needs_no_name():
    assert check_item_types({"quantity": 1}, partial=True) == {}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * (NAME_MAX_LENGTH + 1)}, "name"),
        ({"name": "tab\there"}, "name"),
        ({"name": "ok", "description": "x" * (DESCRIPTION_MAX_LENGTH + 1)}, "description"),
        ({"name": "ok", "description": "nul\x00"}, "description"),
        ({"name": "ok", "quantity": -1}, "quantity"),
        ({"name": "ok", "quantity": QUANTITY_MAX + 1}, "quantity"),
    ],
)
def test_item_form_rejects(data, field):
    form = ItemForm(data=Item.defaults() | data)
    assert not form.validate()
    assert list(form.errors) == [field]


@pytest.mark.parametrize(
    "data",
    [
        {"name": "x" * NAME_MAX_LENGTH, "description": "d" * DESCRIPTION_MAX_LENGTH},
        {"name": "Café crème", "description": "line one\nline two", "quantity": QUANTITY_MAX},
        {"name": "  padded  ", "quantity": 0},
    ],
)
def test_item_form_accepts(data):
    assert ItemForm(data=Item.defaults() | data).validate()


def test_validate_item_trims_the_name_and_fills_the_models_defaults():
    item = validate_item({"name": "  Mug "}, partial=False)
    assert ItemForm(obj=item).data == Item.defaults() | {"name": "Mug"}


def test_validate_item_reports_every_bad_field_at_once():
    payload = {"name": "\x07", "description": 7, "quantity": -1, "colour": "red"}
    with pytest.raises(ApiError) as raised:
        validate_item(payload, partial=False)
    assert raised.value.status == 422
    assert set(raised.value.fields) == {"name", "description", "quantity", "colour"}
