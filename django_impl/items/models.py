"""The Item model. Its field validators are the item rules, for the API and the admin alike."""

import unicodedata
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    ProhibitNullCharactersValidator,
)
from django.db import models

NAME_MAX_LENGTH = 100
DESCRIPTION_MAX_LENGTH = 2000
QUANTITY_MAX = 1_000_000
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def has_control_characters(text):
    """Whether text contains a control character (Unicode category Cc)."""
    return any(unicodedata.category(char) == "Cc" for char in text)


def validate_no_control_characters(value):
    """Field validator: no control characters."""
    if has_control_characters(value):
        raise ValidationError("Control characters are not allowed.", code="control_characters")


def as_json(value):
    """A field's value for the API: a time as RFC 3339 UTC with microseconds and a Z."""
    # Django: with USE_TZ the database hands back aware datetimes, on SQLite too.
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime(TIMESTAMP_FORMAT)
    return value


class Item(models.Model):
    """One item of the inventory."""

    # CharField adds MaxLengthValidator and ProhibitNullCharactersValidator itself.
    name = models.CharField(
        max_length=NAME_MAX_LENGTH, unique=True, validators=[validate_no_control_characters]
    )
    # Django: a TextField's max_length is not checked by full_clean, so the validator says it.
    description = models.TextField(
        blank=True,
        default="",
        validators=[
            MaxLengthValidator(DESCRIPTION_MAX_LENGTH),
            ProhibitNullCharactersValidator(),
        ],
    )
    quantity = models.IntegerField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(QUANTITY_MAX)]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Every save() moves it: views and the admin save only when a value changed.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=0, quantity__lte=QUANTITY_MAX),
                name="item_quantity_range",
            ),
        ]

    def __str__(self):
        return self.name

    def clean_fields(self, exclude=None):
        """Trim the name before the field rules run, so they judge what will be stored."""
        if isinstance(self.name, str):
            self.name = self.name.strip()
        super().clean_fields(exclude=exclude)

    def to_dict(self):
        """The item as the API shows it: every field, in order; times RFC 3339 in UTC."""
        return {
            field.name: as_json(field.value_from_object(self))
            for field in self._meta.concrete_fields
        }
