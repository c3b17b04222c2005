"""A PostgreSQL cluster of the fault tests' own: on a free port, stopped and started at will.

The shared server on :5432 must stay up for everyone else, so the tests that take the database
away run their own: `initdb` into a run dir under .runs/ (next to the servers'
run dirs, so a run killed outright leaves it to the next run's clean-up), then `postgres` itself
as a child process, which the tests stop with the signals pg_ctl would send.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from twin_servers.server import RUNS, START_TIMEOUT, free_port, guarded

# Debian's layout; PG_BINDIR names another (the folder holding initdb and postgres).
DEFAULT_BINDIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
# pg_ctl's shutdown modes as the postmaster's signals: "fast" ends every session and writes a
# checkpoint; "immediate" kills the backends at once, a crash that WAL recovery repairs at start.
STOP_SIGNALS = {"fast": signal.SIGINT, "immediate": signal.SIGQUIT}
STOP_TIMEOUT = 10.0  # seconds for the postmaster to stop, then SIGKILL


class ClusterError(RuntimeError):
    """The cluster could not be created or started; the message ends with its log."""


class Cluster:
    """One PostgreSQL cluster in a temp dir, owned by the `postgres` user when we are root."""

    def __init__(self) -> None:
        self.bindir = bindir()
        # initdb and postgres refuse to run as root: drop to the postgres user for them.
        self.user = "postgres" if os.geteuid() == 0 else None
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        RUNS.mkdir(exist_ok=True)
        self.workdir = Path(tempfile.mkdtemp(prefix="postgres-", dir=RUNS))
        self.workdir.chmod(0o755)  # the postgres user must reach data/ inside it
        self.data = self.workdir / "data"
        self.log = self.workdir / "postgres.log"
        self.process: subprocess.Popen | None = None

    def create(self) -> None:
        """initdb: a superuser `postgres`, trusted on 127.0.0.1 (nothing else can reach it)."""
        self.data.mkdir(mode=0o700)
        if self.user:
            shutil.chown(self.data, self.user, self.user)
        command = [str(self.bindir / "initdb"), "--pgdata", str(self.data), "--username=postgres"]
        command += ["--auth=trust", "--encoding=UTF8", "--no-sync"]
        result = self.run(command)
        if result.returncode != 0:
            raise ClusterError(f"initdb failed:\n{result.stdout}")

    def start(self) -> None:
        """Start the postmaster on 127.0.0.1 only (no Unix socket) and wait until it answers."""
        command = [str(self.bindir / "postgres"), "-D", str(self.data), "-p", str(self.port)]
        command += ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="]
        with self.log.open("ab") as log:
            self.process = guarded(
                [*self.as_user(), *command], stdout=log, stderr=subprocess.STDOUT
            )
        (self.workdir / "pid").write_text(str(self.process.pid))
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ClusterError(self.failure(f"postgres exited with {self.process.returncode}"))
            try:
                psycopg.connect(self.url, connect_timeout=2).close()
            except psycopg.OperationalError:
                time.sleep(0.05)
                continue
            return
        raise ClusterError(self.failure(f"postgres did not answer in {START_TIMEOUT:.0f} s"))

    def stop(self, mode: str = "fast") -> None:
        """Stop the postmaster the way `pg_ctl stop -m <mode>` does, and wait until it is gone."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(STOP_SIGNALS[mode])
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def remove(self) -> None:
        """Stop the cluster and delete its files."""
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def run(self, command: list[str]) -> subprocess.CompletedProcess:
        """Run one of the cluster's programs to its end, as the cluster's user."""
        return subprocess.run(
            [*self.as_user(), *command],
            capture_output=True,
            text=True,
            check=False,
            stdin=subprocess.DEVNULL,
        )

    def as_user(self) -> list[str]:
        """The command prefix that runs a program as the cluster's user (util-linux's setpriv,
        which execs it: signals sent to the prefix reach the program itself)."""
        if not self.user:
            return []
        return ["setpriv", f"--reuid={self.user}", f"--regid={self.user}", "--clear-groups"]

    def failure(self, reason: str) -> str:
        """What went wrong, with the end of the cluster's log."""
        tail = self.log.read_text(errors="replace").splitlines()[-20:] if self.log.exists() else []
        return "\n".join([f"PostgreSQL cluster on port {self.port}: {reason}; its log:", *tail])


def bindir() -> Path:
    """The folder with initdb and postgres: PG_BINDIR, else Debian's newest PostgreSQL."""
    candidates = [Path(os.environ["PG_BINDIR"])] if os.environ.get("PG_BINDIR") else DEFAULT_BINDIRS
    for candidate in candidates:
        if (candidate / "initdb").exists() and (candidate / "postgres").exists():
            return candidate
    raise ClusterError(f"no initdb and postgres in {[str(c) for c in candidates]}; set PG_BINDIR")
