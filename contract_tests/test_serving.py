"""How the production server serves: what a browser does to it must not stall it."""

import socket
from urllib.parse import urlsplit

import requests

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
