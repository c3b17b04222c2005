"""Both twins in lockstep: generated request sequences, each answer compared whole, step by step.

A sequence creates an item, then reads, changes, lists and deletes it with valid and invalid
requests, in a seeded random order. The requests are made from openapi.yaml: its paths and their
methods, the item's writable fields with their types and bounds, the list's parameters. Each step
goes to every twin before the next one; the normalised answers (status, the headers the contract
names, the JSON body with ids and timestamps as placeholders, the error's message text; each
field's own error texts are free) must be equal, and the first step where they are not fails the
test, with both answers. A rule, bound, default, order, header or message that one twin changes
alone shows here. `make test-both` plays a few sequences; `make test-fuzz` (--fuzz) many more.
"""

from __future__ import annotations

import json
import random
import uuid

import pytest

from contract_tests.helpers import (
    OPENAPI,
    SECURITY_HEADERS,
    UNIQUE_NAME_LENGTH,
    UNKNOWN_ID,
    writable_fields,
)
from contract_tests.test_differential import COMPARED_HEADERS, ITEM, normalised

SEED = 20261207
SEQUENCES = 11  # make test-both: one per kind of name (NAME_KINDS)
FUZZ_SEQUENCES = 400  # make test-fuzz
STEPS = 14  # after the create that starts each sequence
# The contract's bound of a string with no maxLength in the document (the name's, in its pattern).
NAME_LENGTH = 100
HEADERS = (*COMPARED_HEADERS, *SECURITY_HEADERS)
METHODS = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE")
# The names a sequence's item starts with, one kind per sequence in turn ({name}: unique to it).
NAME_KINDS = [
    "{name}",
    "  {name}  ",
    "{NAME}",
    "{digits}",
    "{name}-é-ß-Σ-😀",
    "{name}" + "x" * (NAME_LENGTH - UNIQUE_NAME_LENGTH),
    "{name}" + "x" * (NAME_LENGTH - UNIQUE_NAME_LENGTH + 1),
    "",
    "   ",
    "{name}\x07",
    "{name}%_\\",
]


def pytest_generate_tests(metafunc) -> None:
    """One test per sequence: a few in make test-both; with --fuzz, more, marked fuzz."""
    if "sequence" in metafunc.fixturenames:
        count = FUZZ_SEQUENCES if metafunc.config.getoption("fuzz") else SEQUENCES
        marks = {True: [pytest.mark.fuzz], False: []}
        sequences = [pytest.param(n, marks=marks[n >= SEQUENCES]) for n in range(count)]
        metafunc.parametrize("sequence", sequences)


def field_values(field: str, schema: dict, name: str, rng: random.Random) -> list:
    """Values for a field of this schema: valid ones at and inside its bounds, and invalid ones
    just past them, of the wrong type, or null. The name's are this sequence's name, unique to it:
    the twins' databases hold other tests' items, which a shared name would meet."""
    wrong = [None, True, [], {}]
    if field == "name":
        edges = [name, f" {name} ", name.ljust(NAME_LENGTH, "x"), name.ljust(NAME_LENGTH + 1, "x")]
        return [*edges, "", "   ", f"{name}\x00", f"{name}\x1f", 3, *wrong]
    if schema["type"] == "integer":
        low, high = schema.get("minimum", 0), schema.get("maximum", 2**31)
        inside = rng.randint(low, high)
        return [
            low,
            high,
            inside,
            float(inside),
            low - 1,
            high + 1,
            inside + 0.5,
            str(inside),
            *wrong,
        ]
    longest = schema.get("maxLength", NAME_LENGTH)
    return ["", "d", "d" * longest, "d" * (longest + 1), " d ", "d\x00", "d\x1f", 3, *wrong]


def payload(rng: random.Random, fields: dict, name: str, *, partial: bool) -> dict:
    """A body for POST or PUT (the name most often present) or PATCH: some fields, some values
    good, some bad, now and then a key the item does not have."""
    body = {}
    for field, schema in fields.items():
        if rng.random() < 0.5:
            body[field] = rng.choice(field_values(field, schema, name, rng))
    if not partial and rng.random() < 0.8:
        body["name"] = rng.choice([name, f"{name}-{rng.randint(0, 3)}", f" {name} "])
    if rng.random() < 0.1:
        body[rng.choice(["id", "created_at", "is_admin", "colour"])] = 1
    return body


