"""Start a twin as a real Gunicorn server (fresh temp dir and database, free port); stop it.

The database is a SQLite file in the temp dir, or, given a PostgreSQL server's URL, a database
of its own created on that server for this one server process and dropped when it stops.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import fcntl
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

import psycopg
import requests
from psycopg import sql

REPO = Path(__file__).resolve().parents[1]
RUNS = Path(__file__).resolve().parent / ".runs"
# The twins run from the venv that runs the suite (make setup's .venv, or CI's second Python's).
VENV_BIN = Path(sys.executable).parent
START_TIMEOUT = 30.0
STALE_AFTER = 300.0  # seconds: a run dir this old whose server is gone was left by a killed run
POLL_INTERVAL = 0.05
# Each twin's own command creating (or updating) its admin user from ADMIN_USERNAME and
# ADMIN_PASSWORD, run in the twin's folder against the server's database.
ADMIN_COMMANDS = {
    "flask": [str(VENV_BIN / "flask"), "--app", "wsgi", "create-admin"],
    "django": [str(VENV_BIN / "python"), "manage.py", "createadmin"],
}
# What a twin's image build does before serve.sh may run, in the twin's folder (Django: collect
# the static files, which serve.sh leaves to the build); run ahead of serve.sh in its process.
BUILD_STEPS = {
    "flask": [],
    "django": [["python", "manage.py", "collectstatic", "--noinput", "--verbosity", "0"]],
}
# The twins' own settings: a run decides them, whatever the calling shell exported.
TWIN_SETTINGS = (
    "ALLOWED_HOSTS",
    "API_TOKEN",
    "DATABASE_URL",
    "DEBUG",
    "GUNICORN_BIND",
    "HTTPS",
    "MIGRATE",
    "SECRET_KEY",
    "STATIC_ROOT",
    "TRUSTED_PROXIES",
    "WEB_CONCURRENCY",
)


def http_session() -> requests.Session:
    """A requests session that talks to the servers directly: no proxy, no .netrc.

    With trust_env (requests' default) every request reads the proxy variables and ~/.netrc
    afresh: a fifth of the suite's own CPU time, and a proxy in the caller's shell would stand
    between the tests and the servers.
    """
    session = requests.Session()
    session.trust_env = False
    return session


class ServerError(RuntimeError):
    """A twin did not start; the message ends with the tail of its log."""


@dataclass(frozen=True)
class Flavour:
    """What sets a server apart: an API token, a database it can reach, HTTPS=1 (a TLS proxy)."""

    name: str
    has_token: bool = True
    reachable_database: bool = True
    workers: str | None = None  # None: gunicorn.conf.py's default (3), as in production
    https: bool = False  # HTTPS=1: the tests play the proxy, sending X-Forwarded-Proto
    trusted_proxies: int = 0  # TRUSTED_PROXIES: the tests play the proxies, sending X-Forwarded-For


MAIN = Flavour("main")
# One extra server per twin serves two groups of tests: without API_TOKEN every write is a 401
# before the database is touched, so the same server can also have a database it cannot reach
# (for the 503 tests, which are reads). One worker, no migrations: start-up stays light.
BARE = Flavour(
    "no API_TOKEN, database unreachable", has_token=False, reachable_database=False, workers="1"
)
# Served as behind a TLS-terminating proxy (HTTPS=1), with an admin user, for the tests of HTTPS
# and of the login limit by address. One worker: the limit is in the database either way.
PROXIED = Flavour("HTTPS=1, behind a proxy", workers="1", https=True, trusted_proxies=1)
# Served over plain HTTP behind two proxies (a load balancer, then nginx), with an admin user:
# the client's address without HTTPS=1.
FORWARDED = Flavour("TRUSTED_PROXIES=2, plain HTTP", workers="1", trusted_proxies=2)
FLAVOURS = {flavour.name: flavour for flavour in (MAIN, BARE, PROXIED, FORWARDED)}


class Server:
    """One twin under Gunicorn in its own process group, with its own temp dir, database and log."""

    def __init__(self, twin: str, flavour: Flavour = MAIN, postgres_url: str | None = None) -> None:
        self.twin = twin
        self.flavour = flavour
        self.postgres_url = postgres_url  # None: a SQLite file; else the server to create a DB on
        self.database: str | None = None  # the PostgreSQL database this server created, if any
        self.token = secrets.token_urlsafe(24) if flavour.has_token else None
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.workdir: Path | None = None
        self.env: dict[str, str] = {}
        self.admin: tuple[str, str] | None = None  # (username, password), once create_admin ran
        self.admin_process: subprocess.Popen | None = None
        self.pid: int | None = None

    def start(self) -> None:
        """Launch serve.sh without waiting for an answer (so several servers boot in parallel)."""
        RUNS.mkdir(exist_ok=True)
        self.workdir = Path(tempfile.mkdtemp(prefix=f"{self.twin}-", dir=RUNS))
        env = {key: value for key, value in os.environ.items() if key not in TWIN_SETTINGS}
        env |= {
            "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(32),
            "DATABASE_URL": self.database_url(),
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            # Django: one per server, so that a server starting cannot rewrite the files under
            # one being tested (Flask ignores it).
            "STATIC_ROOT": str(self.workdir / "static"),
        }
        if self.token:
            env["API_TOKEN"] = self.token
        if not self.flavour.reachable_database:
            env["MIGRATE"] = "0"
        if self.flavour.workers:
            env["WEB_CONCURRENCY"] = self.flavour.workers
        if self.flavour.https:
            env["HTTPS"] = "1"
        if self.flavour.trusted_proxies:
            env["TRUSTED_PROXIES"] = str(self.flavour.trusted_proxies)
        self.env = env
        with (self.workdir / "server.log").open("wb") as log:
            self.process = subprocess.Popen(
                [
                    "/bin/sh",
                    "-c",
                    " && ".join([*map(shlex.join, BUILD_STEPS[self.twin]), "exec ./serve.sh"]),
                ],
                cwd=REPO / f"{self.twin}_impl",
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )
        self.pid = self.process.pid
        (self.workdir / "pid").write_text(str(self.pid))
        LIVE.add(self)

    def record(self) -> dict:
        """This launched server as plain data, for a process that will use it (Server.adopted)."""
        return {
            "twin": self.twin,
            "flavour": self.flavour.name,
            "port": self.port,
            "token": self.token,
            "pid": self.pid,
            "workdir": str(self.workdir),
            "env": self.env,
        }

    @classmethod
    def adopted(cls, record: dict) -> Server:
        """A server that another process launched (from its record): usable, not stoppable here."""
        server = cls(record["twin"], FLAVOURS[record["flavour"]])
        server.port, server.token = record["port"], record["token"]
        server.base_url = f"http://127.0.0.1:{server.port}"
        server.pid, server.env = record["pid"], record["env"]
        server.workdir = Path(record["workdir"])
        return server

    def running(self) -> bool:
        """Whether the server's process is still there (it may be another process's child)."""
        if self.process is not None:
            return self.process.poll() is None
        return is_running(self.pid)

    def database_url(self) -> str:
        """DATABASE_URL for this server: a fresh database, or one it cannot reach by design.

        On PostgreSQL the fresh database is created here, and stop() drops it.
        """
        if self.postgres_url is None:
            name = "db.sqlite3" if self.flavour.reachable_database else "no/db"
            return f"sqlite:///{self.workdir / name}"
        if not self.flavour.reachable_database:
            # A port nothing listens on: the connection is refused at once.
            return f"postgresql://postgres@127.0.0.1:{free_port()}/unreachable"
        name = f"twins_{self.twin}_{secrets.token_hex(6)}"
        # Written first: a run killed before stop() leaves the name for remove_stale_runs().
        (self.workdir / "postgres").write_text(f"{self.postgres_url}\n{name}\n")
        create_database(self.postgres_url, name)
        self.database = name
        return with_database(self.postgres_url, name)

    def wait_until_ready(self) -> None:
        """Wait for /healthz: 200, or any HTTP answer when the database is unreachable by design."""
        deadline = time.monotonic() + START_TIMEOUT
        with http_session() as probe:
            while time.monotonic() < deadline:
                if not self.running():
                    code = f" with {self.process.returncode}" if self.process else ""
                    raise ServerError(self.failure(f"exited{code}"))
                try:
                    response = probe.get(f"{self.base_url}/healthz", timeout=5)
                except (requests.ConnectionError, requests.Timeout):
                    time.sleep(POLL_INTERVAL)
                    continue
                if response.status_code == 200 or not self.flavour.reachable_database:
                    return
                time.sleep(POLL_INTERVAL)
        raise ServerError(self.failure(f"did not become ready in {START_TIMEOUT:.0f} s"))

    def create_admin(self) -> None:
        """Start the twin's own admin command (a random name and password), without waiting.

        Run once the server answers, so its migrations are applied; against the same database.
        """
        username, password = f"admin-{secrets.token_hex(4)}", secrets.token_urlsafe(16)
        self.admin = (username, password)
        env = self.env | {"ADMIN_USERNAME": username, "ADMIN_PASSWORD": password}
        with (self.workdir / "admin.log").open("wb") as log:
            self.admin_process = subprocess.Popen(
                ADMIN_COMMANDS[self.twin],
                cwd=REPO / f"{self.twin}_impl",
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent,
            )

    def admin_credentials(self) -> tuple[str, str]:
        """Wait for the admin command; the admin's (username, password), or a ServerError."""
        try:
            returncode = self.admin_process.wait(timeout=START_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise ServerError(self.failure("did not create its admin user", "admin.log")) from None
        if returncode != 0:
            reason = f"could not create its admin user (exit {returncode})"
            raise ServerError(self.failure(reason, "admin.log"))
        return self.admin

    def failure(self, reason: str, log_name: str = "server.log") -> str:
        """What went wrong, with the tail of the server's log (or of another log of its run)."""
        log = self.workdir / log_name
        tail = log.read_text(errors="replace").splitlines()[-30:] if log.exists() else []
        head = f"{self.twin} twin ({self.flavour.name}) at {self.base_url} {reason}"
        return "\n".join([f"{head}; the end of {log_name}:", *tail])

    def signal(self, signum: int) -> None:
        """Send a signal to the server's whole process group (Gunicorn master and workers)."""
        if self.process and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signum)

    def end_admin_command(self) -> None:
        """Kill the admin command if it still runs (a run interrupted while it did)."""
        if self.admin_process and self.admin_process.poll() is None:
            self.admin_process.kill()
            self.admin_process.wait()

    def stop(self) -> None:
        """End the process group (see STOP_SIGNAL), then drop its database and its run dir."""
        self.end_admin_command()
        self.signal(STOP_SIGNAL)
        if self.process:
            self.process.wait()
        if self.database:
            try:
                drop_database(self.postgres_url, self.database)
            except psycopg.Error as error:
                # The run dir keeps the name: a later run's remove_stale_runs() drops it.
                message = f"{self.twin} twin: could not drop {self.database}: {error}"
                print(f"\n{message}", file=sys.stderr)
                self.workdir = None
            self.database = None
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
        LIVE.discard(self)


