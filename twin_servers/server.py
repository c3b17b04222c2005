"""One twin as a real Gunicorn server: a fresh temp dir and database, a free port; stopped after.

The database is a SQLite file in the temp dir or, given a PostgreSQL server's URL, a database of
its own created on that server for this one server process and dropped when it stops.
"""

from __future__ import annotations

import atexit
import contextlib
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

import psycopg
import requests

from twin_servers.client import http_session
from twin_servers.postgres import create_database, drop_database, with_database

REPO = Path(__file__).resolve().parents[1]
RUNS = REPO / ".runs"  # one run dir per server: its database, its logs
# The twins run from the venv that runs the kit (make setup's .venv, or CI's second Python's).
VENV_BIN = Path(sys.executable).parent
GUARD = Path(__file__).with_name("guard.py")
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
# the static files, which serve.sh leaves to the build); run once per test run (see build()).
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


class ServerError(RuntimeError):
    """A twin did not start; the message ends with the tail of its log."""


@dataclass(frozen=True)
class Flavour:
    """What sets a server apart: an API token, a database it can reach, HTTPS=1 (a TLS proxy),
    DEBUG=1, its ALLOWED_HOSTS."""

    name: str
    has_token: bool = True
    reachable_database: bool = True
    workers: str | None = None  # None: gunicorn.conf.py's default (3), as in production
    https: bool = False  # HTTPS=1: the tests play the proxy, sending X-Forwarded-Proto
    trusted_proxies: int = 0  # TRUSTED_PROXIES: the tests play the proxies, sending X-Forwarded-For
    debug: bool = False  # DEBUG=1, as in development (the framework's debug pages)
    allowed_hosts: str | None = None  # ALLOWED_HOSTS; None: the twins' default


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
# Served with DEBUG=1, as in development: the API's errors are its envelope in that mode too.
DEBUGGING = Flavour("DEBUG=1", workers="1", debug=True)
# Served with a domain and its subdomains allowed, besides the addresses the kit asks on.
SUBDOMAINS = Flavour(
    "ALLOWED_HOSTS with .example.com",
    workers="1",
    allowed_hosts="localhost,127.0.0.1,[::1],.example.com",
)
# A database no test writes to: what the answers of an empty database are.
EMPTY = Flavour("an empty database", workers="1")


