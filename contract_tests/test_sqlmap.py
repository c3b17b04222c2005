"""sqlmap against both live twins: the list's query, an item's path and a write's JSON body.

Debian's sqlmap (.ci/run installs it) at level 3 and risk 2, each target one bounded run against a
server the suite started on 127.0.0.1. An injection found, or any answer of 500, fails the test.
"""

import csv
import json
import shutil
import subprocess

import pytest

from contract_tests.helpers import writable_fields
from twin_servers.client import ITEM_PATH

SQLMAP = shutil.which("sqlmap")
TIMEOUT = 300  # seconds for one target; each takes about a minute at most
NOTHING_FOUND = "all tested parameters do not appear to be injectable"
SERVER_ERROR = "500 (Internal Server Error)"

pytestmark = [
    pytest.mark.fuzz,
    pytest.mark.skipif(not SQLMAP, reason="no sqlmap: `sudo apt-get install sqlmap`"),
]


def list_query(api, item, name) -> list[str]:
    """The list's `q`."""
    return ["-u", f"{api.base_url}/api/items?q={name}", "-p", "q"]


def item_path(api, item, name) -> list[str]:
    """The id in an item's path (sqlmap's `*` marks where it injects)."""
    return ["-u", api.base_url + ITEM_PATH.format(id=item["id"]) + "*"]


def json_body(api, item, name) -> list[str]:
    """Each field of a create's JSON body, sent with the API token."""
    body = {field: item[field] for field in writable_fields()} | {"name": name}
    return [
        *("-u", f"{api.base_url}/api/items", "--data", json.dumps(body)),
        *("-H", f"Authorization: Bearer {api.token}", "-H", "Content-Type: application/json"),
        *("-p", ",".join(body)),
    ]


@pytest.mark.parametrize(
    "target", [list_query, item_path, json_body], ids=["list query", "item path", "json body"]
)
def test_sqlmap_finds_no_injection_and_no_server_error(api, item, unique_name, tmp_path, target):
    if not api.launched:
        pytest.skip("sqlmap runs only against servers the suite started on 127.0.0.1")
    command = [
        *(SQLMAP, "--batch", "--disable-coloring", "--flush-session", f"--output-dir={tmp_path}"),
        *("--level=3", "--risk=2"),
        *target(api, item, f"{unique_name}-sqlmap"),
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    [results] = tmp_path.glob("results-*.csv")
    with results.open(newline="") as file:
        findings = list(csv.DictReader(file))
    assert findings == [], f"sqlmap found an injection: {findings}"
    assert SERVER_ERROR not in run.stdout, "some request of sqlmap's got a 500"
    assert NOTHING_FOUND in run.stdout, f"sqlmap did not finish: {run.stdout[-300:]}"