def with_database(url: str, name: str) -> str:
    """The URL with its database (the path) replaced by `name`."""
    return urlsplit(url)._replace(path=f"/{name}").geturl()


def create_database(postgres_url: str, name: str) -> None:
    """Create an empty database on the PostgreSQL server (connected to the URL's database)."""
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(postgres_url: str, name: str) -> None:
    """Drop the database, ending any session still connected to it (PostgreSQL 13+)."""
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        connection.execute(statement.format(sql.Identifier(name)))


LIVE: set[Server] = set()
# A run's servers keep nothing: their run dir and their database are deleted next. Even Gunicorn's
# quick shutdown (SIGINT) takes 0.5-0.8 s (its workers exit, then its master), and every run ends
# with one; its graceful stop is fault_tests/'s subject, not a cost of every contract run.
STOP_SIGNAL = signal.SIGKILL
# Looked up before any fork: the child may only make plain calls between fork and exec.
LIBC = ctypes.CDLL(None) if sys.platform == "linux" else None


def remove_stale_runs() -> None:
    """Remove the run dirs of servers gone long ago (left behind when a test run was SIGKILLed)."""
    for workdir in RUNS.glob("*-*"):
        pid_file = workdir / "pid"
        if time.time() - workdir.stat().st_mtime < STALE_AFTER:
            continue
        if pid_file.exists() and is_running(int(pid_file.read_text())):
            continue
        postgres = workdir / "postgres"
        if postgres.exists():
            postgres_url, name = postgres.read_text().split()
            try:
                drop_database(postgres_url, name)
            except psycopg.Error:
                continue  # the server is away: keep the name for a later run
        shutil.rmtree(workdir, ignore_errors=True)