def guarded(command: list[str], **options) -> subprocess.Popen:
    """Start a command in a process group of its own, ended when this process ends, however.

    The command runs under twin_servers/guard.py, which kills the group when this process is
    gone (SIGKILL too); signals sent to the returned process reach the command.
    """
    return subprocess.Popen(
        [sys.executable, str(GUARD), *command],
        stdin=subprocess.PIPE,  # never written to: its end-of-file tells the guard we are gone
        start_new_session=True,
        **options,
    )


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

    def start(self) -> None:
        """Launch serve.sh without waiting for an answer (so several servers boot in parallel)."""
        RUNS.mkdir(exist_ok=True)
        self.workdir = Path(tempfile.mkdtemp(prefix=f"{self.twin}-", dir=RUNS))
        env = {key: value for key, value in os.environ.items() if key not in TWIN_SETTINGS}
        env |= {
            "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
            "DEBUG": "1" if self.flavour.debug else "0",
            "SECRET_KEY": secrets.token_urlsafe(32),
            "DATABASE_URL": self.database_url(),
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "STATIC_ROOT": str(build(self.twin)),  # Flask ignores it
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
        if self.flavour.allowed_hosts:
            env["ALLOWED_HOSTS"] = self.flavour.allowed_hosts
        self.env = env
        with (self.workdir / "server.log").open("wb") as log:
            self.process = guarded(
                ["./serve.sh"],
                cwd=REPO / f"{self.twin}_impl",
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        (self.workdir / "pid").write_text(str(self.process.pid))
        LIVE.add(self)

    def running(self) -> bool:
        """Whether the server's process is still there."""
        return self.process is not None and self.process.poll() is None

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
                    raise ServerError(self.failure(f"exited with {self.process.returncode}"))
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
            self.admin_process = guarded(
                ADMIN_COMMANDS[self.twin],
                cwd=REPO / f"{self.twin}_impl",
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
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
        if self.running():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signum)

    def stop(self) -> None:
        """Kill the process group, then drop its database and remove its run dir.

        SIGKILL: the run keeps nothing, and even Gunicorn's quick stop takes most of a second.
        Its graceful stop is the fault suite's subject, not a cost of every run.
        """
        for process in (self.admin_process, self.process):
            if process and process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
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


BUILDS: dict[str, Path] = {}  # per twin, the run dir of this run's build


def build(twin: str) -> Path:
    """The STATIC_ROOT of the twin's build, made by its BUILD_STEPS at the first call of the run.

    Built once, as an image is built once for every container started from it, into a run dir
    that the run's servers share and read only (its pid file names this run's process).
    """
    if twin not in BUILDS:
        install_safety_net()  # which removes the builds at exit
        RUNS.mkdir(exist_ok=True)
        workdir = Path(tempfile.mkdtemp(prefix=f"{twin}-build-", dir=RUNS))
        (workdir / "pid").write_text(str(os.getpid()))
        env = {key: value for key, value in os.environ.items() if key not in TWIN_SETTINGS}
        env |= {
            "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
            "SECRET_KEY": "built-by-the-test-kit",  # as the image's build sets one of its own
            "STATIC_ROOT": str(workdir / "static"),
        }
        for step in BUILD_STEPS[twin]:
            with (workdir / "build.log").open("ab") as log:
                process = guarded(
                    step, cwd=REPO / f"{twin}_impl", env=env, stdout=log, stderr=subprocess.STDOUT
                )
            if process.wait() != 0:
                tail = (workdir / "build.log").read_text(errors="replace").splitlines()[-30:]
                shutil.rmtree(workdir, ignore_errors=True)  # the next server builds afresh
                head = f"{twin} twin: its build step {shlex.join(step)} failed; the end of its log:"
                raise ServerError("\n".join([head, *tail]))
        BUILDS[twin] = workdir
    return BUILDS[twin] / "static"


def remove_builds() -> None:
    """Remove this run's builds (at exit, once no server of the run is left to read them)."""
    for workdir in BUILDS.values():
        shutil.rmtree(workdir, ignore_errors=True)
    BUILDS.clear()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def is_running(pid: int) -> bool:
    """Whether a process with this id exists (signal 0 checks, and sends nothing)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's: it exists
    return True


LIVE: set[Server] = set()


def stop_all(servers) -> None:
    """Stop several servers (from a copy: stopping one takes it out of LIVE)."""
    for server in list(servers):
        server.stop()


def stop_live_servers_and_die(signum, _frame) -> None:
    """On SIGTERM or SIGHUP: stop every server still running, then die of the signal."""
    stop_all(LIVE)
    remove_builds()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def install_safety_net() -> None:
    """Stop the servers, drop their databases and remove their run dirs however the run ends.

    At interpreter exit and on SIGTERM or SIGHUP here; a run killed outright leaves its servers
    to their guards and its run dirs to the next run's remove_stale_runs().
    """
    if signal.getsignal(signal.SIGTERM) is stop_live_servers_and_die:
        return
    remove_stale_runs()
    atexit.register(remove_builds)  # registered first: runs after the servers are stopped
    atexit.register(lambda: stop_all(LIVE))
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop_live_servers_and_die)


def remove_stale_runs() -> None:
    """Remove the run dirs (and PostgreSQL databases) of servers a killed run left behind."""
    for workdir in RUNS.glob("*-*"):
        pid_file = workdir / "pid"
        if time.time() - workdir.stat().st_mtime < STALE_AFTER:
            continue
        if pid_file.exists() and is_running(int(pid_file.read_text())):
            continue  # another run's server, still serving
        postgres = workdir / "postgres"
        if postgres.exists():
            postgres_url, name = postgres.read_text().split()
            try:
                drop_database(postgres_url, name)
            except psycopg.Error:
                continue  # the server is away: keep the name for a later run
        shutil.rmtree(workdir, ignore_errors=True)
