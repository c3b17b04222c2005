"""The twins' containers, run here without Docker, on fresh PostgreSQL databases.

Each runs what its container would: the image's build steps in its WORKDIR (Django's
collectstatic), then its CMD (serve.sh: migrate, then Gunicorn), with the image's ENV and the
compose file's environment at its defaults, all read from docker-compose.yml and the
Dockerfiles. Three values are this machine's: DATABASE_URL (a fresh database on POSTGRES_URL's
server instead of the `db` service), GUNICORN_BIND (a free port on 127.0.0.1) and STATIC_ROOT (a
temporary folder, not the checkout's). The PATH starts with .venv/bin, where the image has its
installed packages.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import requests

from deploy_tests.files import (
    TWINS,
    Dockerfile,
    dockerfile_of,
    load_compose,
    service_environment,
)
from twin_servers.postgres import create_database, drop_database, with_database
from twin_servers.server import VENV_BIN, free_port, guarded

POSTGRES_URL = os.environ.get("POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
START_TIMEOUT = 30.0
COMMAND_TIMEOUT = 30.0


@dataclass
class Container:
    """A compose service's container, as a local process: argv, working directory, environment."""

    argv: list[str]
    cwd: Path
    env: dict[str, str]
    image: Dockerfile

    @classmethod
    def of(cls, service_name: str, database_url: str, port: int, static_root: Path) -> Container:
        """What the service's container runs (compose `command`, else the image's CMD)."""
        service = load_compose()["services"][service_name]
        image = dockerfile_of(service)
        env = image.env | service_environment(service, environ={})
        env |= {
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",
            "DATABASE_URL": database_url,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "STATIC_ROOT": str(static_root),
        }
        argv = service.get("command") or image.cmd
        return cls(argv, image.local_path(image.workdir), env, image)

    def build(self) -> None:
        """Run the image's build steps in the container's folder, as `docker build` does."""
        for step in self.image.build_steps:
            subprocess.run(  # noqa: S603
                ["/bin/sh", "-c", step], cwd=self.cwd, env=self.env, check=True, timeout=60
            )

    def run(self) -> subprocess.CompletedProcess:
        """Run it to the end (a one-shot service)."""
        return subprocess.run(  # noqa: S603
            self.argv,
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )


@dataclass
class Running:
    """A twin's server container, started, with its log."""

    twin: str
    port: int
    container: Container
    process: subprocess.Popen
    log: Path

    def healthcheck(self) -> subprocess.CompletedProcess:
        """The image's own HEALTHCHECK command, run as Docker would, in the container's setting."""
        return subprocess.run(  # noqa: S603
            self.container.image.healthcheck,
            cwd=self.container.cwd,
            env=self.container.env,
            capture_output=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )

    def wait_until_healthy(self) -> None:
        """Run the HEALTHCHECK until it passes, as compose's `service_healthy` waits."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.failure("exited")
            if self.healthcheck().returncode == 0:
                return
            time.sleep(0.1)
        pytest.fail(self.failure(f"not healthy in {START_TIMEOUT:.0f} s"))

    def failure(self, reason: str) -> str:
        """Why the container failed, with the end of its log."""
        tail = self.log.read_text(errors="replace").splitlines()[-30:]
        return "\n".join([f"the {self.twin} container {reason}; the end of its log:", *tail])

    def stop(self, signum: int) -> int:
        """Signal the process group (Docker signals the container's processes), wait, exit code."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signum)
        return self.process.wait(timeout=COMMAND_TIMEOUT)


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    """Both twins' server containers, started on fresh databases; stopped and dropped after."""
    started: dict[str, Running] = {}
    created: list[str] = []  # databases, dropped at the end whatever happens
    try:
        for twin in TWINS:
            database = f"twins_deploy_{twin}_{secrets.token_hex(4)}"
            create_database(POSTGRES_URL, database)
            created.append(database)
            port = free_port()
            folder = tmp_path_factory.mktemp(twin)
            url = with_database(POSTGRES_URL, database)
            container = Container.of(twin, url, port, folder / "static")
            container.build()
            log = folder / "container.log"
            with log.open("wb") as output:
                process = guarded(
                    container.argv,
                    cwd=container.cwd,
                    env=container.env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            started[twin] = Running(twin, port, container, process, log)
        for server in started.values():
            server.wait_until_healthy()
        yield started
    finally:
        for server in started.values():
            server.stop(signal.SIGKILL)
        for database in created:
            drop_database(POSTGRES_URL, database)


def contract_target(twin: str) -> tuple[str, str]:
    """(Host header, token) with which the contract-tests service reaches this twin."""
    service = load_compose()["services"]["contract-tests"]
    environment = service_environment(service, environ={})
    targets = dict(entry.split("=", 1) for entry in environment["CONTRACT_TARGETS"].split(","))
    return urlsplit(targets[twin]).netloc, environment["API_TOKEN"]


@pytest.mark.parametrize("twin", TWINS)
def test_a_container_is_migrated_healthy_and_writes_for_the_contract_suite(running, twin):
    server = running[twin]
    host, token = contract_target(twin)
    api = requests.Session()
    api.headers["Host"] = host
    base = f"http://127.0.0.1:{server.port}"
    health = api.get(f"{base}/healthz", timeout=5)
    assert (health.status_code, health.json()) == (200, {"status": "ok", "database": "ok"})
    created = api.post(
        f"{base}/api/items",
        json={"name": f"deploy-{twin}", "quantity": 2},
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert created.status_code == 201, created.text
    fetched = api.get(base + created.headers["Location"], timeout=5)
    assert fetched.json() == created.json()


@pytest.mark.parametrize("twin", TWINS)
def test_the_admin_user_service_creates_the_admin_and_can_run_at_every_up(running, twin):
    server = running[twin]
    service = f"{twin}-admin-user"
    # The same image as the server's: its build's files too.
    built = Path(server.container.env["STATIC_ROOT"])
    admin = Container.of(service, server.container.env["DATABASE_URL"], server.port, built)
    for _ in range(2):
        result = admin.run()
        assert result.returncode == 0, result.stdout + result.stderr
    with psycopg.connect(admin.env["DATABASE_URL"]) as connection:
        query = "SELECT count(*) FROM auth_user WHERE username = %s"
        (count,) = connection.execute(query, [admin.env["ADMIN_USERNAME"]]).fetchone()
    assert count == 1


@pytest.mark.parametrize("twin", TWINS)
def test_a_container_stops_cleanly_on_docker_stop(running, twin):
    """SIGTERM, as `docker stop` sends: Gunicorn's graceful shutdown, exit 0 (runs last)."""
    assert running[twin].stop(signal.SIGTERM) == 0
