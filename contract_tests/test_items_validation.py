"""The Item rules: what each field accepts, what it refuses (422), and duplicate names (409)."""

import re

import pytest

from contract_tests.helpers import OPENAPI, UNIQUE_NAME_LENGTH, assert_error, by_method, fill
from twin_servers.client import ITEM_PATH, Raw

NAME = "{name}"  # the test's unique name
NAME_100 = NAME + "x" * (100 - UNIQUE_NAME_LENGTH)
NAME_101 = NAME_100 + "x"
# Every character str.strip() trims: the control characters among them (tab, newline, U+001C to
# U+001F, U+0085) are whitespace at a name's ends, and refused inside it. None is above U+3000.
WHITESPACE = "".join(char for char in map(chr, range(0x3001)) if char.isspace())

# (payload template, the keys that `fields` must name); refused by POST, PUT and PATCH alike.
# Control characters go inside the name: str.strip() would trim them (U+0085 too) at its ends.
INVALID = [
    pytest.param({"name": ""}, {"name"}, id="name empty"),
    pytest.param({"name": "   "}, {"name"}, id="name only spaces"),
    pytest.param({"name": NAME_101}, {"name"}, id="name 101 chars"),
    pytest.param({"name": f"  {NAME_101}  "}, {"name"}, id="name 101 chars within spaces"),
    *[
        pytest.param({"name": f"{NAME}{char}x"}, {"name"}, id=f"name with U+{ord(char):04X}")
        for char in ("\x00", "\x1f", "\x7f", "\x85")
    ],
    pytest.param({"name": 5}, {"name"}, id="name a number"),
    pytest.param({"name": True}, {"name"}, id="name a boolean"),
    pytest.param({"name": [NAME]}, {"name"}, id="name a list"),
    pytest.param({"name": None}, {"name"}, id="name null"),
    pytest.param(Raw('{"name": "{name}\\ud800"}'), {"name"}, id="name lone surrogate"),
    pytest.param({"name": NAME, "description": "d" * 2001}, {"description"}, id="desc 2001"),
    pytest.param({"name": NAME, "description": "a\x00b"}, {"description"}, id="desc NUL"),
    pytest.param({"name": NAME, "description": 5}, {"description"}, id="desc a number"),
    pytest.param({"name": NAME, "description": None}, {"description"}, id="desc null"),
    pytest.param(
        Raw('{"name": "{name}", "description": "x\\udc00y"}'),
        {"description"},
        id="desc lone surrogate",
    ),
    *[
        pytest.param({"name": NAME, "quantity": value}, {"quantity"}, id=f"quantity {value!r}")
        for value in (-1, 1_000_001, True, 3.5, "3", None)
    ],
    pytest.param(Raw('{"name": "{name}", "quantity": 1e400}'), {"quantity"}, id="quantity 1e400"),
    *[
        pytest.param({"name": NAME, key: 1}, {key}, id=f"key {key}")
        for key in ("colour", "id", "created_at", "updated_at", "is_admin")
    ],
    pytest.param(
        {"name": "", "description": 5, "quantity": -1, "is_admin": True},
        {"name", "description", "quantity", "is_admin"},
        id="four bad fields at once",
    ),
    pytest.param(
        {"name": None, "quantity": "3", "description": "d" * 2001},
        {"name", "quantity", "description"},
        id="type and rule errors at once",
    ),
]

# (payload template, the stored fields); accepted by POST and PUT (absent fields get defaults).
VALID = [
    pytest.param({"name": NAME}, {"name": NAME, "description": "", "quantity": 0}, id="defaults"),
    pytest.param({"name": NAME_100}, {"name": NAME_100}, id="name 100 chars"),
    pytest.param({"name": f"  {NAME_100}  "}, {"name": NAME_100}, id="name 100 within spaces"),
    pytest.param({"name": f"\t {NAME}\n"}, {"name": NAME}, id="name trimmed of tab and newline"),
    pytest.param(
        {"name": f"{WHITESPACE}{NAME}{WHITESPACE}"}, {"name": NAME}, id="name trimmed of all spaces"
    ),
    pytest.param({"name": f"{NAME} Café ⇄ 😀"}, {"name": f"{NAME} Café ⇄ 😀"}, id="name unicode"),
    pytest.param(
        {"name": NAME, "description": "d" * 2000}, {"description": "d" * 2000}, id="desc 2000"
    ),
    pytest.param(
        {"name": NAME, "description": "line 1\nline 2\r\n\tindented"},
        {"description": "line 1\nline 2\r\n\tindented"},
        id="desc newlines and tab",
    ),
    pytest.param({"name": NAME, "quantity": 0}, {"quantity": 0}, id="quantity 0"),
    pytest.param(
        {"name": NAME, "quantity": 1_000_000}, {"quantity": 1_000_000}, id="quantity 1000000"
    ),
    # JSON Schema's integer: a number with no fractional part, answered as an integer.
    pytest.param({"name": NAME, "quantity": 3.0}, {"quantity": 3}, id="quantity 3.0"),
    pytest.param(Raw('{"name": "{name}", "quantity": 1e2}'), {"quantity": 100}, id="quantity 1e2"),
    pytest.param({"name": NAME, "quantity": -0.0}, {"quantity": 0}, id="quantity -0.0"),
]


