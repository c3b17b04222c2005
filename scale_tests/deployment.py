"""Three replicas of each twin on one fresh PostgreSQL database, behind deploy/nginx.conf.

Everything on 127.0.0.1: each replica is its twin's serve.sh on a free port, all of a twin's
started at the same moment; nginx is Debian's, run under a temporary prefix of its own with the
repository's configuration, in which only the addresses are this machine's (see localised), and,
for a test that holds a request past it, the read timeout.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from twin_servers.postgres import create_database, drop_database, with_database
from twin_servers.server import ADMIN_COMMANDS, BUILD_STEPS, REPO, VENV_BIN, free_port, guarded

NGINX_CONF = REPO / "deploy" / "nginx.conf"
POSTGRES_URL = os.environ.get("POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REPLICAS = 3
START_TIMEOUT = 60.0  # seconds: three replicas migrate one after another, on two busy cores
STOP_TIMEOUT = 30.0  # Gunicorn's graceful_timeout (20 s) and a margin
# The port each twin's server block listens on, and its upstream's one server, in the file.
PORTS = {"flask": 5000, "django": 8000}
READ_TIMEOUT = "proxy_read_timeout 60s;"


def localised(config: str, listen: dict[str, int], replicas: dict[str, list[str]]) -> str:
    """deploy/nginx.conf with this machine's addresses: the ports nginx listens on, and each
    upstream's replicas (`server host:port params;` once per replica, `down` as given)."""
    for twin, port in PORTS.items():
        config, found = re.subn(rf"listen {port};", f"listen 127.0.0.1:{listen[twin]};", config)
        assert found == 1, f"deploy/nginx.conf: no `listen {port};`"
        line = re.search(rf"^( *)server {twin}:{port} (.*);$", config, re.MULTILINE)
        assert line, f"deploy/nginx.conf: no `server {twin}:{port} ...;`"
        indent, parameters = line.groups()
        servers = [f"{indent}server {address} {parameters};" for address in replicas[twin]]
        config = config.replace(line.group(0), "\n".join(servers))
    return config


