"""Checks every write goes through, in order: token, length, size, content type, JSON."""

import pytest

from contract_tests.helpers import MIB, UNKNOWN_ID, assert_error, by_method, fill, padded_json
from twin_servers.client import JSON

WRITES = ["POST", "PUT", "PATCH", "DELETE"]
BODY_WRITES = ["POST", "PUT", "PATCH"]
PAYLOAD = {"name": "{name}-written"}  # a valid payload for every body write
TOO_LARGE = padded_json(MIB + 1)
UNKNOWN_ITEM = f"/api/items/{UNKNOWN_ID}"


def payload_for(method: str):
    """The valid payload, or none for DELETE."""
    return None if method == "DELETE" else PAYLOAD


@pytest.mark.parametrize(
    ("method", "authorization"),
    by_method(
        [
            pytest.param(None, id="missing"),
            pytest.param("Bearer wrong-token", id="wrong token"),
            pytest.param("Bearer ", id="empty token"),
            pytest.param("Bearer", id="scheme only"),
            pytest.param("{token}", id="no scheme"),
            pytest.param("Token {token}", id="other scheme"),
            pytest.param("Bearer {token}x", id="token plus a char"),
            pytest.param("Bearer {token_prefix}", id="token prefix"),
            pytest.param("Bearer {token} {token}", id="token twice"),
        ],
        ["POST"],
        ["PUT", "PATCH", "DELETE"],
        {"missing", "wrong token"},
    ),
)
def test_writes_without_the_right_token_are_401(api, rejected_write, method, authorization):
    if authorization is not None:
        authorization = authorization.format(token=api.token, token_prefix=api.token[:-1])
    response = rejected_write(method, payload_for(method), authorization=authorization)
    assert_error(response, 401, "unauthorized")


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "BeArEr"])
def test_the_bearer_scheme_is_case_insensitive(api, unique_name, scheme):
    response = api.request(
        "POST", "/api/items", payload={"name": unique_name}, authorization=f"{scheme} {api.token}"
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("method", "authorization"),
    by_method(
        [
            pytest.param(None, id="missing"),
            pytest.param("Bearer ", id="empty token"),
            pytest.param("Bearer x", id="some token"),
            pytest.param("Bearer None", id="None"),
        ],
        ["POST"],
        ["PUT", "PATCH", "DELETE"],
        {"empty token"},
    ),
)
def test_without_api_token_configured_every_write_is_401(tokenless_api, method, authorization):
    path = "/api/items" if method == "POST" else "/api/items/1"
    response = tokenless_api.request(
        method, path, payload=fill(payload_for(method), "t"), authorization=authorization
    )
    assert_error(response, 401, "unauthorized")