def is_running(pid: int) -> bool:
    """Whether this process exists and has not exited (Linux: an exited child not yet waited for
    stays in /proc as a zombie, state Z; another process's child may stay so until it is reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def die_with_parent() -> None:
    """In the child: ask Linux to SIGTERM it when the test run dies, even by SIGKILL."""
    if LIBC is not None:
        LIBC.prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


class ServerPool:
    """The servers a run needs, started on first use and each awaited when first asked for.

    The main servers of all twins start together; a twin's extra servers start once its main
    server answers, so they boot while it is being tested instead of slowing its start.
    Each server of a twin in `admins` that has a database gets its admin user as soon as it
    answers, by a command that runs while the tests go on; only the admin tests wait for it.
    A pool can also adopt servers that another process started and stops (pytest-xdist's
    controller starts the main servers that its workers share): it uses them, never stops them.
    """

    def __init__(self, wanted=(), admins=(), postgres_url: str | None = None) -> None:
        self.postgres_url = postgres_url
        self.servers: dict[tuple[str, Flavour], Server] = {}
        self.adopted: set[tuple[str, Flavour]] = set()
        self.admins: set[str] = set()
        self.launched: set[tuple[str, Flavour]] = set()
        self.ready: set[tuple[str, Flavour]] = set()
        # Why a server did not start. Each test that asks for it gets a new ServerError: raising
        # one exception object again and again would pile every test's frames on its traceback.
        self.failures: dict[tuple[str, Flavour], str] = {}
        self.claims: dict[str, TextIO] = {}
        self.want(wanted, admins)

    def want(self, wanted, admins=()) -> None:
        """Add servers, and twins whose admin user to create, to those of the pool."""
        for key in wanted:
            if key not in self.servers:
                self.servers[key] = Server(*key, self.postgres_url)
        self.admins.update(admins)
        self.start_what_can_start()

    def records(self) -> list[dict]:
        """What another process needs to adopt this pool's servers (see adopt)."""
        return [self.servers[key].record() for key in sorted(self.launched, key=str)]

    def adopt(self, records: list[dict]) -> None:
        """Use servers that another process launched and will stop."""
        for record in records:
            server = Server.adopted(record)
            key = (server.twin, server.flavour)
            self.servers[key] = server
            self.adopted.add(key)
            self.launched.add(key)

    def get(self, twin: str, flavour: Flavour) -> Server:
        """The running server of this twin and flavour; raises its start-up failure, if any."""
        key = (twin, flavour)
        self.launch([key])
        if key in self.failures:
            raise ServerError(self.failures[key])
        if key not in self.ready:
            try:
                self.servers[key].wait_until_ready()
            except ServerError as error:
                self.failures[key] = str(error)
                raise
            self.ready.add(key)
            self.start_what_can_start()
        return self.servers[key]

    def start_what_can_start(self) -> None:
        """Launch what waited for a server to answer: extra servers, admin users.

        A twin's extra servers start once its main server answers; a server's admin user is
        created once that server answers.
        """
        for (twin, flavour), server in self.servers.items():
            if (twin, MAIN) in self.ready:
                self.launch([(twin, flavour)])
            wants_admin = twin in self.admins and flavour.reachable_database
            if wants_admin and (twin, flavour) in self.ready and server.admin is None:
                server.create_admin()

    def claim(self, twin: str) -> None:
        """Keep the twin's main server to this process's tests, once another process lets go.

        Under pytest-xdist the workers share the main servers, and tests that count the items
        (a rejected write stores nothing) need no other test writing meanwhile. A worker runs
        one twin's tests, and the differential tests, which use every twin, wait until the other
        workers are done. A claim is a lock on a file of the server's run dir, held until the
        session ends (see stop; the OS releases it if the process dies).
        """
        if twin not in self.claims:
            lock = (self.servers[twin, MAIN].workdir / "claim.lock").open("a")
            fcntl.flock(lock, fcntl.LOCK_EX)
            self.claims[twin] = lock

    def admin(self, twin: str, flavour: Flavour = MAIN) -> tuple[str, str]:
        """The (username, password) of the admin user of this twin's server (the main one)."""
        return self.get(twin, flavour).admin_credentials()

    def launch(self, keys) -> None:
        """Start the servers of these keys that are not started yet, without waiting for them."""
        install_safety_net()
        for key in keys:
            if key not in self.launched:
                self.launched.add(key)
                try:
                    self.servers[key].start()
                except OSError as error:
                    self.failures[key] = f"{key[0]} twin: cannot run serve.sh: {error}"
                except psycopg.Error as error:
                    self.failures[key] = f"{key[0]} twin: no database: {error}"

    def stop(self) -> None:
        """Give up the claims; stop every server the pool started (not those it adopted)."""
        for lock in self.claims.values():
            lock.close()
        self.claims.clear()
        for key in self.adopted:
            self.servers[key].end_admin_command()
        stop_all(server for key, server in self.servers.items() if key not in self.adopted)


def stop_all(servers) -> None:
    """Stop several servers (from a copy: stopping one takes it out of LIVE)."""
    for server in list(servers):
        server.stop()


def stop_live_servers_and_die(signum, _frame) -> None:
    """Safety net for SIGTERM/SIGHUP: stop every server still running, then die of the signal."""
    stop_all(LIVE)
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def install_safety_net() -> None:
    """Stop servers at interpreter exit and on SIGTERM/SIGHUP, whatever happens to the test run."""
    if signal.getsignal(signal.SIGTERM) is stop_live_servers_and_die:
        return
    remove_stale_runs()
    atexit.register(lambda: stop_all(LIVE))
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop_live_servers_and_die)
