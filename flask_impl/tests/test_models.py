"""Item's JSON form (key order, timestamps); User's password hashing."""

import re
from datetime import UTC, datetime

from items.forms import ItemForm
from items.models import Item, User, as_json, db

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")


def test_to_dict_keys_and_timestamps(app):
    with app.app_context():
        item = Item(name="Mug", description="", quantity=1)
        db.session.add(item)
        db.session.commit()
        data = item.to_dict()
    assert set(data) == {"id", "created_at", "updated_at"} | {field.name for field in ItemForm()}
    assert next(iter(data)) == "id"
    assert TIMESTAMP.fullmatch(data["created_at"])
    assert data["updated_at"] >= data["created_at"]


def test_timestamps_always_have_six_digits_and_a_z():
    assert as_json(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05.000000Z"


def test_a_naive_stored_time_is_read_as_utc():
    assert as_json(datetime(2026, 1, 2, 3, 4, 5, 6)) == "2026-01-02T03:04:05.000006Z"


def test_an_item_shows_its_name():
    assert str(Item(name="Mug")) == "Mug"


def test_a_user_keeps_a_salted_hash_of_the_password():
    first, second = User(username="boss"), User(username="boss")
    first.set_password("secret")
    second.set_password("secret")
    assert "secret" not in first.password
    assert first.password != second.password
    assert first.check_password("secret")
    assert not first.check_password("Secret")
    assert str(first) == "boss"
