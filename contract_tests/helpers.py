"""Shared bits of the contract suite: its constants, request templates and assertions."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
import yaml

from twin_servers.client import JSON, Raw

HTML = "text/html; charset=utf-8"
MIB = 1024 * 1024
MAX_ID = 2**63 - 1
UNKNOWN_ID = MAX_ID  # a well-formed id that no test run ever reaches
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
CSP = "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
UNIQUE_NAME_LENGTH = 13
# The API's one description, beside the twins that serve it: the item's fields are read from it,
# never listed again here.
OPENAPI_PATH = Path(__file__).resolve().parents[1] / "openapi.yaml"
OPENAPI = yaml.safe_load(OPENAPI_PATH.read_text(encoding="utf-8"))
ITEM_SCHEMA = OPENAPI["components"]["schemas"]["Item"]
HTTP_METHODS = {"get", "head", "options", "post", "put", "patch", "delete"}
# Each path's Allow header: the home page's, and the operations openapi.yaml describes (a new API
# path is one edit there, and the method tests cover it).
ALLOW = {
    "/": "GET, HEAD, OPTIONS",
    **{
        path: ", ".join(sorted(method.upper() for method in operations if method in HTTP_METHODS))
        for path, operations in OPENAPI["paths"].items()
    },
}


def by_method(cases, everywhere: list[str], sampled: list[str], sample: set[str]) -> list:
    """Every case with the `everywhere` methods; only the `sample` cases (by id) with `sampled`.

    A rule lives in one place per twin, so one method meets every case and the others meet enough
    of them to show they go through the same code; this keeps the whole run within its budget.
    """
    assert sample <= {case.id for case in cases}, sample - {case.id for case in cases}
    return [
        pytest.param(method, *case.values, id=f"{method} {case.id}")
        for method in everywhere + sampled
        for case in cases
        if method in everywhere or case.id in sample
    ]


def fill(template, name: str):
    """The template with "{name}" in its strings replaced by a real name ("{NAME}": upper case)."""
    if isinstance(template, str):
        filled = template.replace("{name}", name).replace("{NAME}", name.upper())
        return Raw(filled) if isinstance(template, Raw) else filled
    if isinstance(template, dict):
        return {key: fill(value, name) for key, value in template.items()}
    if isinstance(template, list | tuple):
        return type(template)(fill(value, name) for value in template)
    return template


def padded_json(size: int) -> bytes:
    """A valid JSON object creating an item, padded with whitespace to exactly `size` bytes."""
    head = b'{"name": "padded-%s"' % secrets.token_hex(6).encode()
    return head + b" " * (size - len(head) - 1) + b"}"


def resolved(schema: dict) -> dict:
    """A schema of openapi.yaml with its `$ref` followed ("#/components/schemas/Name")."""
    while "$ref" in schema:
        reference = schema["$ref"]
        schema = OPENAPI
        for part in reference.removeprefix("#/").split("/"):
            schema = schema[part]
    return schema


def writable_fields() -> dict[str, dict]:
    """The item's fields that a client may write (openapi.yaml's ItemInput), with their schemas."""
    properties = OPENAPI["components"]["schemas"]["ItemInput"]["properties"]
    return {field: resolved(schema) for field, schema in properties.items()}


def header_values(response: requests.Response, header: str) -> set[str]:
    """The comma-separated values of a header such as Vary or Cache-Control, lower case."""
    return {value.strip().lower() for value in response.headers.get(header, "").split(",")} - {""}


def expected(what: str, wanted, got) -> str:
    """The one line an assertion says when it fails: what, the value wanted, the value got."""
    return f"{what}: expected {wanted!r}, got {got!r}"


def assert_security_headers(response: requests.Response) -> None:
    """Every response carries the four security headers with their exact values."""
    for header, value in SECURITY_HEADERS.items():
        got = response.headers.get(header)
        assert got == value, expected(f"{header} header", value, got)


def assert_error(response: requests.Response, status: int, code: str, fields=()) -> dict:
    """The JSON error envelope: this status and code, a message, and exactly these `fields` keys."""
    got = response.status_code
    assert got == status, expected("status", status, got) + f" ({response.text:.120})"
    content_type = response.headers.get("Content-Type")
    assert content_type == JSON, expected("Content-Type", JSON, content_type)
    body = response.json()
    assert set(body) == {"error"}, expected("body keys", ["error"], sorted(body))
    error = body["error"]
    keys = sorted(error)
    assert set(keys) <= {"code", "message", "fields"}, f"unexpected error keys: {keys}"
    assert error.get("code") == code, expected("error code", code, error.get("code"))
    message = error.get("message")
    assert isinstance(message, str), expected("message", "a text", message)
    assert message, expected("message", "a text", message)
    if fields:
        got = sorted(error.get("fields", {}))
        assert got == sorted(fields), expected("error fields", sorted(fields), got)
        for field, messages in error["fields"].items():
            texts = isinstance(messages, list) and all(isinstance(m, str) and m for m in messages)
            assert messages, expected(f"messages for {field}", "at least one", messages)
            assert texts, expected(f"messages for {field}", "a list of texts", messages)
    else:
        assert "fields" not in error, expected("error fields", "none", error["fields"])
    if status == 401:
        challenge = response.headers.get("WWW-Authenticate", "")
        assert challenge.startswith("Bearer"), expected("WWW-Authenticate", "Bearer", challenge)
    assert_security_headers(response)
    return error


def assert_item_shape(item: dict) -> None:
    """An item has the keys of openapi.yaml's Item, a positive id and fresh UTC timestamps."""
    missing = sorted(set(ITEM_SCHEMA["required"]) - set(item))
    unexpected = sorted(set(item) - set(ITEM_SCHEMA["properties"]))
    differ = f"item keys differ: missing {missing}, unexpected {unexpected}"
    assert (missing, unexpected) == ([], []), differ
    item_id = item["id"]
    is_id = isinstance(item_id, int) and not isinstance(item_id, bool) and item_id > 0
    assert is_id, expected("id", "a positive integer", item_id)
    now = datetime.now(UTC)
    for key in ("created_at", "updated_at"):
        assert TIMESTAMP.match(item[key]), expected(key, "2026-11-21T09:30:00.123456Z", item[key])
        moment = datetime.strptime(item[key], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        assert abs(moment - now) < timedelta(minutes=5), expected(key, f"about {now}", item[key])
    later = item["updated_at"] >= item["created_at"]
    assert later, expected("updated_at", f">= {item['created_at']}", item["updated_at"])


def csrf_token(page: str, field: str) -> str:
    """The value of the hidden CSRF field named `field` in an HTML page (the first one)."""
    tag = re.search(rf'<input\b[^>]*\bname="{re.escape(field)}"[^>]*>', page)
    assert tag, f"the page has no {field} field"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    assert value, f"the {field} field has no value"
    return value.group(1)
