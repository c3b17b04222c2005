"""openapi.yaml is valid OpenAPI 3.1, and schemathesis finds nothing against both live twins.

Its examples, coverage and fuzzing phases run once per operation and twin; its stateful phase
(sequences that follow the document's links: create, then read, change, delete) once per twin.
A fixed seed, a bounded number of examples and no example database: every run sends the same
requests. The document as written, every check on, no filter on what is generated.
"""

import uuid
from collections import Counter

import jsonschema
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.definitions import OPENAPI_31

from contract_tests.helpers import OPENAPI, OPENAPI_PATH

SEED = 20260521
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {"max-examples": 25, "database": "none"},
        "phases": {
            # The fuzzing phase's own setting: with the stateful phase's, over 5,000 requests per
            # twin (docs/decisions.md); the examples and coverage phases keep the default above.
            "fuzzing": {"generation": {"max-examples": 600}},
            # The document's links only (from a created or changed item to the item), none
            # inferred: from GET /api/items a sequence would change items it did not create, and
            # the next sequence would meet a different database.
            "stateful": {"inference": {"algorithms": []}},
        },
        # Every built-in check is on by default; the response time is the one with no default.
        "checks": {"max_response_time": 10.0},
    }
)
schema = schemathesis.openapi.from_path(OPENAPI_PATH, config=CONFIG)
STATEFUL_SETTINGS = {
    "max_examples": 20,
    "stateful_step_count": 6,
    "derandomize": True,
    "database": None,
}

pytestmark = pytest.mark.fuzz
# Requests sent, by twin and phase: reported after the module's tests (make test-fuzz's output).
SENT = Counter()


@pytest.fixture(scope="module", autouse=True)
def report_the_requests_sent(request):
    yield
    plugins = request.config.pluginmanager
    # Past pytest's capture of the test's output, which would drop the lines of a passing run.
    with plugins.get_plugin("capturemanager").global_and_fixture_disabled():
        reporter = plugins.get_plugin("terminalreporter")
        reporter.write_line("")  # after the progress dots
        for twin in sorted({twin for twin, _ in SENT}):
            phases = {phase: n for (sent_to, phase), n in sorted(SENT.items()) if sent_to == twin}
            counts = ", ".join(f"{phase} {n}" for phase, n in phases.items())
            reporter.write_line(
                f"schemathesis: {sum(phases.values())} requests to {twin} ({counts})"
            )


def test_the_document_is_a_valid_openapi_3_1_document():
    jsonschema.validate(OPENAPI, OPENAPI_31, cls=jsonschema.Draft202012Validator)


@schema.parametrize()
# `api` is function-scoped but only hands out the twin's client, which lives for the whole run.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_operation_keeps_the_document(case, api):
    SENT[api.twin, case.meta.phase.name.value] += 1
    case.call_and_validate(base_url=api.base_url, headers=bearer(api))


def test_sequences_of_operations_keep_the_document(api):
    class Workflow(schema.as_state_machine()):
        def before_call(self, case):
            # A new name for every valid write, so that no sequence meets a name an earlier one
            # left behind: Hypothesis replays sequences, and a 201 turning into a 409 would make
            # its replay differ (FlakyStrategyDefinition). The per-operation test covers names.
            valid = not case.meta.generation.mode.is_negative
            if valid and isinstance(case.body, dict) and "name" in case.body:
                case.body["name"] = f"stateful-{uuid.uuid4().hex}"

        def get_call_kwargs(self, case):
            SENT[api.twin, "stateful"] += 1
            return {"base_url": api.base_url, "headers": bearer(api)}

    # Schemathesis's own settings for sequences, bounded and derandomized.
    Workflow.run(settings=settings(Workflow.TestCase.settings, **STATEFUL_SETTINGS))


def bearer(api) -> dict[str, str]:
    """The Authorization header carrying the twin's API token."""
    return {"Authorization": f"Bearer {api.token}"}