class Chunked:
    """A body of unknown length, which requests sends with Transfer-Encoding: chunked."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def __iter__(self):
        yield self.body


@pytest.mark.parametrize("method", BODY_WRITES)
def test_a_chunked_body_is_411_length_required(rejected_write, method):
    # Django reads bodies by Content-Length only; both twins answer 411 (docs/decisions.md).
    response = rejected_write(method, body=Chunked(b'{"name": "chunked"}'))
    assert_error(response, 411, "length_required")


@pytest.mark.parametrize("method", BODY_WRITES)
def test_a_body_one_byte_over_1_mib_is_413(rejected_write, method):
    assert_error(rejected_write(method, body=TOO_LARGE), 413, "payload_too_large")


def test_a_body_of_exactly_1_mib_is_accepted(api):
    body = padded_json(MIB)
    assert len(body) == MIB
    assert api.request("POST", "/api/items", body=body).status_code == 201


@pytest.mark.parametrize(
    ("method", "content_type"),
    by_method(
        [
            pytest.param(None, id="missing"),
            pytest.param("text/plain", id="text"),
            pytest.param("application/x-www-form-urlencoded", id="form"),
            pytest.param("multipart/form-data; boundary=x", id="multipart"),
            pytest.param("text/json", id="text json"),
            pytest.param("application/jsonp", id="jsonp"),
            pytest.param("application/merge-patch+json", id="merge patch"),
        ],
        ["POST"],
        ["PUT", "PATCH"],
        {"missing", "form"},
    ),
)
def test_writes_without_a_json_content_type_are_415(rejected_write, method, content_type):
    response = rejected_write(method, PAYLOAD, content_type=content_type)
    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json; charset=utf-8",
        "APPLICATION/JSON",
        "Application/Json;charset=UTF-8",
        "application/json; charset=latin-1",
    ],
)
def test_json_content_types_with_parameters_or_any_case_are_accepted(
    api, unique_name, content_type
):
    response = api.request(
        "POST", "/api/items", payload={"name": f"{unique_name}-Café"}, content_type=content_type
    )
    assert response.status_code == 201
    assert response.json()["name"] == f"{unique_name}-Café"


MALFORMED = [
    pytest.param(b'{"name": "x"', JSON, id="truncated"),
    pytest.param(b"", JSON, id="empty"),
    pytest.param(b"   ", JSON, id="only whitespace"),
    pytest.param(b'["x"]', JSON, id="list"),
    pytest.param(b'"x"', JSON, id="string"),
    pytest.param(b"5", JSON, id="number"),
    pytest.param(b"null", JSON, id="null"),
    pytest.param(b"true", JSON, id="boolean"),
    pytest.param(b'{"name": "\xff"}', JSON, id="invalid utf-8"),
    pytest.param(b'{"name": "Caf\xe9"}', "application/json; charset=latin-1", id="latin-1"),
    pytest.param(b'\xef\xbb\xbf{"name": "x"}', JSON, id="BOM"),
    *[
        pytest.param(b'{"name": "x", "quantity": %s}' % constant, JSON, id=constant.decode())
        for constant in (b"NaN", b"Infinity", b"-Infinity")
    ],
    pytest.param(b'{"d": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", JSON, id="deep nesting"),
    pytest.param(b'{"quantity": ' + b"1" * 5000 + b"}", JSON, id="5000-digit integer"),
    pytest.param(b"{'name': 'x'}", JSON, id="single quotes"),
    pytest.param(b'{"name": "x",}', JSON, id="trailing comma"),
    pytest.param(b'{"name": "x"} {}', JSON, id="trailing data"),
]


@pytest.mark.parametrize(
    ("method", "body", "content_type"),
    by_method(MALFORMED, ["POST"], ["PUT", "PATCH"], {"truncated", "list", "invalid utf-8", "NaN"}),
)
def test_malformed_bodies_are_400(rejected_write, method, body, content_type):
    response = rejected_write(method, body=body, content_type=content_type)
    assert_error(response, 400, "bad_request")


# (method, path, request options, status, code, `fields` keys); one case per neighbouring pair.
PRECEDENCE = [
    pytest.param(
        "POST",
        "/api/data",
        {"authorization": None},
        405,
        "method_not_allowed",
        (),
        id="405 beats 401",
    ),
    pytest.param(
        "POST",
        "/api/items",
        {"authorization": None, "body": TOO_LARGE},
        401,
        "unauthorized",
        (),
        id="401 beats 413",
    ),
    pytest.param(
        "POST",
        "/api/items",
        {"authorization": None, "body": Chunked(b"{}")},
        401,
        "unauthorized",
        (),
        id="401 beats 411",
    ),
    pytest.param(
        "POST",
        "/api/items",
        {"body": Chunked(b"{"), "content_type": "text/plain"},
        411,
        "length_required",
        (),
        id="411 beats 415",
    ),
    pytest.param(
        "POST",
        "/api/items",
        {"body": TOO_LARGE, "content_type": "text/plain"},
        413,
        "payload_too_large",
        (),
        id="413 beats 415",
    ),
    pytest.param(
        "POST",
        "/api/items",
        {"body": b"{", "content_type": "text/plain"},
        415,
        "unsupported_media_type",
        (),
        id="415 beats 400",
    ),
    pytest.param("PUT", UNKNOWN_ITEM, {"body": b"{"}, 400, "bad_request", (), id="400 beats 404"),
    pytest.param(
        "PATCH",
        UNKNOWN_ITEM,
        {"payload": {"quantity": -1}},
        404,
        "not_found",
        (),
        id="404 beats 422",
    ),
    pytest.param(
        "POST",
        "/api/items",
        {"payload": {"name": "{name}", "quantity": -1}},
        422,
        "validation_error",
        ("quantity",),
        id="422 beats 409",
    ),
    pytest.param(
        "DELETE",
        UNKNOWN_ITEM,
        {"authorization": None},
        401,
        "unauthorized",
        (),
        id="401 beats 404 on DELETE",
    ),
    pytest.param(
        "DELETE",
        "/api/items/abc",
        {"authorization": None},
        404,
        "not_found",
        (),
        id="a malformed id is 404 before 401",
    ),
]


@pytest.mark.parametrize(("method", "path", "options", "status", "code", "fields"), PRECEDENCE)
def test_the_first_failing_check_answers(api, item, method, path, options, status, code, fields):
    if "payload" in options:
        options = options | {"payload": fill(options["payload"], item["name"])}
    assert_error(api.request(method, path, **options), status, code, fields)
    assert api.item(item["id"]) == item
