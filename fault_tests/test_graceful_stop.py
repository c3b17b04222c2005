"""Stopping a twin while 8 clients write: every 2xx is stored, and nothing else is.

Three ways a server is stopped: `docker stop` signals the master only, systemd the whole process
group, Ctrl-C in a terminal sends SIGINT to the group (Gunicorn's quick stop). The clients keep
their connections alive between requests, as real ones do. After a graceful stop (SIGTERM) the
stored items are exactly the acknowledged ones: a request the server applied was answered, so no
client saw a reset connection for it. One more client is halfway through sending its body when
the signal comes: a graceful stop waits for it. A quick stop may drop requests in flight, so there
only "every 2xx is stored" holds.
"""

import os
import signal
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
import requests

from fault_tests.helpers import stored_names
from twin_servers.client import JSON

CLIENTS = 8
ACKED_BEFORE_STOP = 40  # creates acknowledged before the signal: the clients are in full swing
GRACEFUL_TIMEOUT = 20.0  # gunicorn.conf.py: after it, the master SIGKILLs the workers
SLOW_BODY_PAUSE = 0.5  # s between the two halves of the slow client's body, after the signal
STOPS = {
    "docker-stop": (signal.SIGTERM, "master"),
    "systemd-stop": (signal.SIGTERM, "group"),
    "ctrl-c": (signal.SIGINT, "group"),
}


def writer(api, prefix: str, number: int, stopped: threading.Event) -> list[tuple[str, str]]:
    """Create items until the server is gone; (name, outcome) for each: a status, or an error."""
    session = requests.Session()  # keep-alive, unlike the contract suite's client
    headers = {"Authorization": f"Bearer {api.token}"}
    outcomes = []
    while not stopped.is_set():
        name = f"{prefix}-{number}-{len(outcomes)}"
        try:
            response = session.post(
                f"{api.base_url}/api/items", json={"name": name}, headers=headers, timeout=30
            )
            outcomes.append((name, str(response.status_code)))
        except requests.ConnectionError as error:
            outcomes.append((name, root_cause(error)))
            time.sleep(0.01)  # the server is stopping: do not spin on refused connections
    return outcomes


def root_cause(error: BaseException) -> str:
    """The name of the error at the bottom of a chain (requests wraps urllib3 wraps the OS)."""
    while error.__cause__ or error.__context__:
        error = error.__cause__ or error.__context__
    return type(error).__name__


def start_slow_create(api, name: str) -> tuple[socket.socket, bytes]:
    """Send a create's headers and half its body; the rest is returned to be sent later."""
    body = f'{{"name": "{name}", "description": "{"x" * 200}"}}'.encode()
    address = urlsplit(api.base_url)
    head = (
        f"POST /api/items HTTP/1.1\r\nHost: {address.netloc}\r\nConnection: close\r\n"
        f"Authorization: Bearer {api.token}\r\nContent-Type: {JSON}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    connection = socket.create_connection((address.hostname, address.port), timeout=30)
    half = len(body) // 2
    connection.sendall(head + body[:half])
    return connection, body[half:]


def finish_slow_create(connection: socket.socket, rest: bytes) -> str:
    """Send the rest of the body; the status code of the answer."""
    with connection:
        connection.sendall(rest)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer.split(b" ", 2)[1].decode() if answer else "no answer"


@pytest.mark.parametrize("stop", STOPS, ids=list(STOPS))
def test_stop_while_8_clients_write_loses_no_acknowledged_create(twin, stop, launch, figures):
    signum, target = STOPS[stop]
    graceful = signum == signal.SIGTERM
    server, api = launch(twin)
    prefix = f"stop-{uuid.uuid4().hex[:8]}"
    stopped = threading.Event()
    with ThreadPoolExecutor(CLIENTS) as pool:
        clients = [pool.submit(writer, api, prefix, number, stopped) for number in range(CLIENTS)]
        try:
            deadline = time.monotonic() + 30
            while api.count(prefix) < ACKED_BEFORE_STOP and time.monotonic() < deadline:
                time.sleep(0.05)
            slow = start_slow_create(api, f"{prefix}-slow")
            time.sleep(0.2)  # a worker has taken the connection and waits for the body
            started = time.monotonic()
            if target == "master":
                os.kill(server.process.pid, signum)
            else:
                server.signal(signum)
            if graceful:
                time.sleep(SLOW_BODY_PAUSE)
                slow_status = finish_slow_create(*slow)
            else:
                slow[0].close()
            server.process.wait(timeout=GRACEFUL_TIMEOUT + 10)
            took = time.monotonic() - started
        finally:
            stopped.set()
        outcomes = [outcome for client in clients for outcome in client.result()]

    acked = {name for name, outcome in outcomes if outcome.startswith("2")}
    stored = {name for name in stored_names(server) if name.startswith(prefix)}
    failures = sorted({outcome for _, outcome in outcomes if not outcome.startswith("2")})
    figures.append(
        f"stop {twin:6} {stop:12} {len(acked)} creates acknowledged, {len(stored)} stored, "
        f"then {failures or 'no errors'}; server gone after {took:.1f} s"
    )
    assert len(acked) >= ACKED_BEFORE_STOP
    assert {outcome for _, outcome in outcomes} <= {"201", "ConnectionRefusedError"} | (
        # Connections the server had not read from yet when it closed them.
        {"ConnectionResetError", "RemoteDisconnected", "ProtocolError", "BrokenPipeError"}
    ), failures
    assert acked <= stored, "acknowledged creates were lost"
    # Long before graceful_timeout, when the master would SIGKILL workers with requests in flight.
    assert took < GRACEFUL_TIMEOUT / 2
    assert server.process.returncode == 0
    assert "Traceback" not in (server.workdir / "server.log").read_text()
    if graceful:
        assert slow_status == "201"
        assert stored - acked == {f"{prefix}-slow"}, "a client saw an error for a stored create"
