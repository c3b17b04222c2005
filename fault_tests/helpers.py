"""What the fault tests read from outside the HTTP API: processes, memory, the stored rows."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import psycopg

from twin_servers.postgres import with_database
from twin_servers.server import Server

MIB = 1024 * 1024
ITEMS_TABLE = "items_item"  # both twins' table (the Flask twin takes Django's name)
DEFAULT_WORKERS = 3  # gunicorn.conf.py's, when the flavour does not set WEB_CONCURRENCY


def children(pid: int) -> set[int]:
    """The ids of the processes whose parent is `pid` (a Gunicorn master's workers)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # gone meanwhile
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after it.
        if int(text.rpartition(")")[2].split()[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def master(server: Server) -> int:
    """The Gunicorn master: the one child of the guard the server runs under (serve.sh execs it)."""
    (pid,) = children(server.process.pid)
    return pid


def workers(server: Server) -> set[int]:
    """The server's Gunicorn workers."""
    return children(master(server))


def wait_for_workers(server: Server, timeout: float = 10.0) -> set[int]:
    """The server's Gunicorn workers, once all of them have forked.

    /healthz answers as soon as the first worker runs; the master forks the others one by one,
    and on a busy machine the last may come a while later. A test that compares worker ids (was
    one restarted?) must start from the whole set.
    """
    expected = int(server.flavour.workers or DEFAULT_WORKERS)
    deadline = time.monotonic() + timeout
    while len(found := workers(server)) < expected:
        assert time.monotonic() < deadline, f"{len(found)} of {expected} workers after {timeout} s"
        time.sleep(0.05)
    return found


def rss(pid: int) -> int:
    """Resident memory in bytes of a process (0 if it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))
    return int(kib) * 1024


def server_rss(server: Server) -> int:
    """The resident memory of a server: its Gunicorn master and all its workers, in bytes."""
    return rss(master(server)) + sum(rss(worker) for worker in workers(server))


def stored_names(server: Server) -> set[str]:
    """The names in the server's items table, read from its database (the server may be gone)."""
    query = f"SELECT name FROM {ITEMS_TABLE}"  # noqa: S608 (a constant)
    if server.database:
        with psycopg.connect(with_database(server.postgres_url, server.database)) as connection:
            return {name for (name,) in connection.execute(query)}
    with sqlite3.connect(server.workdir / "db.sqlite3") as connection:
        return {name for (name,) in connection.execute(query)}