@pytest.mark.parametrize(
    ("method", "template", "bad_fields"),
    by_method(
        INVALID,
        ["POST"],
        ["PUT", "PATCH"],
        {
            "name empty",
            "name with U+0085",
            "name null",
            "name lone surrogate",
            "desc 2001",
            "desc lone surrogate",
            "quantity True",
            "quantity 1e400",
            "key id",
            "four bad fields at once",
        },
    ),
)
def test_invalid_fields_are_422_naming_each_bad_field(rejected_write, method, template, bad_fields):
    assert_error(rejected_write(method, template), 422, "validation_error", bad_fields)


@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize("template", [{}, {"description": "no name", "quantity": 1}])
def test_name_is_required_when_creating_and_replacing(rejected_write, method, template):
    assert_error(rejected_write(method, template), 422, "validation_error", {"name"})


@pytest.mark.parametrize(
    ("method", "template", "stored"),
    by_method(
        VALID,
        ["POST"],
        ["PUT"],
        {"defaults", "name 100 within spaces", "name trimmed of all spaces", "desc 2000"},
    ),
)
def test_valid_fields_are_stored_as_the_rules_say(api, unique_name, method, template, stored):
    path = "/api/items"
    if method == "PUT":
        path = ITEM_PATH.format(id=api.create(name=f"{unique_name}-old", quantity=5)["id"])
    response = api.request(method, path, payload=fill(template, unique_name))
    assert response.status_code == (201 if method == "POST" else 200), response.text[:300]
    item = response.json()
    assert item | fill(stored, unique_name) == item
    # 3 == 3.0 in Python: the JSON types must match too (a quantity is answered as an integer).
    assert {key: type(item[key]) for key in stored} == {k: type(v) for k, v in stored.items()}
    assert api.item(item["id"]) == item


def test_the_document_s_name_pattern_accepts_these_valid_names_and_refuses_these_invalid():
    """openapi.yaml says what the twins do, by its Name pattern: the names of the cases above."""
    pattern = re.compile(OPENAPI["components"]["schemas"]["Name"]["pattern"])
    cases = [(template, True) for template, _ in (param.values for param in VALID)]
    cases += [
        (template, False) for template, fields in (p.values for p in INVALID) if "name" in fields
    ]
    names = [
        (fill(template["name"], "n" * UNIQUE_NAME_LENGTH), valid)
        for template, valid in cases
        if isinstance(template, dict) and isinstance(template.get("name"), str)
    ]
    wrong = [name for name, valid in names if bool(pattern.search(name)) is not valid]
    assert not wrong, f"the Name pattern judges these names unlike the twins: {wrong}"


@pytest.mark.parametrize(
    "template", ["{name}", "  {name}  ", "{name} "], ids=["same", "spaces around", "space after"]
)
@pytest.mark.usefixtures("item")
def test_a_duplicate_name_after_trimming_is_409(rejected_write, template):
    response = rejected_write("POST", {"name": template})
    assert_error(response, 409, "conflict", {"name"})


def test_names_differing_only_in_case_are_different_names(api, item):
    assert api.create(name=item["name"].upper())["name"] == item["name"].upper()


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_renaming_to_an_existing_name_is_409(api, item, unique_name, method):
    other = api.create(name=f"{unique_name}-other")
    path = ITEM_PATH.format(id=other["id"])
    response = api.request(method, path, payload={"name": f" {item['name']} "})
    assert_error(response, 409, "conflict", {"name"})
    assert api.item(other["id"]) == other
