"""A client for one live twin: its base URL, its API token, requests as the contract sends them."""

from __future__ import annotations

import json
import socket
import threading
from urllib.parse import urlsplit

import requests

JSON = "application/json"
ITEM_PATH = "/api/items/{id}"
TOKEN = object()  # `authorization=TOKEN`: send "Bearer <the server's API_TOKEN>"


def http_session() -> requests.Session:
    """A requests session that talks to the servers directly: no proxy, no .netrc.

    With trust_env (requests' default) every request reads the proxy variables and ~/.netrc
    afresh, and a proxy in the caller's shell would stand between the tests and the servers.
    """
    session = requests.Session()
    session.trust_env = False
    return session


class Raw(str):
    """A body sent as raw JSON text: for what json.dumps cannot write (`1e400`)."""


def encode(payload) -> bytes:
    """A payload as the bytes of a JSON body (Raw text as it is)."""
    if isinstance(payload, Raw):
        return payload.encode()
    return json.dumps(payload).encode()


class Api:
    """A client for one live twin: base URL, API token, and one HTTP session per thread."""

    def __init__(self, twin: str, base_url: str, token: str | None, *, launched: bool) -> None:
        self.twin = twin
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.launched = launched  # False when CONTRACT_TARGETS points at servers run elsewhere
        self.local = threading.local()

    @property
    def session(self) -> requests.Session:
        """This thread's session (requests sessions are not shared between threads).

        Its connections are kept alive between reads, as a browser's or a client library's are
        (see request() for writes).
        """
        if not hasattr(self.local, "session"):
            self.local.session = http_session()
        return self.local.session

    def request(
        self,
        method: str,
        path: str,
        *,
        payload=None,
        body: bytes | None = None,
        content_type: str | None = JSON,
        authorization=TOKEN,
        params=None,
        headers=None,
    ) -> requests.Response:
        """Send one request as given: a JSON payload or raw body, no redirects followed."""
        headers = dict(headers or {})
        if payload is not None:
            body = encode(payload)
        if body is not None and content_type:
            headers["Content-Type"] = content_type
        if authorization is TOKEN:
            authorization = f"Bearer {self.token}"
        if authorization is not None:
            headers["Authorization"] = authorization
        if method not in ("GET", "HEAD", "OPTIONS"):
            # A write may be answered before its body is read (401, 413, 415), and then the twin,
            # or a proxy in front of it, may close the connection: a write leaves none to reuse.
            headers.setdefault("Connection", "close")
        return self.session.request(
            method,
            self.base_url + path,
            data=body,
            params=params,
            headers=headers,
            allow_redirects=False,
            timeout=30,
        )

    def get(self, path: str, **kwargs) -> requests.Response:
        """A GET without credentials."""
        return self.request("GET", path, authorization=None, **kwargs)

    def create(self, **fields) -> dict:
        """Create an item through the API and return it; the creation itself must succeed."""
        response = self.request("POST", "/api/items", payload=fields)
        assert response.status_code == 201, f"create: {response.status_code}, {response.text:.200}"
        return response.json()

    def item(self, item_id: int) -> dict:
        """The item as the API shows it now."""
        response = self.get(ITEM_PATH.format(id=item_id))
        assert response.status_code == 200, f"item {item_id}: {response.status_code}"
        return response.json()

    def count(self, q: str | None = None) -> int:
        """How many items match `q` (all items without it)."""
        params = {"limit": 1} | ({"q": q} if q else {})
        return self.get("/api/items", params=params).json()["count"]

    def raw(self, request_head: str) -> bytes:
        """Send a bare HTTP/1.1 request over a socket and return every byte of the answer."""
        url = urlsplit(self.base_url)
        host = f"{url.hostname}:{url.port}"
        with socket.create_connection((url.hostname, url.port), timeout=10) as conn:
            conn.sendall(f"{request_head}\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            chunks = []
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)
