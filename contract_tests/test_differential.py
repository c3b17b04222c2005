"""The same scripted requests to both twins; the answers, normalised, must be identical.

Normalised: ids, timestamps, the "framework" value and the texts in `fields` become placeholders
(each framework's validators word their own; the contract is the `fields` keys). An error's
`message` is compared: both twins word it alike. HTML bodies are compared by kind only, since each
framework renders its own page.
"""

import re

import pytest

from contract_tests.helpers import MIB, TIMESTAMP, UNKNOWN_ID, fill, padded_json

ITEM = "/api/items/{id}"  # {id}: the item the scenario created last
UNKNOWN = f"/api/items/{UNKNOWN_ID}"
COMPARED_HEADERS = ("Content-Type", "Allow", "WWW-Authenticate", "Content-Security-Policy")

CRUD = [
    ("POST", "/api/items", {"payload": {"name": " {name} ", "description": "d", "quantity": 2}}),
    ("GET", ITEM, {}),
    ("GET", "/api/items", {"params": {"q": "{name}"}}),
    ("PUT", ITEM, {"payload": {"name": "{name}-put"}}),
    ("PATCH", ITEM, {"payload": {"quantity": 9, "description": "patched"}}),
    ("PATCH", ITEM, {"payload": {}}),
    ("PUT", ITEM, {"payload": {"name": "{name}-put", "description": "patched", "quantity": 9}}),
    ("HEAD", ITEM, {}),
    ("OPTIONS", ITEM, {}),
    ("DELETE", ITEM, {}),
    ("GET", ITEM, {}),
    ("DELETE", ITEM, {}),
    ("GET", "/api/items", {"params": {"q": "{name}"}}),
]
ERRORS = [
    ("POST", "/api/items", {"payload": {"name": "{name}"}}),
    ("POST", "/api/items", {"body": b'{"name": '}),
    ("GET", "/api/items", {"params": {"limit": "0"}}),
    ("POST", "/api/items", {"payload": {"name": "x"}, "authorization": None}),
    ("DELETE", ITEM, {"authorization": "Bearer wrong"}),
    ("GET", UNKNOWN, {}),
    ("GET", "/api/items/abc", {}),
    ("GET", "/api/items/", {}),
    ("GET", "/api/nope", {}),
    ("DELETE", "/api/items", {}),
    ("POST", "/api/items", {"payload": {"name": " {name}"}}),
    ("POST", "/api/items", {"body": padded_json(MIB + 1)}),
    ("POST", "/api/items", {"payload": {"name": "{name}-2"}, "content_type": "text/plain"}),
    ("POST", "/api/items", {"payload": {"name": "", "quantity": True, "id": 1}}),
    ("PATCH", UNKNOWN, {"payload": {"quantity": 1}}),
    ("GET", "/nope", {}),
    ("GET", "/api/data", {"headers": {"Host": "evil.example"}}),
    ("GET", "/", {"headers": {"Host": "evil.example"}}),
]
VALIDATION = [
    ("POST", "/api/items", {"payload": {"name": "{name}"}}),
    ("PATCH", ITEM, {"payload": {"name": "", "description": None, "quantity": -1}}),
    ("PATCH", ITEM, {"payload": {"name": "{name}\x00", "description": "\x00", "quantity": 3.0}}),
    ("PUT", ITEM, {"payload": {"description": "d" * 2001, "quantity": "3"}}),
    ("PUT", ITEM, {"payload": {"name": "x" * 101, "created_at": "now", "colour": "red"}}),
    ("POST", "/api/items", {"payload": {"name": ["{name}"], "quantity": 1_000_001}}),
    ("PATCH", ITEM, {"payload": {"name": "{name}", "quantity": 0}}),
    ("PATCH", ITEM, {"payload": {"name": "  {name}  ", "quantity": 1_000_000}}),
    ("GET", ITEM, {}),
]
LISTING = [
    *[("POST", "/api/items", {"payload": {"name": f"{{name}}-{n}"}}) for n in range(3)],
    ("GET", "/api/items", {"params": {"q": "{name}", "limit": "2"}}),
    ("GET", "/api/items", {"params": {"q": "{name}", "limit": "2", "offset": "2"}}),
    ("GET", "/api/items", {"params": {"q": "{NAME}", "offset": str(UNKNOWN_ID)}}),
    ("GET", "/api/items", {"params": {"q": "{name}-_"}}),
    ("GET", "/api/items", {"params": {"limit": "+5"}}),
    ("GET", "/api/items", {"params": {"offset": "-1"}}),
    ("GET", "/api/items", {"params": {"q": "a\x01"}}),
    ("GET", "/api/items", {"params": [("q", "{name}"), ("q", "{name}")]}),
]
# Case folding on PostgreSQL: lower() and UPPER() fold the long s, the dotless i and the final
# sigma differently, so both twins must search with the same one.
CASE_FOLDING = [
    *[
        ("POST", "/api/items", {"payload": {"name": f"{{name}}-{letter}"}})
        for letter in ("s", "\u0131", "\u03c3", "\u03c2")
    ],
    *[
        ("GET", "/api/items", {"params": {"q": f"{{name}}-{letter}"}})
        for letter in ("\u017f", "S", "I", "i", "\u03a3", "\u03c2")
    ],
]
METHODS = [
    *[
        (method, path, {})
        for path in ("/", "/healthz", "/api/data", "/api/items?q={name}")
        for method in ("GET", "HEAD", "OPTIONS")
    ],
    ("POST", "/api/data", {}),
    ("PUT", "/healthz", {}),
    ("POST", "/", {"authorization": None}),
    ("POST", UNKNOWN, {"payload": {"name": "x"}}),
    ("PATCH", "/api/items", {}),
]
SCENARIOS = {
    "crud": CRUD,
    "errors": ERRORS,
    "validation": VALIDATION,
    "listing": LISTING,
    "case folding": CASE_FOLDING,
    "methods": METHODS,
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_both_twins_answer_a_scenario_alike(apis, unique_name, scenario):
    transcripts = {twin: play(api, SCENARIOS[scenario], unique_name) for twin, api in apis.items()}
    assert_same_answers(SCENARIOS[scenario], transcripts)


def assert_same_answers(steps, transcripts: dict[str, list[dict]]) -> None:
    """Every twin's normalised answers equal the first twin's, step by step.

    A difference reads in one line: the step, then only the parts of the answers that differ.
    """
    (first, expected), *others = transcripts.items()
    for twin, transcript in others:
        differences = []
        for number, (step, mine, theirs) in enumerate(
            zip(steps, expected, transcript, strict=True)
        ):
            keys = [key for key in mine if mine[key] != theirs[key]]
            if keys:
                ours = {key: mine[key] for key in keys}
                other = {key: theirs[key] for key in keys}
                differences.append(
                    f"step {number} {step[0]} {step[1]}: {first} {ours}, {twin} {other}"
                )
        assert not differences, "\n".join(differences)


def play(api, steps, name: str) -> list[dict]:
    """Send the scenario's steps in order and return the normalised answers."""
    answers = []
    item_id = None
    for method, path, options in steps:
        path = fill(path, name).replace("{id}", str(item_id))
        options = fill(options, name)
        response = api.request(method, path, **options)
        if response.status_code == 201:
            item_id = response.json()["id"]
        answers.append(normalised(response))
    return answers


def normalised(response, headers=COMPARED_HEADERS) -> dict:
    """What must be equal on both twins: status, these headers, Location's shape, the body."""
    answer = {"status": response.status_code}
    answer |= {header: response.headers.get(header) for header in headers}
    answer["Location"] = re.sub(r"/\d+$", "/<id>", response.headers.get("Location", ""))
    if not response.content:
        answer["body"] = ""
    elif response.headers.get("Content-Type", "").startswith("text/html"):
        answer["body"] = "<html page>"
    else:
        answer["body"] = placeholders(response.json())
    return answer


def placeholders(value, key=None):
    """A JSON value with the parts that may differ between twins replaced by placeholders."""
    if key == "id" and isinstance(value, int):
        return "<id>"
    if key in ("created_at", "updated_at") and TIMESTAMP.match(str(value)):
        return "<timestamp>"
    if key == "framework" and value in ("flask", "django"):
        return "<framework>"
    if key == "error" and isinstance(value, dict):
        return {name: error_placeholders(name, inner) for name, inner in value.items()}
    if isinstance(value, dict):
        return {name: placeholders(inner, name) for name, inner in value.items()}
    if isinstance(value, list):
        return [placeholders(inner) for inner in value]
    return value


def error_placeholders(key, value):
    """Inside an error: the texts of each `fields` entry are free; keys and the message are not."""
    if key == "fields" and isinstance(value, dict):
        return {
            field: "<messages>" if is_messages(texts) else texts for field, texts in value.items()
        }
    return value


def is_messages(value) -> bool:
    """A non-empty list of non-empty strings."""
    return isinstance(value, list) and bool(value) and all(isinstance(t, str) and t for t in value)
