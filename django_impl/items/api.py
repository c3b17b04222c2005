"""Request rules of the JSON API: the bearer token, the JSON body, item types, list parameters."""

import functools
import hmac
import json
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from items.errors import ApiError
from items.models import Item, has_control_characters

# The fields a body may set are the model's editable ones, a JSON integer for an integer field;
# the other fields (id, the timestamps) are read-only. Flask: the form's fields.
ITEM_FIELDS = {
    field.name: int if isinstance(field, models.IntegerField) else str
    for field in Item._meta.concrete_fields
    if field.editable and not field.primary_key
}
READ_ONLY_FIELDS = [
    field.name for field in Item._meta.concrete_fields if field.name not in ITEM_FIELDS
]
LIMIT_DEFAULT = 20
LIMIT_MAX = 100
OFFSET_MAX = 2**63 - 1
Q_MAX_LENGTH = 100
# json.loads() joins a surrogate pair into one character; one left alone cannot be stored.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def require_api_token(view):
    """Refuse the request with 401 unless it carries `Authorization: Bearer <API_TOKEN>`."""

    @functools.wraps(view)
    def wrapped_view(request, *args, **kwargs):
        api_token = settings.API_TOKEN
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if not (
            api_token
            and scheme.lower() == "bearer"
            and hmac.compare_digest(token.strip().encode(), api_token.encode())
        ):
            raise ApiError(
                401,
                "unauthorized",
                "A valid bearer token is required.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return view(request, *args, **kwargs)

    return wrapped_view


def reject_constant(name):
    """Refuse NaN and Infinity, which Python's json accepts but RFC 8259 does not."""
    raise ValueError(f"{name} is not valid JSON")


def read_json_object(request):
    """Return the body as a JSON object, or raise ApiError 411, 413, 415 or 400 in that order."""
    # Django reads a body by its Content-Length only (a chunked one would look empty), so
    # neither twin takes a body of unknown length: RFC 9110's answer to that is 411.
    if "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        raise ApiError(411, "length_required", "Send the body with a Content-Length header.")
    # Django: request.body would raise RequestDataTooBig, which Django answers with a 400, so the
    # size is checked here, from the header, before anything reads the body.
    if int(request.META.get("CONTENT_LENGTH") or 0) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        raise ApiError(413, "payload_too_large", "The body is larger than 1 MiB.")
    if request.content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    try:
        payload = json.loads(request.body.decode("utf-8"), parse_constant=reject_constant)
    except (ValueError, RecursionError):
        raise ApiError(400, "bad_request", "The body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise ApiError(400, "bad_request", "The body must be a JSON object.")
    return payload


def is_json_integer(value):
    """A number with no fractional part, as JSON Schema's integer: 3 and 3.0, not True or 3.5."""
    return type(value) is int or (type(value) is float and value.is_integer())


def check_item_types(payload, *, partial):
    """Return errors for unknown keys, wrong JSON types, null, bad Unicode and a missing name."""
    errors = {}
    for key, value in payload.items():
        expected_type = ITEM_FIELDS.get(key)
        if key in READ_ONLY_FIELDS:
            errors[key] = ["This field is read-only."]
        elif expected_type is None:
            errors[key] = ["Unknown field."]
        elif value is None:
            errors[key] = ["This field may not be null."]
        elif expected_type is int and not is_json_integer(value):
            errors[key] = ["Must be a JSON integer."]
        elif expected_type is str and not isinstance(value, str):
            errors[key] = ["Must be a JSON string."]
        elif expected_type is str and LONE_SURROGATE.search(value):
            errors[key] = ["Must be valid Unicode (no lone surrogates)."]
    if not partial and "name" not in payload:
        errors["name"] = ["This field is required."]
    return errors


def validate_item(payload, *, partial, item=None):
    """Return the item (a new one if None) set from payload, or raise 422 naming every bad field."""
    errors = check_item_types(payload, partial=partial)
    if item is None:
        item = Item()
    if not partial:
        # A full replace: the fields left out go back to the model's defaults.
        payload = {name: Item._meta.get_field(name).get_default() for name in ITEM_FIELDS} | payload
    for name, value in payload.items():
        if name in ITEM_FIELDS and name not in errors:
            # Each value as its field's type: 3.0 becomes 3.
            setattr(item, name, ITEM_FIELDS[name](value))
    try:
        # Django: the rules are the model's field validators (Flask: ItemForm). Uniqueness is the
        # database's job (the 409), and the CHECK constraint repeats the quantity validators, so
        # checking either here would only cost a query.
        item.full_clean(exclude=list(errors), validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ApiError(422, "validation_error", "Some fields are not valid.", errors)
    return item


def read_param(request, name):
    """The query parameter's value, None when absent, ApiError 400 when given twice."""
    values = request.GET.getlist(name)
    if len(values) > 1:
        # Django's QueryDict.get() would read the last value and Flask the first: refuse to guess.
        raise ApiError(400, "bad_request", "Bad query parameter.", {name: ["Give it once."]})
    return values[0] if values else None


def read_int_param(request, name, default, minimum, maximum):
    """A query parameter of ASCII digits between minimum and maximum, or ApiError 400."""
    value = read_param(request, name)
    if value is None:
        return default
    # Leading zeros dropped and the length capped first: int() refuses over 4300 digits.
    digits = value.lstrip("0") or "0"
    valid = value.isascii() and value.isdigit() and len(digits) <= len(str(maximum))
    if not (valid and minimum <= int(digits) <= maximum):
        message = f"Must be an integer from {minimum} to {maximum}."
        raise ApiError(400, "bad_request", "Bad query parameter.", {name: [message]})
    return int(digits)


def read_list_params(request):
    """(limit, offset, q) of the item list, or ApiError 400 naming the bad parameter."""
    limit = read_int_param(request, "limit", LIMIT_DEFAULT, 1, LIMIT_MAX)
    offset = read_int_param(request, "offset", 0, 0, OFFSET_MAX)
    q = read_param(request, "q") or ""
    if len(q) > Q_MAX_LENGTH or has_control_characters(q):
        message = f"At most {Q_MAX_LENGTH} characters, no control characters."
        raise ApiError(400, "bad_request", "Bad query parameter.", {"q": [message]})
    return limit, offset, q
