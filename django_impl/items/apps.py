"""The items app: one model, its JSON API and the home page."""

from django.apps import AppConfig


class ItemsConfig(AppConfig):
    """Configuration of the items app."""

    name = "items"

    def ready(self):
        from items import checks  # noqa: F401 (registers the app's system checks)
