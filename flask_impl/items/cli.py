"""CLI commands: `flask seed` loads seed/items.json, `flask create-admin` makes the admin user."""

import json
import os
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from .api import validate_item
from .errors import ApiError
from .models import Item, User, db

DEFAULT_SEED_PATH = Path(__file__).resolve().parents[2] / "seed" / "items.json"


@click.command("seed")
@click.argument(
    "path", required=False, default=DEFAULT_SEED_PATH, type=click.Path(exists=True, dir_okay=False)
)
@with_appcontext
def seed_command(path):
    """Load items from a JSON file (default: the repository's seed/items.json)."""
    records = json.loads(Path(path).read_text(encoding="utf-8"))
    existing = set(db.session.scalars(select(Item.name)))
    added = 0
    for record in records:
        try:
            item = validate_item(record, partial=False)
        except ApiError as error:
            raise click.ClickException(f"Invalid item {record!r}: {error.fields}") from None
        if item.name not in existing:
            db.session.add(item)
            existing.add(item.name)
            added += 1
    db.session.commit()
    click.echo(f"Seeded {added} new items ({len(records) - added} already there).")


@click.command("create-admin")
@with_appcontext
def create_admin_command():
    """Create the admin user ADMIN_USERNAME, or set its ADMIN_PASSWORD (Django: createadmin)."""
    username = os.environ.get("ADMIN_USERNAME") or "admin"
    password = os.environ.get("ADMIN_PASSWORD")
    if not password:
        raise SystemExit("ADMIN_PASSWORD is not set: export the admin's password first.")
    user = db.session.scalar(select(User).where(User.username == username))
    created = user is None
    if created:
        user = User(username=username)
        db.session.add(user)
    user.set_password(password)
    # An existing user becomes an admin again, as Django's createadmin makes it staff.
    user.is_admin = user.is_active = True
    db.session.commit()
    if created:
        click.echo(f"Created admin user {username}.")
    else:
        click.echo(f"Updated the password of admin user {username}.")


def init_app(app):
    """Register the commands with the app's `flask` CLI."""
    app.cli.add_command(seed_command)
    app.cli.add_command(create_admin_command)
