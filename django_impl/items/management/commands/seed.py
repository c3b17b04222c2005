"""`python manage.py seed [PATH]`: load seed/items.json, skipping names already there."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from items.api import validate_item
from items.errors import ApiError
from items.models import Item

DEFAULT_SEED_PATH = Path(__file__).resolve().parents[4] / "seed" / "items.json"


class Command(BaseCommand):
    """Load items from a JSON file (default: the repository's seed/items.json)."""

    help = "Load items from a JSON file (default: the repository's seed/items.json)."

    def add_arguments(self, parser):
        """PATH, optional."""
        parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_SEED_PATH)

    def handle(self, *args, path, **options):
        """Validate every item with the API's rules, then add those whose name is new."""
        try:
            records = json.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from None
        added = 0
        # One write transaction: BEGIN IMMEDIATE on SQLite (Flask: a CLI command always writes).
        with transaction.atomic():
            existing = set(Item.objects.values_list("name", flat=True))
            for record in records:
                try:
                    item = validate_item(record, partial=False)
                except ApiError as error:
                    raise CommandError(f"Invalid item {record!r}: {error.fields}") from None
                if item.name not in existing:
                    item.save()
                    existing.add(item.name)
                    added += 1
        self.stdout.write(f"Seeded {added} new items ({len(records) - added} already there).")
