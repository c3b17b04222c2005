"""Request rules of the JSON API: the bearer token, the JSON body, item types, list parameters."""

import functools
import hmac
import json
import re

from flask import current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest

from .errors import ApiError
from .forms import ItemForm, has_control_characters
from .models import Item

# The fields a body may set are the form's, with the JSON types of the model's columns; the
# model's other columns (id, the timestamps) are read-only. Django: the model's editable fields.
ITEM_FIELDS = {field.name: Item.__table__.c[field.name].type.python_type for field in ItemForm()}
READ_ONLY_FIELDS = [column.key for column in Item.__table__.c if column.key not in ITEM_FIELDS]
LIMIT_DEFAULT = 20
LIMIT_MAX = 100
OFFSET_MAX = 2**63 - 1
Q_MAX_LENGTH = 100
# json.loads() joins a surrogate pair into one character; one left alone cannot be stored.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def require_api_token(view):
    """Refuse the request with 401 unless it carries `Authorization: Bearer <API_TOKEN>`."""

    @functools.wraps(view)
    def wrapped_view(*args, **kwargs):
        api_token = current_app.config["API_TOKEN"]
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
        return view(*args, **kwargs)

    return wrapped_view


def reject_constant(name):
    """Refuse NaN and Infinity, which Python's json accepts but RFC 8259 does not."""
    raise ValueError(f"{name} is not valid JSON")


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, read as RFC 8259 says and written as Django's JsonResponse writes it."""

    # Items keep to_dict()'s key order, as Django's JsonResponse does.
    sort_keys = False
    # Compact in debug mode too, as Django's JsonResponse always is (Flask indents it under DEBUG).
    compact = True

    def loads(self, s, **kwargs):
        """JSON in UTF-8 alone (json.loads() guesses UTF-16 and UTF-32 too), no NaN or Infinity."""
        if isinstance(s, bytes):
            s = s.decode("utf-8")
        return json.loads(s, parse_constant=reject_constant, **kwargs)


def read_json_object():
    """Return the body as a JSON object, or raise ApiError 411, 413, 415 or 400 in that order."""
    # Django reads a body by its Content-Length only (a chunked one would look empty), so
    # neither twin takes a body of unknown length: RFC 9110's answer to that is 411.
    if "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        raise ApiError(411, "length_required", "Send the body with a Content-Length header.")
    # Read before the content type is checked: Werkzeug refuses a body over MAX_CONTENT_LENGTH
    # with 413, which comes first.
    request.get_data()
    # get_json() would take application/*+json too; the API takes application/json alone.
    if request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    try:
        payload = request.get_json()
    # get_json() answers invalid JSON with BadRequest, but lets json's RecursionError through.
    except (BadRequest, RecursionError):
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
    # A partial update is judged as the whole item it would make; a full one starts from the
    # model's defaults, so that the fields left out go back to them.
    start = ItemForm(obj=item).data if partial else Item.defaults()
    # Each value as its field's type: 3.0 becomes 3.
    well_typed = {
        key: ITEM_FIELDS[key](value) for key, value in payload.items() if key not in errors
    }
    form = ItemForm(data=start | well_typed)
    form.validate()
    for field, messages in form.errors.items():
        errors.setdefault(field, messages)
    if errors:
        raise ApiError(422, "validation_error", "Some fields are not valid.", errors)
    form.populate_obj(item)
    return item


def read_param(name):
    """The query parameter's value, None when absent, ApiError 400 when given twice."""
    values = request.args.getlist(name)
    if len(values) > 1:
        # Flask's args.get() would read the first value and Django the last: refuse to guess.
        raise ApiError(400, "bad_request", "Bad query parameter.", {name: ["Give it once."]})
    return values[0] if values else None


def read_int_param(name, default, minimum, maximum):
    """A query parameter of ASCII digits between minimum and maximum, or ApiError 400."""
    value = read_param(name)
    if value is None:
        return default
    # Leading zeros dropped and the length capped first: int() refuses over 4300 digits.
    digits = value.lstrip("0") or "0"
    valid = value.isascii() and value.isdigit() and len(digits) <= len(str(maximum))
    if not (valid and minimum <= int(digits) <= maximum):
        message = f"Must be an integer from {minimum} to {maximum}."
        raise ApiError(400, "bad_request", "Bad query parameter.", {name: [message]})
    return int(digits)


def read_list_params():
    """(limit, offset, q) of the item list, or ApiError 400 naming the bad parameter."""
    limit = read_int_param("limit", LIMIT_DEFAULT, 1, LIMIT_MAX)
    offset = read_int_param("offset", 0, 0, OFFSET_MAX)
    q = read_param("q") or ""
    if len(q) > Q_MAX_LENGTH or has_control_characters(q):
        message = f"At most {Q_MAX_LENGTH} characters, no control characters."
        raise ApiError(400, "bad_request", "Bad query parameter.", {"q": [message]})
    return limit, offset, q
