"""Forms: ItemForm, the item's rules for the API and the admin; LoginForm, the admin's login."""

import unicodedata

from flask_wtf import FlaskForm
from wtforms import Form, IntegerField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, ValidationError

from .models import DESCRIPTION_MAX_LENGTH, NAME_MAX_LENGTH, QUANTITY_MAX, USERNAME_MAX_LENGTH


def strip_whitespace(value):
    """Trim surrounding whitespace from a string; leave anything else alone."""
    return value.strip() if isinstance(value, str) else value


def has_control_characters(text):
    """Whether text contains a control character (Unicode category Cc)."""
    return any(unicodedata.category(char) == "Cc" for char in text)


def no_control_characters(form, field):
    """Field validator: no control characters."""
    if field.data and has_control_characters(field.data):
        raise ValidationError("Control characters are not allowed.")


def no_nul_character(form, field):
    """Field validator: no NUL, which PostgreSQL cannot store."""
    if field.data and "\x00" in field.data:
        raise ValidationError("NUL characters are not allowed.")


class ItemForm(Form):
    """The item's fields a client sets, and their rules (Django: validators on the model)."""

    name = StringField(
        "Name",
        filters=[strip_whitespace],
        validators=[DataRequired(), Length(max=NAME_MAX_LENGTH), no_control_characters],
    )
    description = TextAreaField(
        "Description", validators=[Length(max=DESCRIPTION_MAX_LENGTH), no_nul_character]
    )
    quantity = IntegerField("Quantity", validators=[NumberRange(min=0, max=QUANTITY_MAX)])


class LoginForm(FlaskForm):
    """The admin's login, with Flask-WTF's csrf_token (Django: AdminAuthenticationForm)."""

    # No NUL: the name goes into a query, and PostgreSQL cannot compare a NUL (Django's form
    # fields refuse it too).
    username = StringField(
        "Username",
        validators=[DataRequired(), Length(max=USERNAME_MAX_LENGTH), no_nul_character],
    )
    password = PasswordField("Password", validators=[DataRequired()])