def wait_until_healthy(url: str, process: subprocess.Popen, failure) -> None:
    """Wait until url/healthz answers 200; failure(reason) says why it did not."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, failure("exited")
        try:
            if requests.get(f"{url}/healthz", timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise AssertionError(failure(f"not healthy in {START_TIMEOUT:.0f} s"))


@dataclass
class Replica:
    """One replica: its twin's serve.sh on a port of its own, in its own process group."""

    twin: str
    port: int
    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = None
    down: bool = False  # marked down in nginx (taken out of rotation, for a restart)

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = guarded(
                [str(REPO / f"{self.twin}_impl" / "serve.sh")],
                env=self.env | {"GUNICORN_BIND": f"127.0.0.1:{self.port}"},
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_until_healthy(self) -> None:
        wait_until_healthy(self.url, self.process, self.failure)

    def stop(self, signum: int = signal.SIGTERM) -> int:
        """Signal Gunicorn's master (as docker stop does) and wait for it; its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signum)
        return self.process.wait(timeout=STOP_TIMEOUT)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def failure(self, reason: str) -> str:
        tail = self.log.read_text(errors="replace").splitlines()[-20:]
        return "\n".join([f"{self.twin} replica :{self.port} {reason}; its log ends:", *tail])


@dataclass
class Deployment:
    """The replicas of both twins, their databases and admin users, and nginx in front."""

    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="twins-scale-")))
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    admin: tuple[str, str] = field(default_factory=lambda: ("admin", secrets.token_urlsafe(16)))
    databases: dict[str, str] = field(default_factory=dict)
    replicas: dict[str, list[Replica]] = field(default_factory=dict)
    listen: dict[str, int] = field(default_factory=dict)
    nginx: subprocess.Popen | None = None
    read_timeout: str | None = None  # nginx's proxy_read_timeout in place of the file's

    def start(self) -> None:
        """Every replica at once (each twin on a fresh database), then nginx and the admins."""
        # nginx's workers run as nobody and write their temporary files under the prefix.
        self.workdir.chmod(0o755)
        for twin in PORTS:
            env = self.settings(twin)
            # What the image's build does, once, before any replica starts.
            for step in BUILD_STEPS[twin]:
                subprocess.run(step, cwd=REPO / f"{twin}_impl", env=env, check=True)  # noqa: S603
            self.replicas[twin] = [
                Replica(twin, free_port(), env, self.workdir / f"{twin}-{n}.log")
                for n in range(REPLICAS)
            ]
        everyone = [replica for replicas in self.replicas.values() for replica in replicas]
        for replica in everyone:
            replica.start()
        for replica in everyone:
            replica.wait_until_healthy()
        username, password = self.admin
        for twin in PORTS:
            env = self.settings(twin) | {"ADMIN_USERNAME": username, "ADMIN_PASSWORD": password}
            subprocess.run(  # noqa: S603
                ADMIN_COMMANDS[twin], cwd=REPO / f"{twin}_impl", env=env, check=True
            )
        self.listen = {twin: free_port() for twin in PORTS}
        self.write_nginx_conf()
        with (self.workdir / "nginx.log").open("wb") as log:
            self.nginx = guarded(
                [*self.nginx_command(), "-g", f"daemon off; pid {self.workdir}/nginx.pid;"],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        for twin in PORTS:
            wait_until_healthy(self.url(twin), self.nginx, self.nginx_failure)

    def settings(self, twin: str) -> dict[str, str]:
        """What every replica of the twin shares: the same database, keys, token and files."""
        if twin not in self.databases:
            self.databases[twin] = f"twins_scale_{twin}_{secrets.token_hex(4)}"
            create_database(POSTGRES_URL, self.databases[twin])
        return {
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",
            "DEBUG": "0",
            "DATABASE_URL": with_database(POSTGRES_URL, self.databases[twin]),
            "SECRET_KEY": f"scale-{twin}-{self.token}",
            "API_TOKEN": self.token,
            "STATIC_ROOT": str(self.workdir / f"{twin}-static"),
            # nginx appends the client's address to X-Forwarded-For.
            "TRUSTED_PROXIES": "1",
            # One worker each: six replicas share two cores, and the database's 100 connections.
            "WEB_CONCURRENCY": "1",
        }

    def nginx_command(self) -> list[str]:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        return [nginx, "-e", "stderr", "-p", f"{self.workdir}/", "-c", f"{self.workdir}/nginx.conf"]

    def write_nginx_conf(self) -> None:
        addresses = {
            twin: [f"127.0.0.1:{r.port}" + (" down" if r.down else "") for r in replicas]
            for twin, replicas in self.replicas.items()
        }
        text = localised(NGINX_CONF.read_text(), self.listen, addresses)
        if self.read_timeout:
            assert READ_TIMEOUT in text, f"deploy/nginx.conf: no `{READ_TIMEOUT}`"
            text = text.replace(READ_TIMEOUT, f"proxy_read_timeout {self.read_timeout};")
        (self.workdir / "nginx.conf").write_text(text)

    def reload_nginx(self) -> None:
        """Apply nginx.conf again: new workers take new requests, the old ones finish theirs."""
        self.write_nginx_conf()
        self.nginx.send_signal(signal.SIGHUP)
        # The reload is asynchronous: wait until the master has started its new workers.
        time.sleep(1.0)

    def url(self, twin: str) -> str:
        """The twin's address through nginx."""
        return f"http://127.0.0.1:{self.listen[twin]}"

    def nginx_failure(self, reason: str) -> str:
        tail = (self.workdir / "nginx.log").read_text(errors="replace").splitlines()[-20:]
        return "\n".join([f"nginx {reason}; its log ends:", *tail])

    def stop(self) -> None:
        if self.nginx and self.nginx.poll() is None:
            self.nginx.send_signal(signal.SIGQUIT)
            self.nginx.wait(timeout=STOP_TIMEOUT)
        for replicas in self.replicas.values():
            for replica in replicas:
                if replica.process and replica.process.poll() is None:
                    os.killpg(replica.process.pid, signal.SIGKILL)
                    replica.process.wait()
        for database in self.databases.values():
            drop_database(POSTGRES_URL, database)
        shutil.rmtree(self.workdir, ignore_errors=True)
