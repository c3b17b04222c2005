"""The fault suite's harness: both twins, the suite's own PostgreSQL cluster, servers per test.

Every test runs once per twin ([flask], [django]) against servers it starts itself (through
twin_servers/), since the faults end or break them. The figures the tests measure
(requests, errors, memory) are printed at the end of the run.
"""

from __future__ import annotations

import pytest

from fault_tests.cluster import Cluster
from fault_tests.helpers import wait_for_workers
from twin_servers.client import Api
from twin_servers.server import MAIN, Server, install_safety_net, stop_all

TWINS = ["flask", "django"]


def pytest_generate_tests(metafunc) -> None:
    """Run each test using `twin` once per twin."""
    if "twin" in metafunc.fixturenames:
        metafunc.parametrize("twin", TWINS, ids=TWINS)


@pytest.fixture(scope="session")
def cluster():
    """The suite's own PostgreSQL cluster, running; a test that stops it starts it again."""
    install_safety_net()  # also removes the run dirs a killed run left, clusters' too
    own = Cluster()
    try:
        own.create()
        own.start()
        yield own
    finally:
        own.remove()


@pytest.fixture
def launch():
    """Start a twin's server as the contract suite does, all workers up; stopped at the end."""
    started = []

    def start(twin: str, postgres_url: str | None = None) -> tuple[Server, Api]:
        install_safety_net()
        server = Server(twin, MAIN, postgres_url)
        started.append(server)
        server.start()
        server.wait_until_ready()
        wait_for_workers(server)
        return server, Api(twin, server.base_url, server.token, launched=True)

    yield start
    stop_all(started)


FIGURES: list[str] = []


@pytest.fixture
def figures():
    """Lines for the end-of-run summary (what a test measured)."""
    return FIGURES


def pytest_terminal_summary(terminalreporter) -> None:
    """Print the figures the tests measured."""
    if FIGURES:
        terminalreporter.section("fault suite figures")
        for line in FIGURES:
            terminalreporter.write_line(line)
