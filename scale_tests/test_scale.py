"""Three replicas of each twin behind nginx on one PostgreSQL: started at once, the whole contract
suite through nginx, a body no replica reads, a rolling restart under writes, a write held past
nginx's read timeout, which nginx never sends to a second replica, a replica refusing connections
(reads go on, writes are not retried), 100 slow clients, and the database connections a twin
opens."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from types import SimpleNamespace
from urllib.parse import urlsplit

import psycopg
import pytest
import requests

from contract_tests.helpers import MIB, padded_json
from contract_tests.test_admin import SITES, Browser
from contract_tests.test_production import FAILURE_LIMIT, LOCKED_OUT
from scale_tests.deployment import PORTS, POSTGRES_URL, Deployment
from twin_servers.client import http_session
from twin_servers.postgres import with_database
from twin_servers.server import REPO

TWINS = list(PORTS)
WRITERS = 4
SUITE_TIMEOUT = 600  # seconds
CONCURRENT_CLIENTS = 16  # more than the replicas' threads together
THREADS_PER_REPLICA = 4  # gunicorn.conf.py's threads, in the one worker a replica runs here
HELD_TIMEOUT = 2  # seconds: nginx's read timeout while a test holds a request past it
# nginx reads a body whole before it forwards the request, and a chunked one goes on with a
# Content-Length: no replica can tell it was chunked, so its 411 is not the contract through
# nginx (docs/scaling.md).
NOT_THROUGH_NGINX = [
    f"contract_tests/test_writes.py::{test}"
    for twin in TWINS
    for test in (
        *(
            f"test_a_chunked_body_is_411_length_required[{twin}-{m}]"
            for m in ("POST", "PUT", "PATCH")
        ),
        f"test_the_first_failing_check_answers[{twin}-411 beats 415]",
    )
]


@pytest.fixture(scope="module")
def deployment():
    deployment = Deployment()
    try:
        deployment.start()
        yield deployment
    finally:
        deployment.stop()


def test_every_replica_started_at_once_came_up_on_one_fresh_database(deployment):
    # start() launched each twin's replicas together and waited for each one's /healthz.
    for twin, replicas in deployment.replicas.items():
        assert len(replicas) == 3
        assert all(replica.process.poll() is None for replica in replicas), twin


def test_the_contract_suite_passes_through_nginx(deployment):
    targets = ",".join(f"{twin}={deployment.url(twin)}" for twin in TWINS)
    username, password = deployment.admin
    env = os.environ | {
        "CONTRACT_TARGETS": targets,
        "API_TOKEN": deployment.token,
        "ADMIN_USERNAME": username,
        "ADMIN_PASSWORD": password,
    }
    plugins = ["-p", "no:schemathesis", "-p", "no:hypothesispytest", "-p", "no:django"]
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "pytest", "-q", "-rf", *plugins, "-p", "no:anyio", "contract_tests"]
        + [f"--deselect={test}" for test in NOT_THROUGH_NGINX],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=SUITE_TIMEOUT,
        check=False,
    )
    tail = "\n".join(result.stdout.splitlines()[-40:])
    assert result.returncode == 0, f"the contract suite failed through nginx:\n{tail}"


@pytest.mark.parametrize("twin", TWINS)
def test_large_bodies_a_replica_does_not_read_take_no_replica_out(deployment, twin):
    # Anonymous 1.9 MB POSTs: each a 401 from the twin, never nginx's 502, and every replica
    # keeps serving (a client cannot take them out of rotation).
    body = padded_json(MIB * 19 // 10)
    with http_session() as client:
        # As the contract suite's client: a refused body leaves no half-closed connection behind.
        client.headers["Connection"] = "close"
        for _ in range(30):
            response = client.post(
                f"{deployment.url(twin)}/api/items",
                data=body,
                headers={"Content-Type": "application/json"},
                timeout=30,
            )
            assert response.status_code == 401, response.text[:200]
            assert response.json()["error"]["code"] == "unauthorized"
        statuses = [client.get(f"{deployment.url(twin)}/api/data").status_code for _ in range(30)]
    assert statuses == [200] * 30


@pytest.mark.parametrize("twin", TWINS)
def test_a_rolling_restart_under_writes_fails_no_request_and_loses_no_write(deployment, twin):
    acknowledged, failures = [], []
    done = threading.Event()

    def write() -> None:
        with http_session() as client:
            # A new connection per request, as many clients: none is left to a replica stopping.
            client.headers["Connection"] = "close"
            while not done.is_set():
                name = f"rolling-{uuid.uuid4().hex[:12]}"
                try:
                    response = client.post(
                        f"{deployment.url(twin)}/api/items",
                        json={"name": name},
                        headers={"Authorization": f"Bearer {deployment.token}"},
                        timeout=30,
                    )
                except requests.RequestException as error:
                    failures.append(repr(error))
                    continue
                if response.status_code == 201:
                    acknowledged.append(name)
                else:
                    failures.append(f"{response.status_code} {response.text[:200]}")

    writers = [threading.Thread(target=write) for _ in range(WRITERS)]
    for writer in writers:
        writer.start()
    try:
        time.sleep(1)
        # One replica at a time: out of rotation, stopped gracefully, started again, back in.
        replica = deployment.replicas[twin][0]
        replica.down = True
        deployment.reload_nginx()
        assert replica.stop() == 0, replica.failure("did not stop cleanly")
        replica.start()
        replica.wait_until_healthy()
        replica.down = False
        deployment.reload_nginx()
        time.sleep(1)
    finally:
        done.set()
        for writer in writers:
            writer.join()
    assert failures == [], f"{len(failures)} failed requests, the first: {failures[:3]}"
    assert len(acknowledged) > 50, "too few writes to tell"
    database_url = with_database(POSTGRES_URL, deployment.databases[twin])
    with psycopg.connect(database_url) as connection:
        rows = connection.execute("SELECT name FROM items_item WHERE name LIKE 'rolling-%'")
        stored = {name for (name,) in rows}
    assert set(acknowledged) <= stored, "an acknowledged write is not stored"


@pytest.fixture
def short_read_timeout(deployment):
    deployment.read_timeout = f"{HELD_TIMEOUT}s"
    deployment.reload_nginx()
    yield
    deployment.read_timeout = None
    deployment.reload_nginx()


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("twin", TWINS)
def test_a_write_held_past_nginx_read_timeout_reaches_one_replica_and_is_answered_504(
    deployment, short_read_timeout, twin, method
):
    url, auth = deployment.url(twin), {"Authorization": f"Bearer {deployment.token}"}
    name = f"held-{uuid.uuid4().hex[:12]}"
    database_url = with_database(POSTGRES_URL, deployment.databases[twin])
    replicas = deployment.replicas[twin]
    with http_session() as client:
        client.headers["Connection"] = "close"
        created = client.post(f"{url}/api/items", json={"name": name}, headers=auth, timeout=30)
        assert created.status_code == 201, created.text[:200]
        path = "/api/items" if method == "POST" else f"/api/items/{created.json()['id']}"
        body = None if method == "DELETE" else {"name": f"{name}-{method.lower()}"}
        seen = [replica.log.stat().st_size for replica in replicas]
        with psycopg.connect(database_url) as holder, psycopg.connect(database_url) as watcher:
            # Until this transaction ends, every write to the table waits (reads go on).
            holder.execute("LOCK TABLE items_item IN EXCLUSIVE MODE")
            response = client.request(
                method, f"{url}{path}", json=body, headers=auth, timeout=HELD_TIMEOUT * 5
            )
            (waiting,) = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchone()
            holder.rollback()
    assert response.status_code == 504, f"{response.status_code} {response.text[:200]}"
    assert waiting == 1, f"{waiting} replicas were sent the {method}"

    def logged() -> int:
        line = f'"{method} {path} HTTP/'.encode()
        return sum(r.log.read_bytes()[n:].count(line) for r, n in zip(replicas, seen, strict=True))

    # The replica answers once the lock is gone, and Gunicorn logs the request then.
    deadline = time.monotonic() + 10
    while logged() == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert logged() == 1, f"the {method} is in the replicas' access logs {logged()} times"


SLOW_CLIENTS = 100  # half with headers never finished, half with a body promised and not sent
OTHERS = 40  # requests of everyone else, sent while the slow clients hold their connections


@pytest.mark.parametrize("twin", TWINS)
def test_100_slow_clients_leave_the_twin_answering_everyone_else(deployment, twin):
    host, port = urlsplit(deployment.url(twin)).hostname, urlsplit(deployment.url(twin)).port
    unfinished = f"GET /api/data HTTP/1.1\r\nHost: {host}\r\nX-Slow: "
    promised = (
        f"POST /api/items HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {deployment.token}\r\n"
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"name": '
    )
    slow = []
    try:
        for number in range(SLOW_CLIENTS):
            connection = socket.create_connection((host, port), timeout=10)
            connection.sendall((unfinished if number % 2 else promised).encode())
            slow.append(connection)
        started = time.monotonic()
        statuses = []
        with http_session() as client:
            client.headers["Connection"] = "close"
            for number in range(OTHERS):
                if number % 4:
                    response = client.get(f"{deployment.url(twin)}/api/data", timeout=30)
                else:
                    response = client.post(
                        f"{deployment.url(twin)}/api/items",
                        json={"name": f"past-slow-{uuid.uuid4().hex[:12]}"},
                        headers={"Authorization": f"Bearer {deployment.token}"},
                        timeout=30,
                    )
                statuses.append(response.status_code)
        elapsed = time.monotonic() - started
    finally:
        for connection in slow:
            connection.close()
    assert statuses == [201 if n % 4 == 0 else 200 for n in range(OTHERS)], statuses
    assert elapsed < OTHERS * 0.5, f"{OTHERS} requests took {elapsed:.1f} s past the slow clients"


@pytest.mark.parametrize("twin", TWINS)
def test_a_replica_refusing_connections_costs_reads_nothing_and_writes_are_never_retried(
    deployment, twin
):
    url, auth = deployment.url(twin), {"Authorization": f"Bearer {deployment.token}"}
    replica = deployment.replicas[twin][0]
    # Stopped, still in nginx's rotation: its port refuses every connection.
    assert replica.stop() == 0, replica.failure("did not stop cleanly")
    try:
        with http_session() as client:
            client.headers["Connection"] = "close"
            reads = [client.get(f"{url}/api/data", timeout=30).status_code for _ in range(30)]
            names = [f"refused-{uuid.uuid4().hex[:12]}" for _ in range(30)]
            writes = [
                client.post(f"{url}/api/items", json={"name": n}, headers=auth, timeout=30)
                for n in names
            ]
    finally:
        replica.start()
        replica.wait_until_healthy()
    assert reads == [200] * 30, f"reads: {reads}"
    statuses = sorted({response.status_code for response in writes})
    # Round robin sends about a third of the writes to the stopped replica: nginx's 502, no retry.
    assert statuses == [201, 502], f"writes answered {statuses}"
    with http_session() as client:
        stored = {
            name
            for name in names
            if client.get(f"{url}/api/items", params={"q": name}, timeout=30).json()["count"]
        }
    assert stored == {n for n, r in zip(names, writes, strict=True) if r.status_code == 201}


@pytest.mark.parametrize("twin", TWINS)
def test_a_twin_opens_at_most_one_database_connection_per_thread(deployment, twin):
    url, auth = deployment.url(twin), {"Authorization": f"Bearer {deployment.token}"}
    threads = len(deployment.replicas[twin]) * THREADS_PER_REPLICA
    done = threading.Event()

    def client_loop() -> None:
        with http_session() as client:
            while not done.is_set():
                client.get(f"{url}/api/items", params={"limit": 100}, timeout=30)
                name = f"budget-{uuid.uuid4().hex[:12]}"
                client.post(f"{url}/api/items", json={"name": name}, headers=auth, timeout=30)

    database_url = with_database(POSTGRES_URL, deployment.databases[twin])
    clients = [threading.Thread(target=client_loop) for _ in range(CONCURRENT_CLIENTS)]
    peak = 0
    with psycopg.connect(database_url, autocommit=True) as watcher:
        for each in clients:
            each.start()
        try:
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                (count,) = watcher.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchone()
                peak = max(peak, count)
                time.sleep(0.02)
        finally:
            done.set()
            for each in clients:
                each.join()
    assert 0 < peak <= threads, f"{peak} connections for {threads} threads"


@pytest.mark.parametrize("twin", TWINS)
def test_failed_logins_on_every_replica_lock_the_username_at_the_clients_address(deployment, twin):
    # The contract suite's lockout tests play the proxies in front of a twin and choose the
    # client's address; through nginx no client can (nginx appends the address it saw), so here
    # the address is this machine's, and the failures go round the replicas.
    replicas = deployment.replicas[twin]
    seen = [replica.log.stat().st_size for replica in replicas]
    browser = Browser(SimpleNamespace(base_url=deployment.url(twin)), SITES[twin])
    username = f"nobody-{uuid.uuid4().hex[:8]}"
    failures = [browser.log_in(username, "wrong").status_code for _ in range(FAILURE_LIMIT - 1)]
    assert failures == [200] * (FAILURE_LIMIT - 1)
    locked = browser.log_in(username, "wrong")
    assert locked.status_code == 429, f"{locked.status_code}: the fifth failure did not lock"
    assert LOCKED_OUT in locked.text

    def login_posts(replica, offset) -> int:
        return replica.log.read_bytes()[offset:].count(b'"POST /admin/login/')

    posted = [login_posts(replica, n) for replica, n in zip(replicas, seen, strict=True)]
    assert sum(1 for count in posted if count) > 1, f"the logins reached one replica: {posted}"
    # The lock is that username's: the admin still logs in from the same address.
    admin = Browser(SimpleNamespace(base_url=deployment.url(twin)), SITES[twin])
    assert admin.log_in(*deployment.admin).status_code == 302
