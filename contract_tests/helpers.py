"""Shared bits of the contract suite: the contract's constants, the API client, the assertions."""

from __future__ import annotations

import json
import re
import secrets
import socket
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
import yaml

from contract_tests.servers import http_session

JSON = "application/json"
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
ITEM_PATH = "/api/items/{id}"
ALLOW = {
    "/": "GET, HEAD, OPTIONS",
    "/healthz": "GET, HEAD, OPTIONS",
    "/api/data": "GET, HEAD, OPTIONS",
    "/api/openapi.json": "GET, HEAD, OPTIONS",
    "/api/items": "GET, HEAD, OPTIONS, POST",
    ITEM_PATH: "DELETE, GET, HEAD, OPTIONS, PATCH, PUT",
}
UNIQUE_NAME_LENGTH = 13
OPENAPI_PATH = Path(__file__).with_name("openapi.yaml")
# The API's one description: the item's fields are read from it, never listed again here.
OPENAPI = yaml.safe_load(OPENAPI_PATH.read_text(encoding="utf-8"))
ITEM_SCHEMA = OPENAPI["components"]["schemas"]["Item"]
TOKEN = object()  # `authorization=TOKEN`: send "Bearer <the server's API_TOKEN>"


class Raw(str):
    """A body template sent as raw JSON text: for what json.dumps cannot write (`1e400`)."""


class Api:
    """A client for one live twin: base URL, API token, and one HTTP session per thread."""

    def __init__(self, twin: str, base_url: str, token: str | None, *, launched: bool) -> None:
        self.twin = twin
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.launched = launched  # False when CONTRACT_TARGETS points at servers run elsewhere
        self.local = threading.local()

    @property
    def session(self) -> requests.Session:
        """This thread's session (requests sessions are not shared between threads)."""
        if not hasattr(self.local, "session"):
            self.local.session = http_session()
            # A new connection per request: a test that has the server refuse a body it did not
            # read (401, 413) must not leave a half-closed keep-alive connection to the next test.
            self.local.session.headers["Connection"] = "close"
        return self.local.session

    def request(
        self,
        method: str,
        path: str,
        *,
        payload=None,
        body: bytes | None = None,
        content_type: str | None = JSON,
        authorization=TOKEN,
        params=None,
        headers=None,
    ) -> requests.Response:
        """Send one request as given: a JSON payload or raw body, no redirects followed."""
        headers = dict(headers or {})
        if payload is not None:
            body = encode(payload)
        if body is not None and content_type:
            headers["Content-Type"] = content_type
        if authorization is TOKEN:
            authorization = f"Bearer {self.token}"
        if authorization is not None:
            headers["Authorization"] = authorization
        return self.session.request(
            method,
            self.base_url + path,
            data=body,
            params=params,
            headers=headers,
            allow_redirects=False,
            timeout=30,
        )

    def get(self, path: str, **kwargs) -> requests.Response:
        """A GET without credentials."""
        return self.request("GET", path, authorization=None, **kwargs)

    def create(self, **fields) -> dict:
        """Create an item through the API and return it; the creation itself must succeed."""
        response = self.request("POST", "/api/items", payload=fields)
        assert response.status_code == 201, response.text[:500]
        return response.json()

    def item(self, item_id: int) -> dict:
        """The item as the API shows it now."""
        response = self.get(ITEM_PATH.format(id=item_id))
        assert response.status_code == 200, response.text[:500]
        return response.json()

    def count(self, q: str | None = None) -> int:
        """How many items match `q` (all items without it)."""
        params = {"limit": 1} | ({"q": q} if q else {})
        return self.get("/api/items", params=params).json()["count"]

    def raw(self, request_head: str) -> bytes:
        """Send a bare HTTP/1.1 request over a socket and return every byte of the answer."""
        url = urlsplit(self.base_url)
        host = f"{url.hostname}:{url.port}"
        with socket.create_connection((url.hostname, url.port), timeout=10) as conn:
            conn.sendall(f"{request_head}\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            chunks = []
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)


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


def encode(payload) -> bytes:
    """A payload as the bytes of a JSON body (Raw text as it is)."""
    if isinstance(payload, Raw):
        return payload.encode()
    return json.dumps(payload).encode()


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


def assert_security_headers(response: requests.Response) -> None:
    """Every response carries the four security headers with their exact values."""
    for header, value in SECURITY_HEADERS.items():
        assert response.headers.get(header) == value, f"{header}: {response.headers.get(header)!r}"


def assert_error(response: requests.Response, status: int, code: str, fields=()) -> dict:
    """The JSON error envelope: this status and code, a message, and exactly these `fields` keys."""
    assert response.status_code == status, f"{response.status_code}: {response.text[:500]}"
    assert response.headers["Content-Type"] == JSON
    assert set(response.json()) == {"error"}
    error = response.json()["error"]
    assert set(error) <= {"code", "message", "fields"}
    assert error["code"] == code
    assert isinstance(error["message"], str)
    assert error["message"]
    if fields:
        assert set(error["fields"]) == set(fields)
        for messages in error["fields"].values():
            assert messages
            assert all(isinstance(message, str) and message for message in messages)
    else:
        assert "fields" not in error
    if status == 401:
        assert response.headers["WWW-Authenticate"].split()[0] == "Bearer"
    assert_security_headers(response)
    return error


def assert_item_shape(item: dict) -> None:
    """An item has the keys of openapi.yaml's Item, a positive id and fresh UTC timestamps."""
    missing = sorted(set(ITEM_SCHEMA["required"]) - set(item))
    unexpected = sorted(set(item) - set(ITEM_SCHEMA["properties"]))
    differ = f"item keys differ: missing {missing}, unexpected {unexpected}"
    assert (missing, unexpected) == ([], []), differ
    assert isinstance(item["id"], int)
    assert item["id"] > 0
    now = datetime.now(UTC)
    for key in ("created_at", "updated_at"):
        assert TIMESTAMP.match(item[key]), item[key]
        moment = datetime.strptime(item[key], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        assert abs(moment - now) < timedelta(minutes=5)
    assert item["updated_at"] >= item["created_at"]


def csrf_token(page: str, field: str) -> str:
    """The value of the hidden CSRF field named `field` in an HTML page (the first one)."""
    tag = re.search(rf'<input\b[^>]*\bname="{re.escape(field)}"[^>]*>', page)
    assert tag, f"the page has no {field} field"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    assert value, f"the {field} field has no value"
    return value.group(1)
