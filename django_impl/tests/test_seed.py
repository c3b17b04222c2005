"""`manage.py seed`: loads seed/items.json once, validating every item with the API's rules."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from items.management.commands.seed import DEFAULT_SEED_PATH
from items.models import Item

pytestmark = pytest.mark.django_db


def seed(*args):
    """Run the seed command and return what it printed."""
    output = StringIO()
    call_command("seed", *args, stdout=output)
    return output.getvalue()


def test_seed_loads_the_repository_file_once():
    count = len(json.loads(DEFAULT_SEED_PATH.read_text(encoding="utf-8")))
    assert seed() == f"Seeded {count} new items (0 already there).\n"
    assert seed() == f"Seeded 0 new items ({count} already there).\n"
    assert Item.objects.count() == count


def test_seed_skips_names_that_exist(tmp_path):
    Item.objects.create(name="Mug")
    path = tmp_path / "items.json"
    path.write_text(json.dumps([{"name": " Mug "}, {"name": "Jar", "quantity": 2}]))
    assert seed(str(path)) == "Seeded 1 new items (1 already there).\n"


@pytest.mark.parametrize(
    "record", [{"name": ""}, {"name": "Mug", "quantity": "3"}, {"name": "Mug", "id": 1}]
)
def test_seed_refuses_an_invalid_item_and_adds_nothing(tmp_path, record):
    path = tmp_path / "items.json"
    path.write_text(json.dumps([{"name": "Jar"}, record]))
    with pytest.raises(CommandError, match="Invalid item"):
        seed(str(path))
    assert not Item.objects.exists()
