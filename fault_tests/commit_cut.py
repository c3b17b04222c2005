"""A proxy in front of PostgreSQL that cuts the database off right after a write has committed.

The twin connects through it. Once armed, it reads PostgreSQL's answers as they pass: after a
command that wrote (INSERT, UPDATE, DELETE, COMMIT), the first ReadyForQuery that says the
session is idle, outside any transaction, means the write is durable. The proxy hands that
message on, then closes every connection and refuses new ones: the twin has its COMMIT and no
database left to read anything back from, until the test reconnects the proxy.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading

WRITE_TAGS = (b"INSERT", b"UPDATE", b"DELETE", b"COMMIT")
IDLE = b"I"  # ReadyForQuery's transaction status outside a transaction


class CommitCut:
    """A TCP proxy on a free port of 127.0.0.1 to a PostgreSQL server on `port`."""

    def __init__(self, port: int) -> None:
        self.target = ("127.0.0.1", port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.armed = threading.Event()
        self.cut = threading.Event()  # set once the cut happened; new connections are refused
        self.sockets: set[socket.socket] = set()
        self.lock = threading.Lock()
        threading.Thread(target=self.accept, daemon=True).start()

    def url(self, postgres_url: str) -> str:
        """The PostgreSQL URL, through the proxy."""
        return postgres_url.replace(f":{self.target[1]}/", f":{self.port}/")

    def reconnect(self) -> None:
        """Let connections through again, disarmed."""
        self.armed.clear()
        self.cut.clear()

    def accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            if self.cut.is_set():
                client.close()
                continue
            server = socket.create_connection(self.target)
            with self.lock:
                self.sockets |= {client, server}
            threading.Thread(target=self.pump, args=(client, server), daemon=True).start()
            threading.Thread(target=self.watch, args=(server, client), daemon=True).start()

    def pump(self, source: socket.socket, sink: socket.socket) -> None:
        """The client's side, as it is."""
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        self.close(source, sink)

    def watch(self, server: socket.socket, client: socket.socket) -> None:
        """PostgreSQL's side, message by message: a type byte, a 4-byte length, the rest."""
        stream = server.makefile("rb")
        wrote = False
        try:
            first = stream.peek(1)[:1]
            while first == b"N":  # the server's one-byte "no" to SSL or GSS encryption
                client.sendall(stream.read(1))
                first = stream.peek(1)[:1]
            while header := stream.read(5):
                kind, length = header[:1], struct.unpack("!I", header[1:])[0]
                message = header + stream.read(length - 4)
                if kind == b"C" and message[5:].startswith(WRITE_TAGS):
                    wrote = True
                client.sendall(message)
                if kind == b"Z" and message[5:6] == IDLE:
                    if wrote and self.armed.is_set():
                        self.cut.set()
                        self.close_all()
                        return
                    wrote = False  # committed before the proxy was armed
        except OSError:
            pass
        self.close(server, client)

    def close(self, *sockets: socket.socket) -> None:
        with self.lock:
            for each in sockets:
                self.sockets.discard(each)
                each.close()

    def close_all(self) -> None:
        """Every connection through the proxy, ended at once (a reset, not a goodbye)."""
        with self.lock:
            for each in self.sockets:
                with contextlib.suppress(OSError):
                    each.shutdown(socket.SHUT_RDWR)
            self.sockets.clear()

    def stop(self) -> None:
        self.listener.close()
        self.close_all()
