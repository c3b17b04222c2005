"""The exercises' contract tests: the contract suite's fixtures, switched on by EXERCISE=N.

They run with the contract suite (`make test-both`), against the same kind of live twins. Each
test module is marked `exercise(N)`; unless the environment says EXERCISE=N, its tests are skipped
with the reason, since they describe what the twins do only once that exercise is solved.
"""

import os

import pytest

# The contract suite's fixtures, and its hook that runs each test once per twin. (Its other hooks,
# options and the side-by-side report, are already active: make test-both runs both folders.)
from contract_tests.conftest import (  # noqa: F401
    api,
    clients,
    empty_api,
    pytest_generate_tests,
    servers,
    unique_name,
)


def pytest_configure(config) -> None:
    """Declare the exercise marker."""
    config.addinivalue_line(
        "markers", "exercise(number): a workshop exercise's test, run only with EXERCISE=number"
    )


def pytest_collection_modifyitems(config, items) -> None:
    """Skip the tests of every exercise but the one EXERCISE names."""
    if not hasattr(config, "twins"):
        raise pytest.UsageError("the exercises run with the contract suite: make test-both")
    chosen = os.environ.get("EXERCISE", "")
    for item in items:
        marker = item.get_closest_marker("exercise")
        if marker and str(marker.args[0]) != chosen:
            number = marker.args[0]
            reason = f"workshop exercise {number} (docs/workshop.md): EXERCISE={number} runs it"
            item.add_marker(pytest.mark.skip(reason=reason))
