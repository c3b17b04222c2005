"""A bounded soak: 16 clients, mixed reads and writes, SOAK_DURATION seconds (30) per twin.

On the default deployment (SQLite, 3 workers of 4 threads): no 5xx nor any other unexpected
answer, the stored items are exactly the acknowledged creates minus the acknowledged deletes,
and the server's memory is steady.

Memory is the resident size of the Gunicorn master and its workers together. It grows at first
whatever the code does (lazy imports, the allocator's arenas, per-thread caches, connections),
so "steady" is judged after a warm-up: from the sample at WARM_UP of the run to the end, it may
grow by at most GROWTH_BOUND. That bound is generous on purpose (timings and allocators are
noisy on a shared machine, and the sum counts the pages the workers share with the master once
per process); what it catches is a leak per request, which over thousands of requests grows
without end.
"""

import os
import random
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

from fault_tests.helpers import MIB, server_rss, stored_names

DURATION = float(os.environ.get("SOAK_DURATION", "30"))
CLIENTS = 16
WARM_UP = 0.2  # of the run: the "start" memory sample is taken then
# The most the memory may grow from that sample to the end: +10 %. Measured: +1 % to +3 % over
# 13,000 to 16,000 requests; a leak of 4 KiB a request would break it within 30 s.
GROWTH_BOUND = 0.10
# The mix, by weight: reads outnumber writes, and deletes keep the table from only growing.
OPERATIONS = {
    "list": 25,
    "read": 15,
    "home": 5,
    "healthz": 5,
    "create": 30,
    "update": 10,
    "delete": 10,
}
EXPECTED = {"list": 200, "read": 200, "home": 200, "healthz": 200, "create": 201, "update": 200}
EXPECTED["delete"] = 204


def client(api, prefix: str, number: int, deadline: float) -> tuple[Counter, set[str], list]:
    """Run the mix until the deadline: (answers by (operation, status), names left, errors)."""
    chance = random.Random(number)  # noqa: S311 (a load mix, not a secret)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {api.token}"
    answers, errors, mine = Counter(), [], {}  # mine: name -> id of this client's live items
    while time.monotonic() < deadline:
        operation = chance.choices(list(OPERATIONS), weights=list(OPERATIONS.values()))[0]
        if operation in ("read", "update", "delete") and not mine:
            operation = "create"
        name = chance.choice(list(mine)) if mine else None
        url = f"{api.base_url}/api/items"
        try:
            if operation == "create":
                name = f"{prefix}-{number}-{sum(answers.values())}"
                response = session.post(url, json={"name": name, "quantity": 1}, timeout=30)
                if response.status_code == 201:
                    mine[name] = response.json()["id"]
            elif operation == "list":
                response = session.get(url, params={"q": prefix, "limit": 20}, timeout=30)
            elif operation in ("home", "healthz"):
                path = "/" if operation == "home" else "/healthz"
                response = session.get(api.base_url + path, timeout=30)
            else:
                item_url = f"{url}/{mine[name]}"
                if operation == "read":
                    response = session.get(item_url, timeout=30)
                elif operation == "update":
                    response = session.patch(item_url, json={"quantity": 2}, timeout=30)
                else:
                    response = session.delete(item_url, timeout=30)
                    if response.status_code == 204:
                        del mine[name]
        except requests.RequestException as error:
            answers[operation, 0] += 1  # 0: no answer
            errors.append(f"{operation}: {error!r}")
            continue
        answers[operation, response.status_code] += 1
        if response.status_code != EXPECTED[operation]:
            errors.append(f"{operation}: {response.status_code} {response.text[:200]}")
    return answers, set(mine), errors


def test_soak_mixed_load_has_no_errors_loses_nothing_and_keeps_memory_steady(twin, launch, figures):
    server, api = launch(twin)
    prefix = f"soak-{uuid.uuid4().hex[:8]}"
    memory = {"boot": server_rss(server)}
    started = time.monotonic()
    deadline = started + DURATION
    with ThreadPoolExecutor(CLIENTS) as pool:
        runs = [pool.submit(client, api, prefix, number, deadline) for number in range(CLIENTS)]
        for label, moment in (("start", WARM_UP), ("middle", 0.6), ("end", 0.99)):
            time.sleep(max(0.0, started + moment * DURATION - time.monotonic()))
            memory[label] = server_rss(server)
        results = [run.result() for run in runs]

    answers = sum((answers for answers, _, _ in results), Counter())
    left = set().union(*(names for _, names, _ in results))
    errors = [error for _, _, client_errors in results for error in client_errors]
    server_errors = sum(count for (_, status), count in answers.items() if status >= 500)
    total = sum(answers.values())
    figures.append(
        f"soak {twin:6} {DURATION:.0f} s x {CLIENTS} clients: {total} requests "
        f"({total / DURATION:.0f}/s), {len(errors)} errors ({server_errors} 5xx); RSS MiB "
        + ", ".join(f"{label} {size / MIB:.1f}" for label, size in memory.items())
    )
    assert errors == [], errors[:10]
    created, deleted = answers["create", 201], answers["delete", 204]
    assert api.count(prefix) == created - deleted == len(left)
    assert {name for name in stored_names(server) if name.startswith(prefix)} == left
    assert memory["end"] <= memory["start"] * (1 + GROWTH_BOUND), memory
