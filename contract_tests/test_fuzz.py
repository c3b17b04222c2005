"""Differential fuzzing: Hypothesis writes request sequences, both twins must answer them alike.

Each example is a short sequence of API requests, valid and invalid, in test_differential.py's
step format; both twins play it and their normalised answers must be equal. A fixed seed, a
bounded number of examples and no example database: every run sends the same sequences.
Every disagreement it finds becomes a plain scenario in test_differential.py ("case folding" came
from here).
"""

import uuid

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from contract_tests.helpers import UNIQUE_NAME_LENGTH, UNKNOWN_ID
from contract_tests.test_differential import ITEM, assert_same_answers, play
from twin_servers.client import TOKEN, Raw

SEED = 20260521
EXAMPLES = 150

pytestmark = pytest.mark.fuzz

# Letters whose case folds differently in lower() and upper() (PostgreSQL's too: the long s, the
# dotless i, the dotted I, the final sigma, the Kelvin sign, the sharp s), and plain ones.
FOLDING = st.sampled_from("sSiI\u017f\u0131\u0130\u03c3\u03a3\u03c2\u212a\xdf")
# Short strings that stress the rules: whitespace, control characters, LIKE's wildcards, case.
AWKWARD = st.text(
    alphabet=st.one_of(st.sampled_from(" \t\n\x00\x1f\x7f\x85\xa0\u3000%_\\\ufeff😀"), FOLDING),
    max_size=3,
)
# Names stay unique to the example ({name}: 13 random characters), with awkward edges, or too long.
NAMES = st.one_of(
    st.builds(lambda head, tail: f"{head}{{name}}{tail}", AWKWARD, AWKWARD),
    st.sampled_from(["{NAME}", "{name}-b", "x" * (101 - UNIQUE_NAME_LENGTH) + "{name}"]),
)
# Values of the wrong kind for some field or other, and edge values of the right kind.
ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([-1, 0, 1_000_000, 1_000_001, 2**63, 3.0, 2.5, "3", "", [], {}]),
    AWKWARD,
)
PAYLOADS = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(NAMES, ODD_VALUES),
        "description": st.one_of(AWKWARD, st.just("d" * 2001), ODD_VALUES),
        "quantity": st.one_of(st.integers(0, 3), ODD_VALUES),
        "id": st.integers(1, 3),
        "colour": AWKWARD,
    },
)
RAW_BODIES = st.sampled_from(
    [
        Raw('{"name": "{name}", "quantity": 1e400}'),
        Raw('{"name": "\\ud800{name}"}'),
        Raw('{"name": "{name}", "quantity": NaN}'),
        Raw('{"name": "{name}", "name": "{name}-2"}'),
        Raw("[]"),
        Raw('"{name}"'),
        Raw('{"name": '),
        Raw(""),
    ]
)


def list_params(letter: str):
    """Parameters of a list request: q always names this example's items, never other tests'."""
    folded = sorted({letter.upper(), letter.lower(), letter.casefold()})
    return st.fixed_dictionaries(
        {
            "q": st.one_of(
                st.builds(lambda head, tail: f"{head}{{name}}{tail}", AWKWARD, AWKWARD),
                st.sampled_from([f"{{name}}{variant}" for variant in folded]),
            )
        },
        optional={
            "limit": st.sampled_from(
                ["1", "100", "101", "0", "007", "+5", " 5", "5.0", "\u0661", ""]
            ),
            "offset": st.sampled_from(["0", "1", str(UNKNOWN_ID), str(UNKNOWN_ID + 1), "-1"]),
        },
    )


PATHS = st.sampled_from(
    [
        "/api/items",
        ITEM,
        ITEM,
        f"/api/items/{UNKNOWN_ID}",
        "/api/items/01",
        "/api/items/abc",
        "/api/items/",
        "/api/nope",
        "/api/data",
        "/api/openapi.json",
        "/healthz",
    ]
)
METHODS = st.sampled_from(["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"])
AUTHORIZATIONS = st.sampled_from([TOKEN, TOKEN, TOKEN, None, "Bearer wrong", "Basic abc"])
CONTENT_TYPES = st.sampled_from(
    ["application/json", "application/json", "application/json; charset=latin-1", "text/plain"]
)


@st.composite
def sequences(draw) -> list[tuple[str, str, dict]]:
    """A request sequence in test_differential.py's step format: (method, path, options).

    It starts by creating an item, so that the item path ({id}) names a real one; its name may
    end with a letter that the list requests then search in another case.
    """
    letter = draw(FOLDING)
    first = draw(st.one_of(NAMES, st.just(f"{{name}}{letter}")))
    steps = [("POST", "/api/items", {"payload": {"name": first}})]
    for _ in range(draw(st.integers(1, 6))):
        # Half the steps list items: the search is where the databases differ most.
        if draw(st.booleans()):
            method, path = draw(st.sampled_from(["GET", "HEAD"])), "/api/items"
        else:
            method, path = draw(METHODS), draw(PATHS)
        options = {}
        if method in ("POST", "PUT", "PATCH"):
            options["content_type"] = draw(CONTENT_TYPES)
            options["payload"] = draw(st.one_of(PAYLOADS, PAYLOADS, RAW_BODIES))
        if method not in ("GET", "HEAD", "OPTIONS"):
            options["authorization"] = draw(AUTHORIZATIONS)
        if path == "/api/items" and method in ("GET", "HEAD"):
            options["params"] = draw(list_params(letter))
        steps.append((method, path, options))
    return steps


@seed(SEED)
# `apis` is function-scoped but only hands out the twins' clients, which live for the whole run.
@settings(
    max_examples=EXAMPLES,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(sequence=sequences())
def test_both_twins_answer_generated_sequences_alike(apis, sequence):
    name = "f" + uuid.uuid4().hex[: UNIQUE_NAME_LENGTH - 1]
    transcripts = {twin: play(api, sequence, name) for twin, api in apis.items()}
    assert_same_answers(sequence, transcripts)
