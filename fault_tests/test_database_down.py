"""The database goes away under a running twin, then comes back: quick 503s, then full service.

The twin runs on the suite's own PostgreSQL cluster, which the test stops (pg_ctl's fast and
immediate modes: a shutdown, a crash) or replaces with a port that accepts connections and never
answers (a host gone silent behind a firewall, where only the twins' 2 s connect timeout helps).
A proxy in front of the cluster cuts the database off right after a write's COMMIT: the write is
stored, and its answer must say so.
"""

import socket
import time
import uuid
from contextlib import contextmanager

import pytest

from contract_tests.helpers import assert_error, fill
from fault_tests.commit_cut import CommitCut
from fault_tests.helpers import workers
from twin_servers.client import ITEM_PATH

ITEMS_BEFORE = 20
# Requests per phase: with a new connection for each, every Gunicorn worker (3, of 4 threads)
# meets the fault with the connections it kept from before it. A silent database costs 2 s a
# request: there, each kind of request once.
PROBES = 24
SILENT_PROBES = 6
REFUSED_BOUND = 2.0  # s: the bound for an answer when nothing listens at the database
# A silent database costs each request the twins' connect timeout (2 s, libpq's minimum), and
# Flask's pool may first spend a ping on the connection it kept: 2 s plus a generous margin.
SILENT_BOUND = 2.0 + 2.0
RECOVERY_TIMEOUT = 10.0  # s for /healthz to say 200 again once the database is back


@contextmanager
def silent_port(port: int):
    """A socket on `port` that never accepts: a client's connection hangs at the greeting."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(PROBES * 4)
        yield


@contextmanager
def outage(cluster, kind: str):
    """The database unreachable for the block's duration, then running again."""
    cluster.stop("fast" if kind == "silent" else kind)
    try:
        if kind == "silent":
            with silent_port(cluster.port):
                yield
        else:
            yield
    finally:
        cluster.start()


def probes(item_id: int, name: str) -> list:
    """(method, path, payload) of requests that all need the database: reads and writes."""
    path = ITEM_PATH.format(id=item_id)
    return [
        ("GET", "/healthz", None),
        ("GET", "/api/items", None),
        ("GET", path, None),
        ("POST", "/api/items", {"name": name}),
        ("PATCH", path, {"quantity": 99}),
        ("DELETE", path, None),
    ]


@pytest.mark.parametrize("kind", ["fast", "immediate", "silent"])
def test_database_down_gives_quick_503s_and_back_gives_service_without_restart(
    twin, kind, cluster, launch
):
    server, api = launch(twin, cluster.url)
    prefix = f"down-{uuid.uuid4().hex[:8]}"
    before = [api.create(name=f"{prefix}-{number}", quantity=number) for number in range(10)]
    before += [api.create(name=f"{prefix}-{number}") for number in range(10, ITEMS_BEFORE)]
    forked = workers(server)
    lost_name = f"{prefix}-during-outage"
    bound = SILENT_BOUND if kind == "silent" else REFUSED_BOUND

    with outage(cluster, kind):
        cases = probes(before[0]["id"], lost_name)
        for number in range(SILENT_PROBES if kind == "silent" else PROBES):
            method, path, payload = cases[number % len(cases)]
            started = time.monotonic()
            response = api.request(method, path, payload=payload)
            elapsed = time.monotonic() - started
            assert elapsed < bound, f"{method} {path} took {elapsed:.2f} s"
            if path == "/healthz":
                assert response.status_code == 503
                assert response.json() == {"status": "error", "database": "unavailable"}
            else:
                assert_error(response, 503, "unavailable")
            assert "Traceback" not in response.text

    deadline = time.monotonic() + RECOVERY_TIMEOUT
    while api.get("/healthz").status_code != 200:
        assert time.monotonic() < deadline, f"no recovery within {RECOVERY_TIMEOUT:.0f} s"
        time.sleep(0.1)
    # Every worker again (a new connection each): each must have dropped its dead connections.
    for _ in range(PROBES):
        assert api.get("/healthz").status_code == 200
        assert api.count(prefix) == ITEMS_BEFORE
    assert [api.item(item["id"]) for item in before] == before
    assert api.count(lost_name) == 0
    api.create(name=lost_name)
    assert workers(server) == forked, "a worker was restarted"
    assert server.process.poll() is None
    assert "Traceback" not in (server.workdir / "server.log").read_text()


# (method, payload, status): each write, answered from what it wrote.
WRITES = [
    ("POST", {"name": "{name}-new", "quantity": 7}, 201),
    ("PUT", {"name": "{name}-put", "description": "replaced"}, 200),
    ("PATCH", {"quantity": 42}, 200),
    ("DELETE", None, 204),
]


@pytest.fixture
def commit_cut(cluster):
    """The proxy that cuts the cluster off after a commit; it outlives the servers behind it."""
    proxy = CommitCut(cluster.port)
    yield proxy
    proxy.stop()


@pytest.mark.parametrize(("method", "payload", "status"), WRITES, ids=[w[0] for w in WRITES])
def test_a_write_committed_as_the_database_goes_is_answered_as_committed(
    twin, method, payload, status, cluster, commit_cut, launch
):
    _server, api = launch(twin, commit_cut.url(cluster.url))
    name = f"cut-{uuid.uuid4().hex[:8]}"
    item = api.create(name=name, quantity=1)
    path = "/api/items" if method == "POST" else ITEM_PATH.format(id=item["id"])
    payload = fill(payload, name)
    commit_cut.armed.set()
    response = api.request(method, path, payload=payload)
    was_cut = commit_cut.cut.is_set()
    commit_cut.reconnect()
    assert was_cut, "the proxy saw no write commit"
    assert response.status_code == status, f"{method}: {response.status_code} {response.text}"
    deadline = time.monotonic() + RECOVERY_TIMEOUT
    while api.get("/healthz").status_code != 200:
        assert time.monotonic() < deadline, f"no recovery within {RECOVERY_TIMEOUT:.0f} s"
        time.sleep(0.1)
    if method == "DELETE":
        assert api.get(path).status_code == 404, "the answered delete was not stored"
    else:
        answered = response.json()
        assert api.item(answered["id"]) == answered, "the answer is not what was stored"
        assert answered | payload == answered, "the answer is not what was written"