def list_params(rng: random.Random, name: str) -> dict:
    """The list's parameters from openapi.yaml: q names this sequence's items; limit and offset
    are valid, at their bounds, or not."""
    params = {"q": rng.choice([name, name.upper(), name[:-1], f"{name}-"])}
    for parameter in OPENAPI["components"]["parameters"].values():
        schema = parameter["schema"]
        if schema["type"] == "integer" and rng.random() < 0.5:
            low, high = schema["minimum"], schema["maximum"]
            value = rng.choice([low, min(high, low + 2), high, low - 1, high + 1])
            params[parameter["name"]] = rng.choice([str(value), f"+{value}", f"{value}.0"])
    return params


def allowed(path: str) -> list[str]:
    """The methods openapi.yaml gives the path."""
    operations = OPENAPI["paths"][path]
    return [method.upper() for method in operations if method.upper() in METHODS]


def sequence_of(number: int) -> tuple[str, list[tuple[str, str, dict]]]:
    """Sequence `number`: the unique name it uses, and its steps in test_differential's format."""
    rng = random.Random(SEED * 1000 + number)  # noqa: S311 - a test, reproducible by its seed
    name = "l" + uuid.UUID(int=rng.getrandbits(128)).hex[: UNIQUE_NAME_LENGTH - 1]
    digits = str(rng.randint(10**12, 10**13 - 1))
    fields = writable_fields()
    first = NAME_KINDS[number % len(NAME_KINDS)].replace("{digits}", digits)
    first = first.replace("{name}", name).replace("{NAME}", name.upper())
    steps = [("POST", "/api/items", {"payload": payload(rng, fields, name, partial=True)})]
    steps[0][2]["payload"]["name"] = first
    paths = list(OPENAPI["paths"])
    for _ in range(STEPS):
        roll = rng.random()
        if roll < 0.25:
            steps.append(("GET", "/api/items", {"params": list_params(rng, name)}))
        elif roll < 0.6:
            method = rng.choice(["GET", "PUT", "PATCH", "PUT", "PATCH", "DELETE", "HEAD"])
            options = {}
            if method in ("PUT", "PATCH"):
                options["payload"] = payload(rng, fields, name, partial=method == "PATCH")
            steps.append((method, ITEM, options))
        elif roll < 0.75:
            steps.append(
                ("POST", "/api/items", {"payload": payload(rng, fields, name, partial=False)})
            )
        elif roll < 0.85:
            # Any path of the document, by a method it allows or not, an id known or not.
            path = rng.choice(paths)
            method = rng.choice(METHODS if rng.random() < 0.5 else allowed(path))
            ident = rng.choice(["{id}", "{id}", str(UNKNOWN_ID), "abc", "0"])
            # A list names this sequence's items only: the twins hold other tests' items too.
            options = {"params": {"q": name}} if path == "/api/items" else {}
            steps.append((method, path.replace("{id}", ident), options))
        else:
            method = rng.choice(["POST", "PUT", "PATCH", "DELETE"])
            target = "/api/items" if method == "POST" else ITEM
            options = {"payload": {"name": name}}
            options |= rng.choice(
                [
                    {"authorization": None},
                    {"authorization": "Bearer wrong"},
                    {"content_type": "text/plain"},
                    {"content_type": None},
                ]
            )
            steps.append((method, target, options))
    return name, steps


def test_both_twins_answer_each_generated_sequence_alike_step_by_step(apis, sequence):
    name, steps = sequence_of(sequence)
    item_ids = dict.fromkeys(apis)
    for number, (method, template, options) in enumerate(steps):
        answers = {}
        for twin, api in apis.items():
            path = template.replace("{id}", str(item_ids[twin] or UNKNOWN_ID))
            response = api.request(method, path, **options)
            if response.status_code == 201:  # {id}: the item the sequence created last
                item_ids[twin] = response.json()["id"]
            answers[twin] = normalised(response, HEADERS)
        (first, mine), *others = answers.items()
        for twin, theirs in others:
            if mine != theirs:
                differ = [key for key in mine if mine[key] != theirs.get(key)]
                sent = json.dumps(options.get("payload"), ensure_ascii=False)
                request = f"{method} {template} {sent if 'payload' in options else ''}".strip()
                pytest.fail(
                    f"sequence {sequence} step {number} ({name}): {request}: "
                    f"{first} { ({key: mine[key] for key in differ}) }, "
                    f"{twin} { ({key: theirs.get(key) for key in differ}) }"
                    f"\n{first}: {mine}\n{twin}: {theirs}",
                    pytrace=False,
                )
