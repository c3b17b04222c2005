"""How the production server serves: what a browser does to it must not stall it."""

import socket
from urllib.parse import urlsplit

import pytest
import requests

from contract_tests.helpers import expected

# As many as Gunicorn's worker processes (gunicorn.conf.py): enough to stall sync workers.
IDLE_CONNECTIONS = 3


def test_idle_connections_do_not_hold_up_other_requests(api):
    # Browsers open spare connections and send nothing on them. A sync worker waits on such a
    # connection until Gunicorn's timeout (30 s), so a few of them stall the whole server; a
    # gthread worker has threads to spare and parks an idle connection after 5 s.
    address = urlsplit(api.base_url)
    idle = [
        socket.create_connection((address.hostname, address.port)) for _ in range(IDLE_CONNECTIONS)
    ]
    try:
        response = requests.get(f"{api.base_url}/healthz", timeout=3)
    finally:
        for connection in idle:
            connection.close()
    assert response.status_code == 200


# gunicorn.conf.py's DRAIN_SECONDS, and a margin for a busy machine.
DRAIN_SECONDS = 5
MARGIN = 4
# Every thread of the server without API_TOKEN (1 worker, gunicorn.conf.py's 4 threads).
SLOW_WRITERS = 4


@pytest.mark.slow  # waits out the drain's deadline
def test_clients_that_promise_a_body_and_send_none_hold_a_thread_no_longer_than_the_deadline(
    tokenless_api,
):
    # Each write is answered 401 before its body is read; the server then reads what is left of
    # the body, so that the connection can be reused, but only for DRAIN_SECONDS.
    address = urlsplit(tokenless_api.base_url)
    head = (
        f"POST /api/items HTTP/1.1\r\nHost: {address.netloc}\r\n"
        "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
    )
    writers = [
        socket.create_connection((address.hostname, address.port)) for _ in range(SLOW_WRITERS)
    ]
    try:
        for writer in writers:
            writer.sendall(head.encode())
        for writer in writers:
            writer.settimeout(10)
            assert writer.recv(12) == b"HTTP/1.1 401", "the write was not answered 401 at once"
        try:
            response = requests.get(
                f"{tokenless_api.base_url}/api/data", timeout=DRAIN_SECONDS + MARGIN
            )
        except requests.Timeout:
            pytest.fail(
                f"no answer in {DRAIN_SECONDS + MARGIN} s: the slow writers hold every thread"
            )
    finally:
        for writer in writers:
            writer.close()
    assert response.status_code == 200, expected("status", 200, response.status_code)
